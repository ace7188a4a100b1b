"""Objects kept by design (SHMFAULT_SUPPRESSIONS format, docs/faults.md "Suppressions").

One object a line, '#' comments: "sysv-shm key=0x1234", "sysv-sem key=...", "posix-shm
name=/NAME-GLOB", "posix-sem name=GLOB" (fnmatch(3) globs of '*' and '?'). The library's
ledger and shmfault-enum apply the same file to their own listings; this applies it to a
listing of what is left in a namespace (isolate.py).
"""

import fnmatch
import re


def load(path):
    """[(kind, value)] of a suppressions file ([] for no file)."""
    rules = []
    if not path:
        return rules
    with open(path, "rb") as f:
        for line in f.read().decode("utf-8", "surrogateescape").splitlines():
            words = line.split("#", 1)[0].split()
            if len(words) < 2:
                continue
            value = re.sub(r"^(key|name)=/?", "", words[1])
            rules.append((words[0], value))
    return rules


def _num(s):
    s = s.lower()
    if s.startswith("0x"):
        digits = re.match(r"[0-9a-f]*", s[2:]).group(0)
        return int(digits, 16) if digits else 0
    m = re.match(r"-?[0-9]+", s)
    return int(m.group(0)) if m else 0


def _glob(pattern, name):
    # fnmatch's '[' sets are not in the format: escape them; '*' and '?' as fnmatch(3)
    return fnmatch.fnmatchcase(name, pattern.replace("[", "[[]"))


def suppressed(rules, obj):
    """True when obj (kind, key-or-name) is named by rules. kind: sysv-shm, sysv-sem,
    posix-shm, posix-sem; a System V key as an int, a POSIX name without '/'."""
    kind, ident = obj
    for k, v in rules:
        if k != kind:
            continue
        if kind.startswith("sysv-") and _num(v) == ident:
            return True
        if kind.startswith("posix-") and _glob(v, ident):
            return True
    return False
