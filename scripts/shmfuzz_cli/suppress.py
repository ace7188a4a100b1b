"""suppress.py: drops the objects a suppressions file names (SHMFAULT_SUPPRESSIONS format,
docs/faults.md "Suppressions") from a listing of what is left in a namespace.

A listing is one object a line: "sysv-shm key=0x... ...", "sysv-sem key=0x... ...",
"/dev/shm/NAME" (a POSIX named semaphore is /dev/shm/sem.NAME). The library's ledger and
shmfault-enum apply the same file to their own listings (tools/enum/suppress.c); this is the
command's copy, for `run --isolate`. left_in_namespace() makes the listing (run it inside the
namespace); `python3 suppress.py [FILE]` filters stdin the way scripts/lib/suppress.awk did,
with "suppressed N" last when something was dropped.
"""
import os
import re
import sys


class BadSuppressions(Exception):
    """The file cannot be read."""


def _num(text):
    """'0x1f' or '31' -> 31; the leading digits only, as the C side reads them."""
    text = text.lower()
    if text.startswith("0x"):
        m = re.match(r"[0-9a-f]*", text[2:])
        return int(m.group(0) or "0", 16)
    m = re.match(r"-?[0-9]*", text)
    return int(m.group(0)) if m.group(0) not in ("", "-") else 0


def _glob(pattern):
    """A glob of '*', '?' and plain characters (as awk's copy had it: '[' is plain) as an
    anchored regular expression; '*' and '?' match '/' too, as fnmatch(3) without flags."""
    parts = [".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern]
    return re.compile("".join(parts) + r"\Z", re.S)


class Suppressions:
    """The (kind, value) lines of a suppressions file."""

    def __init__(self, entries=()):
        self.entries = list(entries)

    @classmethod
    def load(cls, path):
        if not path:
            return cls()
        try:
            with open(path, "rb") as f:
                data = f.read().decode("utf-8", "surrogateescape")
        except OSError as e:
            raise BadSuppressions(f"{path}: {e.strerror}") from e
        entries = []
        for line in data.split("\n"):
            fields = line.split("#", 1)[0].split()
            if len(fields) < 2:
                continue
            value = re.sub(r"^(key|name)=/?", "", fields[1])
            entries.append((fields[0], value))
        return cls(entries)

    def matches(self, line):
        """Whether one listing line is suppressed."""
        fields = line.split()
        what, key, name = (fields[0] if fields else ""), None, None
        if what in ("sysv-shm", "sysv-sem") and len(fields) > 1:
            key = fields[1][4:] if fields[1].startswith("key=") else fields[1]
        elif line.startswith("/dev/shm/"):
            name, what = line[len("/dev/shm/"):], "posix-shm"
            if name.startswith("sem."):
                what, name = "posix-sem", name[4:]
        for kind, value in self.entries:
            if kind != what:
                continue
            if key is not None and _num(key) == _num(value):
                return True
            if name is not None and _glob(value).match(name):
                return True
        return False

    def filter(self, lines):
        """(kept lines, how many were suppressed)."""
        kept = [line for line in lines if not self.matches(line)]
        return kept, len(lines) - len(kept)


# ---- the functional form isolate.py uses ---------------------------------------------------------

def load(path):
    """[(kind, value)] of a suppressions file ([] for no file)."""
    return Suppressions.load(path).entries


def suppressed(rules, obj):
    """Whether obj (kind, key-or-name) is named by rules. kind: sysv-shm, sysv-sem, posix-shm,
    posix-sem; a System V key as an int, a POSIX name without its '/' (nor "sem.")."""
    kind, ident = obj
    for k, v in rules:
        if k != kind:
            continue
        if kind.startswith("sysv-") and _num(v) == ident:
            return True
        if kind.startswith("posix-") and _glob(v).match(ident):
            return True
    return False


def _sysv(path, kind, extra, extra_col):
    rows = []
    try:
        with open(path, encoding="ascii", errors="replace") as f:
            next(f, None)
            for line in f:
                col = line.split()
                if len(col) <= extra_col:
                    continue
                key = int(col[0]) & 0xFFFFFFFF  # the kernel prints a key as a signed int
                rows.append(f"{kind} key=0x{key:08x} id={col[1]} {extra}={col[extra_col]}")
    except OSError:
        pass
    return rows


def left_in_namespace(shm_dir="/dev/shm"):
    """Every System V segment and set and every /dev/shm name, as listing lines (str; a name
    that is not UTF-8 keeps its bytes as surrogates)."""
    lines = _sysv("/proc/sysvipc/shm", "sysv-shm", "size", 3)
    lines += _sysv("/proc/sysvipc/sem", "sysv-sem", "nsems", 3)
    try:
        names = sorted(os.listdir(os.fsencode(shm_dir)))
    except OSError:
        names = []
    lines += ["/dev/shm/" + n.decode("utf-8", "surrogateescape") for n in names]
    return lines


def main(argv):
    try:
        supp = Suppressions.load(argv[1] if len(argv) > 1 else os.environ.get(
            "SHMFAULT_SUPPRESSIONS", ""))
    except BadSuppressions as e:
        print(f"suppress: {e}", file=sys.stderr)
        return 2
    data = sys.stdin.buffer.read().decode("utf-8", "surrogateescape")
    kept, n = supp.filter([line for line in data.split("\n") if line])
    out = "".join(line + "\n" for line in kept)
    if n:
        out += f"suppressed {n}\n"
    sys.stdout.buffer.write(out.encode("utf-8", "surrogateescape"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
