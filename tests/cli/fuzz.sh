#!/usr/bin/env bash
# fuzz.sh ENGINE SOURCE_DIR DEV_BUILD ENGINE_BUILD: a real short campaign per engine.
#  - a catalogue bug is found (libFuzzer: bug-unchecked-shmat, whose fault plan the fuzzer must
#    invent; AFL++: bug-ring-off-by-one with --fresh, its showing seed set aside), the finding
#    is saved under findings/, named by kind in summary.md, and repro reproduces it from the
#    out-dir layout alone; then minimize (libfuzzer) keeps its kind with fewer ops
#  - a campaign on a hardened target stopped by SIGTERM exits 130 (interrupted, no finding:
#    a finding on a hardened target is a false one and fails), writes the summary and leaves
#    no engine process behind. SIGTERM is sent once the engine has executed inputs (an event
#    in its own output, waited for with a bounded timeout), not after a fixed sleep.
#  - cmin keeps a non-empty subset of a corpus
set -uo pipefail
engine=$1 SFZ_SRC=$2
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
use_build dev "$3"
use_build "$engine" "$4"
bug=unchecked-shmat kind=crash
[[ $engine == afl ]] && bug=ring-off-by-one kind=data
need_built "$4/bin/sfz-bug-$bug-$engine"
[[ $engine == afl ]] && need_tool afl-fuzz
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
# engine_executing: the engine's own report that it runs inputs (libFuzzer: a "#N" status line
# after its initial corpus; AFL++: fuzzer_stats, written once calibration is done).
engine_executing() {
  if [[ $engine == libfuzzer ]]; then
    # and has saved inputs (fork mode copies a job's inputs into corpus/ when the job ends):
    # cmin below needs a corpus
    grep -qaE '^#[0-9]+(:|[[:space:]]+(INITED|NEW|REDUCE|pulse))' "$WORK/stop/logs/libfuzzer.log" 2>/dev/null &&
      compgen -G "$WORK/stop/corpus/*" >/dev/null
  else
    [[ -s $WORK/stop/afl/main/fuzzer_stats ]]
  fi
}
# live_left: processes (not zombies) still running from the campaign's directory
live_left() { ps -eo stat=,pid=,args= | awk -v d="$WORK/stop" '$1 !~ /^Z/ && index($0, d)' | grep -v awk; }
"$SFZ" fuzz shmipc-kv --engine "$engine" --time 120 --keep-going --out "$WORK/stop" >"$WORK/stop.log" 2>&1 </dev/null &
pid=$!
deadline=$((SECONDS + 90)) # generous: a loaded machine; the event normally comes in ~1 s
until engine_executing || [[ $SECONDS -ge $deadline ]] || ! kill -0 "$pid" 2>/dev/null; do
  sleep 0.1 # polling interval of the bounded wait, not a guess at when the event happens
done
engine_executing && pass "the engine executes inputs ($((SECONDS - deadline + 90)) s)" ||
  fail "the engine reported no executions within 90 s"
kill -TERM "$pid"
wait "$pid"; st=$?
# Checked at once, without a grace period: the command must not return before its engines.
left=$(live_left)
[[ $st == 130 ]] && pass "SIGTERM stops the hardened campaign without a finding (exit 130)" ||
  { fail "exit $st after SIGTERM on hardened shmipc-kv (want 130: 1 means a false finding)"; tail "$WORK/stop.log"; }
[[ ! -s $WORK/stop/findings.tsv ]] && pass "no finding on the hardened target" ||
  fail "findings on hardened shmipc-kv: $(cat "$WORK/stop/findings.tsv")"
[[ -f $WORK/stop/summary.md ]] && pass "summary.md written after SIGTERM" || fail "no summary after SIGTERM"
if [[ -n $left ]]; then fail "engine processes left: $left"; else pass "no engine process left"; fi

corpus=$WORK/stop/corpus; [[ $engine == afl ]] && corpus=$WORK/stop/afl/main/queue
run_sfz cmin shmipc-kv "$corpus" --engine "$engine" --out "$WORK/cmin"
expect_status 0 "cmin with $engine"
n=$(find "$WORK/cmin" -maxdepth 1 -type f | wc -l)
[[ $n -gt 0 ]] && pass "cmin kept $n input(s)" || fail "cmin kept nothing"
finish
