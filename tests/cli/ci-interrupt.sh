#!/usr/bin/env bash
# ci-interrupt.sh SOURCE_DIR DEV_BUILD: Ctrl-C (SIGINT to its process group, as a terminal
# sends it) while `shmfuzz ci` fuzzes: ci passes it on to the campaign, which stops its engine
# and writes its summary; ci records the check and writes summary.md and junit.xml, exit 130;
# no engine is left running. AFL++ is a stand-in afl-fuzz on PATH that says when it runs
# (through a FIFO: the interrupt comes mid-campaign, never before) and then waits to be stopped.
set -uo pipefail
SFZ_SRC=$1
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
# the stand-in: a complete plot_data, "running PID" on the FIFO, then it waits to be stopped
stand_in_afl "$2" <<'SH'
echo "1, 0, 0, 3, 3, 3, 1.20%, 0, 0, 1, 250.00, 250, 40" >"$out/$name/plot_data"
echo "running $$" >"$CLI_READY_FIFO"
exec sleep 600
SH
mkfifo "$WORK/ready"
export CLI_READY_FIFO=$WORK/ready

set -m # the job gets its own process group with SIGINT as it is (not ignored), like a terminal's
"$SFZ" ci --engines afl --targets shmipc-kv --skip regressions,valgrind,enumerate \
  --time-per-target 300 --out "$WORK/ci" >"$WORK/stdout" 2>"$WORK/stderr" </dev/null &
ci=$!
set +m
read -r word engine <"$WORK/ready"
[[ $word == running ]] || fail "the stand-in engine did not start"
kill -INT -- "-$ci"
wait "$ci"
status=$?
err=$(cat "$WORK/stderr")
[[ $status == 130 ]] && pass "ci interrupted: exit 130" || { fail "ci exit $status, want 130"; tail -n 20 <<<"$err"; }
kill -0 "$engine" 2>/dev/null && { fail "the engine (pid $engine) is still running"; kill "$engine"; } ||
  pass "the engine was stopped"
[[ -f $WORK/ci/fuzz/afl-shmipc-kv/summary.md ]] && pass "the campaign wrote its summary" ||
  fail "no campaign summary: $(tail -n 5 "$WORK/ci/fuzz/afl-shmipc-kv.log" 2>/dev/null)"
expect_in "$(cat "$WORK/ci/summary.md" 2>/dev/null)" "^\| fuzz\.afl\.shmipc-kv \| skip \| interrupted" \
  "summary.md records the interrupted campaign"
python3 - "$WORK/ci/junit.xml" <<'PY' && pass "junit.xml parses and has the campaign's case" || fail "junit.xml"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
case = [c for c in root.iter("testcase") if c.get("classname") == "shmfuzz.fuzz.afl"]
assert case and case[0].find("skipped") is not None, "fuzz.afl case"
PY
finish
