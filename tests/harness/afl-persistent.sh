#!/usr/bin/env bash
# afl-persistent.sh AFL_BIN_DIR REPLAY SEED_DIR [SECONDS]: a short real AFL++ run of the raw
# target's persistent driver. Checks that afl-fuzz recognised persistent mode and shared-memory
# test cases, executed inputs, and saved no crash (the raw op set on a correct kernel must not
# produce findings). Exit 77 when afl-fuzz or the afl preset build is missing.
set -uo pipefail
target=$1/sfz-raw-afl replay=$2 seeds=$3 secs=${4:-10}
# shellcheck source=tests/lib/need.sh
. "$(dirname "$0")/../lib/need.sh"
need_tool afl-fuzz
need_built "$target"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/in"
for s in "$seeds"/*.txt; do
  "$replay" --encode -o "$work/in/$(basename "$s" .txt).bin" "$s" || exit 1
done
AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=${AFL_NO_AFFINITY:-} \
  timeout $((secs + 60)) afl-fuzz -V "$secs" -i "$work/in" -o "$work/out" -- "$target" \
  >"$work/log" 2>&1
rc=$?
stats=$work/out/default/fuzzer_stats
if [[ $rc -ne 0 || ! -f $stats ]]; then
  tail -n 30 "$work/log"
  echo "FAIL: afl-fuzz exited $rc"
  exit 1
fi
grep -E '^(execs_done|execs_per_sec|corpus_count|saved_crashes|saved_hangs) ' "$stats"
fail=0
grep -q 'Persistent mode binary detected' "$work/log" || { echo "FAIL: not in persistent mode"; fail=1; }
grep -q 'Shared memory testcase delivery' "$work/log" || grep -qi 'shared memory fuzzing' "$work/log" ||
  { echo "FAIL: test cases not delivered through shared memory"; fail=1; }
execs=$(awk '/^execs_done/ {print $3}' "$stats")
crashes=$(awk '/^saved_crashes/ {print $3}' "$stats")
[[ ${execs:-0} -gt 100 ]] || { echo "FAIL: only ${execs:-0} executions"; fail=1; }
if [[ ${crashes:-0} -ne 0 ]]; then
  echo "FAIL: $crashes false findings on the raw target:"
  for c in "$work"/out/default/crashes/id*; do "$replay" --quiet "$c"; done
  fail=1
fi
[[ $fail -eq 0 ]] && echo "ok: AFL++ persistent driver ran"
exit $fail
