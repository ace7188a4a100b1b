"""Private namespaces for the programs shmfuzz runs.

isolated(argv): argv in a private IPC + mount namespace with its own tmpfs /dev/shm (what it
creates or leaks vanishes with it); without the rights, argv as it is (the drivers then judge
leaks from libshmfault's ledger).

run_isolated(argv, left_status): `run --isolate`: IPC, mount and PID namespaces (hung peers
die with the run); at the end, what is left in the namespace is listed on stderr, minus what
SHMFAULT_SUPPRESSIONS names. The part inside the namespaces is this module run as a program
(python3 isolate.py --inner ...), PID 1 there.
"""

import os
import subprocess
import sys

if __package__ in (None, ""):  # run as the program inside the namespace
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    __package__ = "shmfuzz_cli"

from shmfuzz_cli import proc, status, suppress  # noqa: E402

_MOUNT_SHM = ["mount", "-t", "tmpfs", "-o", "mode=1777", "shmfuzz", "/dev/shm"]
_can = None


def can_isolate():
    """Root and namespaces work (a private IPC namespace + a tmpfs on /dev/shm)."""
    global _can
    if _can is None:
        _can = proc.capture(["unshare", "-im", "true"])[0] == 0
    return _can


def isolated(argv):
    """argv wrapped to run in a private IPC + mount namespace (as it is without the rights)."""
    if not can_isolate():
        return list(argv)
    # sh runs a fixed script; argv reaches exec "$@" as separate words, never re-parsed.
    return ["unshare", "-im", "--propagation", "private", "--", "sh", "-c",
            'mount -t tmpfs -o mode=1777 shmfuzz /dev/shm && exec "$@"', "sfz-isolated", *argv]


def run_isolated(argv, left_status=None, env=None):
    """argv in IPC, mount and PID namespaces; its status (or left_status when it exits 0 and
    left objects). Exit 2 without root or namespaces."""
    probe = ["unshare", "--ipc", "--mount", "--pid", "--fork", "--mount-proc", "true"]
    if os.geteuid() != 0 or proc.capture(probe)[0] != 0:
        status.die("--isolate needs root and namespaces (unshare --ipc --mount --pid)")
    inner = [sys.executable, os.path.abspath(__file__), "--inner",
             str(left_status if left_status is not None else -1), "--", *argv]
    return proc.run(["unshare", "--ipc", "--mount", "--pid", "--fork", "--mount-proc", *inner],
                    env=env, stdin=None)


def _left():
    """What is left in this namespace: [(kind, ident, line)]."""
    objs = []
    for kind, path, third in (("sysv-shm", "/proc/sysvipc/shm", "size"),
                              ("sysv-sem", "/proc/sysvipc/sem", "nsems")):
        try:
            with open(path) as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            rows = []
        for row in rows:
            c = row.split()
            if len(c) < 4:
                continue
            key = int(c[0]) & 0xFFFFFFFF  # the kernel prints a key as a signed int
            objs.append((kind, key, f"{kind} key=0x{key:08x} id={c[1]} {third}={c[3]}"))
    for name in sorted(os.listdir(b"/dev/shm")):
        n = os.fsdecode(name)
        if n.startswith("sem."):
            objs.append(("posix-sem", n[4:], f"/dev/shm/{n}"))
        else:
            objs.append(("posix-shm", n, f"/dev/shm/{n}"))
    return objs


def _inner(left_status, argv):
    if subprocess.call(_MOUNT_SHM) != 0:
        return 2
    rc = proc.run(argv, stdin=None)
    rules = suppress.load(os.environ.get("SHMFAULT_SUPPRESSIONS", ""))
    left, nsupp = [], 0
    for kind, ident, line in _left():
        if suppress.suppressed(rules, (kind, ident)):
            nsupp += 1
        else:
            left.append((kind, line))
    if left:
        shm = sum(1 for k, _ in left if k == "sysv-shm")
        sem = sum(1 for k, _ in left if k == "sysv-sem")
        names = len(left) - shm - sem
        status.info(f"isolate: left in the namespace: {shm} shm segment(s), {sem} semaphore "
                    f"set(s), {names} /dev/shm name(s)")
        for _, line in left:
            status.info(f"isolate:   {line}")
        if rc == 0 and left_status >= 0:
            rc = left_status
    if nsupp:
        status.info(f"isolate: {nsupp} object(s) left as SHMFAULT_SUPPRESSIONS allows")
    return rc


if __name__ == "__main__":
    for s in (sys.stdout, sys.stderr):
        s.reconfigure(errors="surrogateescape")
    # argv: --inner LEFT_STATUS -- PROGRAM ARGS...
    sys.exit(_inner(int(sys.argv[2]), sys.argv[4:]))
