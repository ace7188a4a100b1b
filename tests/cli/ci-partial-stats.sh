#!/usr/bin/env bash
# ci-partial-stats.sh SOURCE_DIR DEV_BUILD: `shmfuzz ci` while AFL++ is appending to its
# plot_data: the last line is cut short (fewer than its 13 columns). The campaign reads the
# last complete line, the check passes and ci writes its summary and JUnit file (exit 0).
# AFL++ is a stand-in afl-fuzz on PATH that writes such a plot_data and ends at once, so the
# cut line is read every time; the replays are the dev build's.
set -uo pipefail
SFZ_SRC=$1
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
# the stand-in: a plot_data whose last line is incomplete, and it ends
stand_in_afl "$2" <<'SH'
{
  echo "# relative_time, cycles_done, cur_item, corpus_count, pending_total, pending_favs, map_size, saved_crashes, saved_hangs, max_depth, execs_per_sec, total_execs, edges_found"
  echo "1, 0, 0, 3, 3, 3, 1.20%, 0, 0, 1, 250.00, 250, 40"
  printf '2, 0, 1, 3'
} >"$out/$name/plot_data"
SH

run_sfz ci --engines afl --targets shmipc-kv --skip regressions,valgrind,enumerate \
  --time-per-target 2 --out "$WORK/ci"
expect_status 0 "ci with a cut plot_data line"
[[ $err != *"unbound variable"* && $(cat "$WORK/ci/fuzz/afl-shmipc-kv.log" 2>/dev/null) != *"unbound variable"* ]] &&
  pass "no shell error on the cut line" || fail "a shell error: $(grep -h 'unbound' "$WORK/ci/fuzz/afl-shmipc-kv.log")"
expect_in "$(cat "$WORK/ci/summary.md" 2>/dev/null)" "^\| fuzz\.afl\.shmipc-kv \| pass \| no finding" \
  "summary.md: the campaign passed"
expect_in "$(cat "$WORK/ci/fuzz/afl-shmipc-kv/summary.md" 2>/dev/null)" "executions: 250 " \
  "the campaign's figures are the last complete line's"
"${PY:-python3}" - "$WORK/ci/junit.xml" <<'PY' && pass "junit.xml parses, the fuzz case passed" || fail "junit.xml"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
case = [c for c in root.iter("testcase") if c.get("classname") == "shmfuzz.fuzz.afl"]
assert case and case[0].find("failure") is None, "fuzz.afl case"
assert root.get("failures") == "0"
PY
finish
