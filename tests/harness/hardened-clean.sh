#!/usr/bin/env bash
# hardened-clean.sh ENGINE BIN_DIR CORPUS_DIR SRC_DIR BUDGET SEEDS TARGET...: the hardened
# libshmipc targets give no finding under a fuzzing engine. For each TARGET and each engine
# seed in SEEDS (comma-separated), ENGINE (libfuzzer or afl) fuzzes sfz-TARGET-ENGINE from the
# build's encoded seeds with the pattern's dictionary (if any); anything the engine saves as a
# crash or hang (every harness finding aborts) fails the test, with its replayed verdict.
# BUDGET is N executions per campaign (libFuzzer -runs, AFL++ -E: the same work on a fast or a
# slow machine, so the verdict does not hang on wall-clock luck; a campaign still stops at a
# cap of CAP_SECONDS and says so) or Ns for N seconds (the long campaigns a person runs).
# A false finding here is one a user's `shmfuzz ci` would hit at random (issue 11, item 7:
# AFL++ found two on the hardened ring in 40 s). SHMFUZZ_CLEAN_BUDGET (SHMFUZZ_CLEAN_SECONDS=N
# is BUDGET Ns) and SHMFUZZ_CLEAN_SEEDS override BUDGET and SEEDS: ctest runs a short budget.
set -uo pipefail
usage() { echo "usage: hardened-clean.sh libfuzzer|afl BIN_DIR CORPUS_DIR SRC_DIR RUNS|SECONDSs SEEDS TARGET..." >&2; exit 2; }
[[ $# -ge 7 ]] || usage
budget=$5
[[ -n ${SHMFUZZ_CLEAN_SECONDS:-} ]] && budget=${SHMFUZZ_CLEAN_SECONDS}s
budget=${SHMFUZZ_CLEAN_BUDGET:-$budget}
engine=$1 bin=$2 corpora=$3 src=$4 seeds=${SHMFUZZ_CLEAN_SEEDS:-$6}
shift 6
[[ $engine == libfuzzer || $engine == afl ]] || usage
[[ $budget =~ ^[1-9][0-9]*s?$ && $seeds =~ ^[0-9]+(,[0-9]+)*$ ]] || usage
# a run budget's cap: far above what the runs take here (~25 s), only against a stuck campaign
CAP_SECONDS=150
if [[ $budget == *s ]]; then
  secs=${budget%s} runs=0
else
  secs=$CAP_SECONDS runs=$budget
fi
abs() { (cd "$1" 2>/dev/null && pwd) || echo "$1"; }
bin=$(abs "$bin") corpora=$(abs "$corpora") src=$(abs "$src")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0

# short_of N: a run budget the cap cut short is said, not hidden (the campaign did less work)
short_of() {
  ((runs > 0 && $1 < runs * 9 / 10)) && echo " (stopped at the ${CAP_SECONDS} s cap, short of $runs)"
  return 0
}

need() { [[ -x $1 ]] || { echo "skipped: $1 is not built"; exit 77; }; }

# judge TARGET FILE: the replayed verdict of a saved input and its text form (the reproducer
# to save under corpus/regressions/ once the false finding is fixed).
judge() {
  echo "  $2: $("$bin/sfz-$1-replay" --quiet "$2" 2>&1 | grep -m1 '^verdict:')"
  "$bin/sfz-$1-replay" --decode "$2" 2>&1 | sed 's/^/    /'
}

run_libfuzzer() {
  local t=$1 seed=$2 d=$work/$1-$2 pattern=${1#shmipc-}
  mkdir -p "$d/corpus" "$d/art"
  cp "$corpora/$t"/* "$d/corpus/"
  local dict=()
  [[ -f $src/corpus/shmipc-$pattern.dict ]] && dict=(-dict="$src/corpus/shmipc-$pattern.dict")
  (cd "$d" && "$bin/sfz-$t-libfuzzer" -seed="$seed" -runs="$((runs > 0 ? runs : -1))" \
     -max_total_time="$secs" -timeout=10 -print_final_stats=1 "${dict[@]}" \
     -artifact_prefix="$d/art/" "$d/corpus" >"$d/log" 2>&1)
  local rc=$? saved units
  saved=$(find "$d/art" -type f | head -n 5)
  if [[ $rc -ne 0 || -n $saved ]]; then
    echo "FAIL: $t, libFuzzer seed $seed: exit $rc after $(grep -m1 -oE 'shmfuzz: FINDING.{0,200}|ERROR: .{0,120}' "$d/log")"
    for f in $saved; do judge "$t" "$f"; done
    return 1
  fi
  units=$(grep -m1 -oE 'stat::number_of_executed_units: *[0-9]+' "$d/log" | grep -oE '[0-9]+$')
  echo "ok: $t, libFuzzer seed $seed: ${units:-?} executions$(short_of "${units:-0}"), no finding"
}

run_afl() {
  local t=$1 seed=$2 d=$work/$1-$2 pattern=${1#shmipc-} mutator
  mutator=$bin/sfz-$t-afl-mutator.so
  local dict=()
  [[ -f $src/corpus/shmipc-$pattern.dict ]] && dict=(-x "$src/corpus/shmipc-$pattern.dict")
  command -v afl-fuzz >/dev/null || { echo "skipped: afl-fuzz is not installed"; exit 77; }
  mkdir -p "$d"
  local limit=(-V "$secs")
  ((runs > 0)) && limit+=(-E "$runs")
  # -t above the harness's op timeout (1 s): hangs are judged by the harness (an abort).
  (
    [[ -f $mutator ]] && export AFL_CUSTOM_MUTATOR_LIBRARY=$mutator
    SHMFUZZ_FINDINGS_LOG=$d/findings.log \
      AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1 \
      exec afl-fuzz "${limit[@]}" -s "$seed" -t 5000 "${dict[@]}" \
      -i "$corpora/$t" -o "$d/out" -- "$bin/sfz-$t-afl" >"$d/log" 2>&1
  )
  local rc=$? saved execs
  saved=$(find "$d/out" \( -path '*/crashes/id:*' -o -path '*/hangs/id:*' \) -type f | head -n 5)
  execs=$(sed -n 's/^execs_done *: *//p' "$d"/out/*/fuzzer_stats 2>/dev/null | head -n 1)
  if [[ -n $saved ]] || grep -q "results in a crash" "$d/log"; then
    echo "FAIL: $t, AFL++ seed $seed: saved findings"
    for f in $saved; do judge "$t" "$f"; done
    # what the harness judged in the fuzzed process (afl-fuzz discards its stderr): the reason
    # even when the replay alone does not give the same verdict
    [[ -s $d/findings.log ]] && sed -n '1,5s/^/  judged: /p' "$d/findings.log"
    grep -m3 "results in a crash" "$d/log"
    return 1
  fi
  if [[ $rc -ne 0 || -z $execs ]]; then
    echo "FAIL: $t, AFL++ seed $seed did not run (exit $rc)"; tail -n 15 "$d/log"
    return 1
  fi
  echo "ok: $t, AFL++ seed $seed: $execs executions$(short_of "$execs"), no finding"
}

for t in "$@"; do
  need "$bin/sfz-$t-$engine"
  need "$bin/sfz-$t-replay"
  [[ -d $corpora/$t ]] || { echo "skipped: no encoded seeds in $corpora/$t"; exit 77; }
  for seed in ${seeds//,/ }; do
    if [[ $engine == afl ]]; then run_afl "$t" "$seed" || fail=1
    else run_libfuzzer "$t" "$seed" || fail=1; fi
  done
done
exit $fail
