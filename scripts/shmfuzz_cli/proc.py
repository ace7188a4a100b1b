"""Starting programs: always by argument list, never through hand-quoted shell text.

Output is bytes decoded with surrogateescape, so a name with bytes that are not UTF-8 (a
/dev/shm name a fuzzed library made) survives into every report and back to disk unchanged.
A command line shown to people (a reproducer) is shell_line(argv): shlex.join.
"""

import os
import shlex
import shutil
import subprocess

from . import status


def text(data):
    """Bytes from a program -> str, every byte kept (surrogateescape)."""
    if data is None:
        return ""
    return data.decode("utf-8", "surrogateescape")


def raw(s):
    """str back to the bytes it came from (the inverse of text())."""
    return s.encode("utf-8", "surrogateescape")


def shell_line(argv):
    """A command line a POSIX shell runs as argv, for reproducers and messages."""
    return shlex.join(str(a) for a in argv)


def which(tool):
    return shutil.which(tool)


def need_tool(*tools):
    """Each tool must be on PATH, else one line naming the fix (exit 2)."""
    for t in tools:
        if not which(t):
            status.die(f"{t} is not installed (run scripts/install-deps as root)")


def run(argv, *, env=None, cwd=None, stdin=subprocess.DEVNULL, stdout=None, stderr=None,
        timeout=None):
    """Run argv, output to the given streams (default: ours); its exit status.

    A status above 128 is how a shell reports death by a signal: the same here."""
    try:
        rc, _ = _wait([str(a) for a in argv], timeout, env=env, cwd=cwd, stdin=stdin,
                      stdout=stdout, stderr=stderr)
    except FileNotFoundError:
        status.die(f"{argv[0]}: no such program")
    except PermissionError:
        status.die(f"{argv[0]}: not executable")
    except subprocess.TimeoutExpired:
        return 124
    return _shell_status(rc)


def capture(argv, *, env=None, cwd=None, merge=True, timeout=None, stdin=subprocess.DEVNULL):
    """Run argv, return (status, output as text). merge: stderr into the same text."""
    try:
        rc, out = _wait([str(a) for a in argv], timeout, env=env, cwd=cwd, stdin=stdin,
                        stdout=subprocess.PIPE,
                        stderr=subprocess.STDOUT if merge else subprocess.DEVNULL)
    except FileNotFoundError:
        return 127, f"{argv[0]}: no such program\n"
    except PermissionError:
        return 126, f"{argv[0]}: not executable\n"
    except subprocess.TimeoutExpired as e:
        return 124, text(e.output)
    return _shell_status(rc), text(out)


def _wait(argv, timeout, **popen):
    """(returncode, stdout) of argv. Interrupted (Ctrl-C, SIGTERM) or out of time, the child
    gets SIGTERM first and SIGKILL only if it is still there 2 s later: `timeout` (every
    replay runs under it) passes SIGTERM on to the program it runs in its own process group,
    which a terminal's Ctrl-C never reaches; a SIGKILL would orphan that program."""
    with subprocess.Popen(argv, **popen) as p:
        try:
            out, _ = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired as e:
            _stop(p)
            e.output = p.stdout.read() if p.stdout is not None else None
            raise
        except BaseException:
            _stop(p)
            raise
        return p.returncode, out


def _stop(p):
    if p.poll() is not None:
        return
    p.terminate()
    try:
        p.wait(timeout=2)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def _shell_status(rc):
    return 128 - rc if rc < 0 else rc


def env_with(**extra):
    """os.environ plus extra variables (our configuration variables are not in os.environ)."""
    env = dict(os.environ)
    env.update({k: str(v) for k, v in extra.items()})
    return env
