"""Temporary directories removed on every exit path: normal return, error, Ctrl-C, SIGTERM.

with workdir.temp("repro") as d: ... makes $TMPDIR/shmfuzz-repro.XXXXXX. The directory goes
when the block is left, and anything still registered goes at interpreter exit (atexit runs
after main() has returned, i.e. after a command saved its findings and wrote its summary).
SIGTERM is turned into status.Interrupted, so it unwinds exactly like Ctrl-C.
"""

import atexit
import contextlib
import os
import shutil
import signal
import tempfile

from . import status

_live = set()


def _remove(path):
    shutil.rmtree(path, ignore_errors=True)
    _live.discard(path)


@atexit.register
def _remove_all():
    for path in list(_live):
        _remove(path)


def make(name, parent=None):
    """A new private directory $TMPDIR/shmfuzz-NAME.XXXXXX (or under parent), registered for
    removal."""
    path = tempfile.mkdtemp(prefix=f"shmfuzz-{name}.", dir=parent)
    _live.add(path)
    return path


def keep(path):
    """path outlives the command after all (it holds a finding the user is told about)."""
    _live.discard(path)


def remove(path):
    _remove(path)


@contextlib.contextmanager
def temp(name):
    path = make(name)
    try:
        yield path
    finally:
        _remove(path)


def _on_term(signum, frame):
    raise status.Interrupted()


def install_signal_handlers():
    """SIGTERM unwinds like SIGINT (KeyboardInterrupt); SIGPIPE ends us quietly."""
    signal.signal(signal.SIGTERM, _on_term)


def block_interrupts():
    """Context manager: SIGINT/SIGTERM noted, not raised (a summary being written)."""
    return _Deferred()


class _Deferred:
    def __enter__(self):
        self.got = None
        self.old = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
        for s in self.old:
            signal.signal(s, self._note)
        return self

    def _note(self, signum, frame):
        self.got = signum

    def __exit__(self, *exc):
        for s, h in self.old.items():
            signal.signal(s, h)
        return False
