"""One input on a target's replay driver, and what its output says.

kind_from_output(): one word: ok, a finding kind, or "error" (unreadable input); a sanitizer
report with no verdict counts as crash / leak-heap. site_hash(): a stable short hash of a
finding site (kind, reason with numbers and addresses normalised, top sanitizer frames).
"""

import hashlib
import re

from . import isolate, proc

VALGRIND_OPTS = ["--leak-check=full"]  # + ci/valgrind.supp (valgrind_opts())

_VERDICT = re.compile(r"^verdict: (ok|FINDING [a-z-]+)", re.M)


def valgrind_opts():
    import os

    from . import config

    return VALGRIND_OPTS + [f"--suppressions={os.path.join(config.ROOT, 'ci', 'valgrind.supp')}"]


def kind_from_output(out):
    m = _VERDICT.search(out)
    if m and m.group(1) == "ok":
        return "leak-heap" if "ERROR: LeakSanitizer" in out else "ok"
    if m:
        return m.group(1)[len("FINDING "):]
    if "ERROR: LeakSanitizer" in out:
        return "leak-heap"
    if re.search(r"ERROR: (AddressSanitizer|UndefinedBehaviorSanitizer)|runtime error:", out):
        return "crash"
    return "error"


def reason_from_output(out):
    """The verdict's reason ("" when none)."""
    m = re.search(r"^verdict: FINDING [a-z-]*: (.*)$", out, re.M)
    return m.group(1) if m else ""


def sanitizer_reason(out):
    m = re.search(r"(ERROR: [A-Za-z]+Sanitizer: [^ \n]+|runtime error: .{0,80})", out)
    return m.group(1) if m else ""


def site_hash(kind, out):
    reason = re.sub(r"[0-9]+", "N", re.sub(r"0x[0-9a-fA-F]+", "ADDR", reason_from_output(out)))
    frames = re.findall(r"^ +#[0-9]+ 0x[0-9a-f]+ in ([^ \n]+)", out, re.M)[:3]
    key = f"{kind}|{reason}|{''.join(f + ' ' for f in frames)}"
    return hashlib.sha1(proc.raw(key)).hexdigest()[:10]


def run(replay, path, quiet=True, timeout=60, extra=(), cwd=None):
    """(status, output) of replaying path on replay, isolated (cwd: where it runs)."""
    argv = ["timeout", str(timeout), replay, *(["--quiet"] if quiet else []), *extra, path]
    return proc.capture(isolate.isolated(argv), cwd=cwd)


def kind(replay, path):
    """The finding kind path gives on replay (ok, error, or a kind)."""
    return kind_from_output(run(replay, path)[1])
