"""cmd_clean.py: `shmfuzz clean`: remove the IPC objects and temporary files shmfuzz recorded
leaving behind, nothing else.

What is ours is decided from the record the harness writes when it creates an object outside
a private namespace (harness/src/record.c, docs/harness.md), never from a key range or a name
pattern: other programs use those keys and names too. A record line is acted on only while
the object is still exactly the one recorded (System V: same id, key, ctime and creator;
POSIX: same name, device and inode, a regular file owned by us) and nobody uses it (no
attachment, no process waiting on a semaphore, no process mapping or holding a POSIX object
open). Also removed: shmfuzz's own temporary directories (mktemp names below, ours, not
symlinks) untouched for an hour, and with --outputs ./shmfuzz-out.
"""
import fcntl
import glob
import os
import re
import shutil
import stat
import subprocess
import time

from . import status
from .cli import Opt, command

SUMMARY = "remove the IPC objects and temporary files shmfuzz recorded leaving behind, nothing else"

ABOUT = """\
Removes what shmfuzz itself recorded creating and left behind after a killed run, and
nothing else. Campaigns and tests normally run in private IPC and mount namespaces (root)
and leave nothing on the host. Without root the harness records every System V segment,
semaphore set and POSIX object it creates in
  ${XDG_STATE_HOME:-$HOME/.local/state}/shmfuzz/objects/run.*   (one file per run)
and clean removes a recorded object only if it is still exactly the one recorded (same id,
key, ctime and creator; same name, device and inode) and not in use (a segment with no
attachment, a semaphore set nobody waits on, a POSIX object nobody maps or holds open).
Records of objects that are gone are dropped; objects it cannot remove stay recorded.
The file of a run that is still running is left alone.
Also removed: shmfuzz's temporary directories ${TMPDIR:-/tmp}/shmfuzz-{repro,min,triage,cmin}.*
of the current user untouched for an hour."""

TEMP_PREFIXES = ("shmfuzz-repro.", "shmfuzz-min.", "shmfuzz-triage.", "shmfuzz-cmin.")


def _info(msg):
    status.info(msg)


def _say(msg):
    status.out(msg)


