"""The exit-status contract of every shmfuzz command, and its messages.

0 clean, 1 findings, 2 usage or set-up error, 77 skipped. Only main() (cli.py) turns an
outcome into a status: commands return OK/FINDING (or a program's own status for `run`) and
raise the errors below; anything else that escapes is an internal error, exit 2, never 1.
"""

import sys

OK = 0
FINDING = 1
USAGE = 2
SKIP = 77
INTERRUPTED = 130


class ShmfuzzError(Exception):
    """A set-up error: 'shmfuzz: error: MESSAGE', exit 2."""

    status = USAGE
    prefix = "error: "


class UsageError(ShmfuzzError):
    """A bad command line: 'shmfuzz: MESSAGE' (one line), exit 2."""

    prefix = ""


class Skipped(ShmfuzzError):
    """Something the command needs is missing: exit 77."""

    status = SKIP
    prefix = "skipped: "


class Interrupted(BaseException):
    """SIGTERM (SIGINT is KeyboardInterrupt): unwinds like Ctrl-C so every cleanup runs."""


def _write(stream, text):
    try:
        stream.write(text)
        stream.flush()
    except (BrokenPipeError, ValueError):
        pass


def info(msg):
    """One line on stderr with the command's prefix."""
    _write(sys.stderr, f"shmfuzz: {msg}\n")


def out(msg=""):
    """One line on stdout (results, not chatter)."""
    _write(sys.stdout, f"{msg}\n")


def die(msg):
    raise ShmfuzzError(msg)


def die_usage(msg):
    raise UsageError(msg)


class Progress:
    """A live status line on a terminal; a plain line every `every` seconds otherwise (CI,
    pipes), so a long loop never prints one line per step."""

    def __init__(self, every=10.0):
        import time

        from . import config

        self._time = time.monotonic
        self.tty = config.tty()
        self.every = 1.0 if self.tty else every
        self.last = None
        self.shown = False

    def update(self, text, force=False):
        now = self._time()
        if not force and self.last is not None and now - self.last < self.every:
            return
        self.last = now
        if self.tty:
            _write(sys.stderr, f"\r\033[K{text}")
            self.shown = True
        else:
            _write(sys.stderr, f"{text}\n")

    def end(self):
        if self.tty and self.shown:
            _write(sys.stderr, "\n")
            self.shown = False
