#!/usr/bin/env bash
# odd-names.sh SOURCE_DIR DEV_BUILD LEAKS_ON_ERROR ODD_NAME_LEAK: enumerate's reports on odd
# input. A program whose path holds a quote and a space: report.json's `shell` line, run by
# sh -c, and its `reproducer`, run from the source dir, reproduce the leak. A program that
# leaves a /dev/shm name that is not UTF-8: exit 1 (a finding, not a traceback), and
# report.json, report.md and junit.xml parse and carry the name with the documented escape
# (docs/cli.md "Reports"), which gives its bytes back.
set -uo pipefail
SFZ_SRC=$1
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
use_build dev "$2"
[[ -f $2/lib/libshmfault.so ]] || need_skip "$2/lib/libshmfault.so is not built"
need_pid_namespace
PY=/usr/bin/python3; [[ -x $PY ]] || PY=$(command -v python3)

# The documented inverse of the reports' escape: \\ is a backslash, \xNN the byte NN.
UNESCAPE='
import re
def invisible(s):
    return re.sub(rb"\\(\\|x[0-9a-f]{2})",
                  lambda m: b"\\" if m.group(1) == b"\\" else bytes([int(m.group(1)[1:], 16)]),
                  s.encode("utf-8"))
'

# --- a quote and a space in the program's path ---
odd="$WORK/it's a dir/leaks on error"
mkdir -p "${odd%/*}" && cp "$3" "$odd"
run_sfz enumerate --report "$WORK/quoted" -- "$odd"
expect_status 1 "enumerate of leaks-on-error under a path with ' and a space"
lines=$("$PY" - "$WORK/quoted/report.json" <<PY
import json, sys
$UNESCAPE
cells = json.load(open(sys.argv[1], encoding="utf-8"))["cells"]
leak = [c for c in cells if c["outcome"] == "leak" and c["function"] == "shmat"][0]
sys.stdout.buffer.write(invisible(leak["shell"]) + b"\n" + invisible(leak["reproducer"]) + b"\n")
PY
) || fail "report.json has no shmat leak cell with a shell line"
shell=$(sed -n 1p <<<"$lines") repro=$(sed -n 2p <<<"$lines")
expect_in "$shell" "leaks on error" "the shell line names the program"
sh -c "$shell" >"$WORK/sh.out" 2>"$WORK/sh.err"
rc=$?
[[ $rc == 1 ]] && grep -q 'shmfault: leak sysv-shm' "$WORK/sh.err" &&
  pass "the shell line, run by sh -c, reproduces the leak (exit 1, the ledger's leak line)" ||
  { fail "shell line: exit $rc: $(tail -n 3 "$WORK/sh.err")"; echo "  shell: $shell"; }
(cd "$SFZ_SRC" && sh -c "$repro" >"$WORK/re.out" 2>"$WORK/re.err" </dev/null)
rc=$?
[[ $rc == 1 ]] && grep -q '^== outcome: leak' "$WORK/re.out" &&
  pass "the reproducer, run by sh -c, gives the same cell (exit 1, leak)" ||
  { fail "reproducer: exit $rc: $(tail -n 3 "$WORK/re.err")"; echo "  reproducer: $repro"; }

# --- a /dev/shm name that is not UTF-8 ---
run_sfz enumerate --report "$WORK/bytes" -- "$4"
expect_status 1 "enumerate of a program that leaves a non-UTF-8 name: a finding"
[[ $err != *Traceback* ]] && pass "no traceback" || fail "a traceback: $(tail -n 3 <<<"$err")"
"$PY" - "$WORK/bytes" <<PY && pass "report.json, report.md and junit.xml parse and keep the name's bytes" || fail "reports of a non-UTF-8 name"
import json, sys, xml.etree.ElementTree as ET
$UNESCAPE
d = sys.argv[1]
shown = "sfz-odd-\\\\xff\\\\xfe"
rep = json.load(open(d + "/report.json", encoding="utf-8"))
whys = [c["why"] for c in rep["cells"] if c["outcome"] != "ok"]
assert any(shown in w for w in whys), f"report.json: {whys}"
assert any(b"/sfz-odd-\xff\xfe" in invisible(w) for w in whys), "the escape does not give the bytes back"
assert rep["counts"].get("leak", 0) >= 1, rep["counts"]
md = open(d + "/report.md", encoding="utf-8").read()
assert shown in md, "report.md"
root = ET.parse(d + "/junit.xml").getroot()
assert int(root.get("failures")) >= 1, "junit failures"
assert shown in ET.tostring(root, encoding="unicode"), "junit.xml"
PY
finish
