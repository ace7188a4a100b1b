#!/usr/bin/env bash
# fuzz.sh ENGINE SOURCE_DIR DEV_BUILD ENGINE_BUILD: a real short campaign per engine.
#  - a catalogue bug is found (libFuzzer: bug-unchecked-shmat, whose fault plan the fuzzer must
#    invent; AFL++: bug-ring-off-by-one with --fresh, its showing seed set aside), the finding
#    is saved under findings/, named by kind in summary.md, and repro reproduces it from the
#    out-dir layout alone; then minimize (libfuzzer) keeps its kind with fewer ops
#  - a campaign on a hardened target stopped by SIGTERM exits with the summary written and
#    leaves no engine process behind
#  - cmin keeps a non-empty subset of a corpus
set -uo pipefail
engine=$1 SFZ_SRC=$2
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
need_dir "$3/bin"
need_dir "$4/bin"
bug=unchecked-shmat kind=crash
[[ $engine == afl ]] && bug=ring-off-by-one kind=data
need_built "$4/bin/sfz-bug-$bug-$engine"
[[ $engine == afl ]] && need_tool afl-fuzz
export SHMFUZZ_BUILD_dev=$3 "SHMFUZZ_BUILD_$engine=$4"
jobs=1; [[ $engine == afl ]] && jobs=2

camp=$WORK/bug
run_sfz fuzz "bug-$bug" --engine "$engine" --jobs "$jobs" --time 60 --seed 2 --fresh --out "$camp"
expect_status 1 "$engine finds bug-$bug"
expect_in "$(cat "$camp/summary.md")" "^\\| $kind \\|" "summary.md names the finding's kind ($kind)"
expect_in "$err" "fuzz: [0-9]+/60 s +execs" "plain progress lines without a terminal"
if [[ $engine == afl ]]; then
  [[ -d $camp/seeds-with-findings ]] && pass "--fresh set aside the seed that shows the bug" ||
    fail "--fresh set nothing aside"
fi
[[ $engine == afl ]] && { [[ -d $camp/afl/main && -d $camp/afl/s1 ]] && pass "AFL++ ran -M main and -S s1" || fail "no main/s1"; }
finding=$(awk -F '\t' -v k="$kind" '$1 == k { print $2; exit }' "$camp/findings.tsv")
run_sfz repro "$finding"
expect_status 1 "repro of the saved finding (target from campaign.txt)"

if [[ $engine == libfuzzer ]]; then
  run_sfz minimize "$finding" --time 5 --out "$WORK/min"
  expect_status 0 "minimize"
  expect_in "$(cat "$WORK/min.txt")" "^# finding: $kind" "the minimized input keeps the kind"
  before=$(env -u SHMFUZZ_BUILD_dev -u SHMFUZZ_BUILD_libfuzzer "$3/bin/sfz-bug-$bug-replay" --decode "$finding" | grep -c '^p[0-9]')
  after=$(grep -c '^p[0-9]' "$WORK/min.txt")
  [[ $after -le $before ]] && pass "minimize: $before -> $after ops" || fail "minimize grew: $before -> $after"
  run_sfz repro "$WORK/min" --target "bug-$bug"
  expect_status 1 "the minimized binary still reproduces"
fi

# Stopped from outside: findings kept, summary written, nothing left running.
"$SFZ" fuzz shmipc-kv --engine "$engine" --time 120 --keep-going --out "$WORK/stop" >"$WORK/stop.log" 2>&1 </dev/null &
pid=$!
for _ in $(seq 1 60); do grep -q "execs" "$WORK/stop.log" 2>/dev/null && break; sleep 0.5; done
sleep 3
kill -TERM "$pid"
wait "$pid"; st=$?
[[ $st == 130 || $st == 1 ]] && pass "SIGTERM stops the campaign (exit $st)" || { fail "exit $st after SIGTERM"; tail "$WORK/stop.log"; }
[[ -f $WORK/stop/summary.md ]] && pass "summary.md written after SIGTERM" || fail "no summary after SIGTERM"
sleep 1
if pgrep -f "$WORK/stop" >/dev/null; then fail "engine processes left: $(pgrep -af "$WORK/stop")"; else pass "no engine process left"; fi

corpus=$WORK/stop/corpus; [[ $engine == afl ]] && corpus=$WORK/stop/afl/main/queue
run_sfz cmin shmipc-kv "$corpus" --engine "$engine" --out "$WORK/cmin"
expect_status 0 "cmin with $engine"
n=$(find "$WORK/cmin" -maxdepth 1 -type f | wc -l)
[[ $n -gt 0 ]] && pass "cmin kept $n input(s)" || fail "cmin kept nothing"
finish