class Cleaner:
    def __init__(self, dry_run):
        self.dry = dry_run
        self.uid = os.getuid()
        self.n = 0
        self._used = None

    # ---- where the records are
    def record_dir(self):
        """The record directory, if it is a real directory of ours nobody else can write."""
        base = os.environ.get("XDG_STATE_HOME", "")
        if not base.startswith("/"):
            base = os.environ.get("HOME", "") + "/.local/state"
        if not base.startswith("/"):
            return None
        d = base + "/shmfuzz/objects"
        try:
            st = os.lstat(d)
        except OSError:
            return None
        if not stat.S_ISDIR(st.st_mode):
            return None
        if st.st_uid != self.uid or st.st_mode & 0o022:
            _info(f"clean: {d} is not a private directory of yours: its records are not used")
            return None
        return d

    # ---- System V
    @staticmethod
    def sysv_row(kind, ident):
        """(key, ctime, cuid, nattch) of ID from /proc/sysvipc (nattch 0 for a set), or None."""
        path = "/proc/sysvipc/shm" if kind == "shm" else "/proc/sysvipc/sem"
        try:
            with open(path, encoding="ascii", errors="replace") as f:
                next(f, None)
                for line in f:
                    c = line.split()
                    if kind == "shm" and len(c) > 13 and c[1] == ident:
                        # key shmid perms size cpid lpid nattch uid gid cuid cgid atime dtime ctime
                        return c[0], c[13], c[9], c[6]
                    if kind == "sem" and len(c) > 9 and c[1] == ident:
                        # key semid perms nsems uid gid cuid cgid otime ctime
                        return c[0], c[9], c[6], "0"
        except OSError:
            pass
        return None

    @staticmethod
    def sem_waited(ident):
        """Whether a process waits on a semaphore of set ID (semncnt or semzcnt > 0)."""
        try:
            out = subprocess.run(["ipcs", "-s", "-i", ident], capture_output=True,
                                 check=False).stdout.decode("ascii", "replace")
        except OSError:
            return False
        table = False
        for line in out.splitlines():
            c = line.split()
            if c and c[0] == "semnum":
                table = True
                continue
            if table and len(c) >= 4:
                try:
                    if int(c[2]) > 0 or int(c[3]) > 0:
                        return True
                except ValueError:
                    pass
        return False

    def sysv(self, kind, fields, line):
        ident, key = fields.get("id", ""), fields.get("key", "")
        ctime, cuid = fields.get("ctime"), fields.get("cuid")
        if ctime is None or cuid is None or not re.fullmatch(r"[0-9]+", ident) \
                or not re.fullmatch(r"0x[0-9a-f]{8}", key):
            _info(f"clean: bad record line kept: {line}")
            return False
        what = "System V %s id %s key %s" % ("segment" if kind == "shm" else "semaphore set",
                                             ident, key)
        row = self.sysv_row(kind, ident)
        same = row is not None and "0x%08x" % (int(row[0]) & 0xFFFFFFFF) == key \
            and row[1] == ctime and row[2] == cuid and cuid == str(self.uid)  # key: a signed int

        def busy():
            if row[3] != "0":
                return f"attached ({row[3]})"
            return "a process waits on it" if kind == "sem" and self.sem_waited(ident) else ""

        def remove():
            flag = "-m" if kind == "shm" else "-s"
            return subprocess.run(["ipcrm", flag, ident], stderr=subprocess.DEVNULL,
                                  check=False).returncode == 0
        return self.act(what, same, busy, remove)

    # ---- POSIX
    def used_paths(self):
        """The /dev/shm paths a process we can see maps or holds open (read once)."""
        if self._used is None:
            used = set()
            for maps in glob.glob("/proc/[0-9]*/maps"):
                try:
                    with open(maps, "rb") as f:
                        for line in f:
                            c = line.split(None, 5)
                            if len(c) == 6 and c[5].startswith(b"/dev/shm/"):
                                used.add(c[5].rstrip(b"\n"))
                except OSError:
                    pass
            for fd_dir in glob.glob("/proc/[0-9]*/fd"):
                try:
                    fds = os.listdir(fd_dir)
                except OSError:
                    continue
                for fd in fds:
                    try:
                        target = os.readlink(os.path.join(fd_dir, fd).encode())
                    except OSError:
                        continue
                    if target.startswith(b"/dev/shm/"):
                        used.add(target)
            self._used = used
        return self._used

    def posix(self, kind, fields, line):
        name, dev, ino = fields.get("name", ""), fields.get("dev"), fields.get("ino")
        if dev is None or ino is None or not re.fullmatch(r"/[^/]+", name):
            _info(f"clean: bad record line kept: {line}")
            return False
        if kind == "posix-sem":
            path, what = "/dev/shm/sem." + name[1:], f"POSIX semaphore {name}"
        else:
            path, what = "/dev/shm/" + name[1:], f"POSIX shared memory {name}"
        try:
            st = os.lstat(path)  # never follows a symlink: a symlink is never the object
        except OSError:
            st = None
        same = st is not None and stat.S_ISREG(st.st_mode) and str(st.st_dev) == dev \
            and str(st.st_ino) == ino and st.st_uid == self.uid

        def busy():
            return "a process maps it or holds it open" if os.fsencode(path) in self.used_paths() else ""

        def remove():
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
            except OSError:
                return False
            return True
        return self.act(what, same, busy, remove)

    # ---- what both kinds do once the record line is read
    def act(self, what, same, busy, remove):
        """Forgets an object that is not the one recorded (same false), keeps one busy() says is
        in use or remove() fails on, else removes it (dry run: says it would). True to drop the
        record line."""
        if not same:
            _say(f"forgot {what}: gone, or no longer the object recorded")
            return True
        why = busy()
        if why:
            _say(f"kept {what}: {why}")
            return False
        if not self.dry and not remove():
            _say(f"kept {what}: cannot remove it")
            return False
        self.said(what)
        return not self.dry

    # ---- one record line, one record file
    def entry(self, line):
        """Acts on one record line; True to drop it (removed, or gone), False to keep it."""
        words = line.split()
        kind = words[0] if words else ""
        fields = {}
        for w in words[1:]:
            k, sep, v = w.partition("=")
            if sep and k not in fields:
                fields[k] = v
        if kind in ("shm", "sem"):
            return self.sysv(kind, fields, line)
        if kind in ("posix-shm", "posix-sem"):
            return self.posix(kind, fields, line)
        _info(f"clean: a record line it does not understand is kept: {line}")
        return False

    def record_file(self, path):
        """Skipped while its run holds the lock; else each line acted on, and the file keeps
        only the lines still needed (removed when none is)."""
        try:
            st = os.lstat(path)
        except OSError:
            return
        if not stat.S_ISREG(st.st_mode) or st.st_uid != self.uid:
            return
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError:
            return
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                _say(f"skipped record {path}: its run is still running")
                return
            with open(fd, "rb", closefd=False) as f:
                text = f.read().decode("utf-8", "surrogateescape")
            kept = [line for line in text.split("\n") if line and not self.entry(line)]
            if not self.dry:
                if kept:
                    with open(path, "wb") as f:
                        f.write("".join(k + "\n" for k in kept).encode("utf-8",
                                                                       "surrogateescape"))
                else:
                    os.unlink(path)
        finally:
            os.close(fd)

    def records(self):
        d = self.record_dir()
        if d is None:
            return
        for path in sorted(glob.glob(glob.escape(d) + "/run.*")):
            self.record_file(path)

    # ---- temporaries and outputs
    def said(self, what):
        _say(("would remove " if self.dry else "removed ") + what)
        self.n += 1

    def temporaries(self):
        tmp = os.environ.get("TMPDIR") or "/tmp"
        try:
            names = os.listdir(tmp)
        except OSError:
            return
        old = time.time() - 3600
        for name in sorted(names):
            if not name.startswith(TEMP_PREFIXES):
                continue
            path = os.path.join(tmp, name)
            try:
                st = os.lstat(path)
            except OSError:
                continue
            # ours, a real directory or file (never a symlink), untouched for an hour
            if not (stat.S_ISDIR(st.st_mode) or stat.S_ISREG(st.st_mode)) \
                    or st.st_uid != self.uid or st.st_mtime >= old:
                continue
            if not self.dry:
                try:
                    if stat.S_ISDIR(st.st_mode):
                        shutil.rmtree(path)
                    else:
                        os.unlink(path)
                except OSError:
                    continue
            self.said(f"temporary {path}")

    def outputs(self):
        try:
            st = os.lstat("shmfuzz-out")
        except OSError:
            return
        if not stat.S_ISDIR(st.st_mode):
            return
        here = os.getcwd()
        if st.st_uid != self.uid:
            _info(f"clean: {here}/shmfuzz-out is not yours: left alone")
            return
        if not self.dry:
            shutil.rmtree("shmfuzz-out", ignore_errors=True)
        self.said(f"out dirs {here}/shmfuzz-out")


def clean(dry_run=False, outputs=False):
    """The command; its exit status (0: a failure to remove one thing is said, not fatal)."""
    c = Cleaner(dry_run)
    c.records()
    c.temporaries()
    if outputs:
        c.outputs()
    _info(f"clean: {c.n} item(s) " + ("to remove (dry run)" if dry_run else "removed"))
    return 0


@command("clean", SUMMARY, about=ABOUT, build_dir=False, exit_status="0 done, 2 usage error",
         opts=[Opt("--dry-run", help="list what would be removed, remove nothing, change no record"),
               Opt("--outputs", help="also remove ./shmfuzz-out (out dirs of fuzz, demo, ci,\n"
                   "enumerate: findings too)")])
def clean_cmd(a):
    return clean(a.dry_run, a.outputs)
