#!/usr/bin/env bash
# bug-check.sh MODE ID FINDING PATTERN SOURCE_DIR BIN_DIR [CORPUS_DIR]
# One catalogue entry, checked one way:
#   replay    its reproducer corpus/regressions/shmipc-PATTERN/ID.txt gives FINDING on
#             bug-ID and "verdict: ok" on the hardened shmipc-PATTERN (leak-heap: Valgrind's
#             "definitely lost" on the bug target only)
#   libfuzzer sfz-bug-ID-libfuzzer from the seeds in CORPUS_DIR, fixed seed, bounded time,
#             must stop on FINDING: the harness's "shmfuzz: FINDING <kind>" line (leak-heap:
#             LeakSanitizer's report), libFuzzer's crash exit status and a saved artifact.
#             Another kind, or a bare sanitizer report, is not this bug.
#   afl       afl-fuzz on sfz-bug-ID-afl from CORPUS_DIR, bounded time, must save a crash
#             whose replay gives FINDING. leak-heap: not applicable (AFL++ has no heap-leak
#             oracle; libFuzzer's LeakSanitizer and Valgrind check it): exit 0 with a
#             "not applicable" line, and ctest does not register that test at all.
# Exit 0 found as expected, 1 not, 2 usage, 77 skipped (tool or binary missing; under CI=true
# a missing tool or binary fails instead, see tests/lib/need.sh).
set -uo pipefail
usage() { echo "usage: bug-check.sh replay|libfuzzer|afl ID FINDING PATTERN SOURCE_DIR BIN_DIR [CORPUS_DIR]" >&2; exit 2; }
[[ $# -ge 6 ]] || usage
mode=$1 id=$2 finding=$3 pattern=$4 src=$5 bin=$6 corpus=${7:-}
# Absolute paths: the engines run in a scratch directory.
[[ -d "$bin" ]] && bin=$(cd "$bin" && pwd)
[[ -d "$src" ]] && src=$(cd "$src" && pwd)
[[ -n "$corpus" && -d "$corpus" ]] && corpus=$(cd "$corpus" && pwd)
repro=$src/corpus/regressions/shmipc-$pattern/$id.txt
dict=$src/corpus/shmipc-$pattern.dict # whole encoded steps of the pattern's adapter
budget=${SHMFUZZ_BUG_BUDGET:-90} # seconds of fuzzing before "not found"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck source=tests/lib/need.sh
. "$(dirname "$0")/../lib/need.sh"
need() { need_built "$1"; }
# The exit statuses of a libFuzzer run that stopped on a finding: 77 is libFuzzer's own
# (-error_exitcode: deadly signal, the harness's abort, LeakSanitizer), 1 the sanitizer's when
# it reports an invalid access itself. 0 is "ran out of time, found nothing".
LIBFUZZER_CRASH_STATUS="77 1"

check_replay() {
  need "$bin/sfz-bug-$id-replay"
  need "$bin/sfz-shmipc-$pattern-replay"
  local out status
  if [[ $finding == leak-heap ]]; then
    need_tool valgrind
    out=$(valgrind --leak-check=full "$bin/sfz-bug-$id-replay" "$repro" 2>&1)
    grep -qE "definitely lost: [1-9]" <<<"$out" || { echo "FAIL: no heap leak on bug-$id"; echo "$out"; return 1; }
    out=$(valgrind --leak-check=full "$bin/sfz-shmipc-$pattern-replay" "$repro" 2>&1)
    grep -qE "definitely lost: [1-9]" <<<"$out" && { echo "FAIL: heap leak on shmipc-$pattern"; echo "$out"; return 1; }
    echo "bug-$id: Valgrind reports the leaked handle; shmipc-$pattern leaks nothing"
    return 0
  fi
  local file
  # the entry's reproducer, and every other saved input whose header names this bug target
  for file in "$repro" $(grep -lx "# target: bug-$id" "$(dirname "$repro")"/*.txt | grep -vxF "$repro"); do
    replay_pair "$file" || return 1
  done
}

# replay_pair FILE: FILE's "# finding:" (the entry's by default) on bug-<id>, ok on the twin.
replay_pair() {
  local want out status
  want=$(sed -n 's/^# finding: *\([a-z-]*\).*/\1/p' "$1" | head -n 1)
  want=${want:-$finding}
  out=$("$bin/sfz-bug-$id-replay" "$1" 2>&1); status=$?
  if [[ $status -ne 1 ]] || ! grep -q "^verdict: FINDING $want:" <<<"$out"; then
    echo "FAIL: bug-$id replay of $(basename "$1") (exit $status) did not give FINDING $want"
    echo "$out"; return 1
  fi
  grep "^verdict:" <<<"$out"
  out=$("$bin/sfz-shmipc-$pattern-replay" "$1" 2>&1); status=$?
  if [[ $status -ne 0 ]] || ! grep -q "^verdict: ok" <<<"$out"; then
    echo "FAIL: hardened shmipc-$pattern replay of $(basename "$1") (exit $status) is not ok"
    echo "$out"; return 1
  fi
  echo "shmipc-$pattern: verdict: ok ($(basename "$1"))"
}

# What the engine's log must contain for FINDING: the harness's own line for the kind (not
# "deadly signal": every finding aborts; not any sanitizer report: that can be another bug).
finding_pattern() {
  case $finding in
    leak-heap) echo "shmfuzz: FINDING leak-heap|ERROR: LeakSanitizer: detected memory leaks" ;;
    *) echo "shmfuzz: FINDING $finding:" ;;
  esac
}

# libfuzzer_artifact: the input libFuzzer saved for its finding (crash-* or leak-*), if any.
libfuzzer_artifact() { find "$work" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' \) | head -n 1; }

# libfuzzer_is_the_bug LOG RC: the run stopped on this bug. Its log has the kind's line (crash:
# or a sanitizer's error report, when the planted access faults inside the fuzzer's own
# process), libFuzzer exited with its crash status, and the saved input is this bug's: the
# hardened twin runs it clean. Prints why not.
libfuzzer_is_the_bug() {
  local log=$1 rc=$2 pat art out
  pat=$(finding_pattern)
  [[ $finding == crash ]] && pat="$pat|ERROR: AddressSanitizer: |runtime error: "
  grep -qE "$pat" "$log" || { echo "another finding"; return 1; }
  [[ " $LIBFUZZER_CRASH_STATUS " == *" $rc "* ]] ||
    { echo "exit $rc, not a crash status of libFuzzer ($LIBFUZZER_CRASH_STATUS)"; return 1; }
  art=$(libfuzzer_artifact)
  [[ -n $art ]] || { echo "no crash-/leak- artifact saved"; return 1; }
  out=$("$bin/sfz-shmipc-$pattern-replay" "$art" 2>&1) ||
    { echo "the saved input also fails the hardened shmipc-$pattern: $(grep -m1 -E '^verdict|ERROR' <<<"$out")"; return 1; }
}

check_libfuzzer() {
  local fuzzer=$bin/sfz-bug-$id-libfuzzer
  need "$fuzzer"
  need "$bin/sfz-shmipc-$pattern-replay"
  [[ -d "$corpus" ]] || need_skip "no seed corpus $corpus"
  mkdir -p "$work/corpus" && cp "$corpus"/* "$work/corpus/"
  local start=$SECONDS seed left rc why
  # libFuzzer stops at its first finding; planted code may show another kind first, so a
  # run that ends on something else is followed by one with the next engine seed. One seed
  # gets at most a third of the budget: a run that wandered off is not the whole test's chance.
  for ((seed = 1; ; seed++)); do
    left=$((budget - (SECONDS - start)))
    [[ $left -gt 0 ]] || break
    ((left > budget / 3)) && left=$((budget / 3))
    rm -f "$work"/crash-* "$work"/leak-*
    (cd "$work" && "$fuzzer" -seed="$seed" -max_total_time="$left" -timeout=10 -dict="$dict" \
       -artifact_prefix="$work/" "$work/corpus" >"$work/log" 2>&1)
    rc=$?
    if why=$(libfuzzer_is_the_bug "$work/log" "$rc"); then
      echo "bug-$id: found by libFuzzer in $((SECONDS - start)) s (engine seed $seed, exit $rc): $(grep -m1 -E "shmfuzz: FINDING|ERROR: " "$work/log" | cut -c1-160)"
      echo "the saved input $(basename "$(libfuzzer_artifact)") is clean on the hardened shmipc-$pattern"
      grep -E "^#[0-9]+" "$work/log" | tail -n 1
      return 0
    fi
    ((seed <= 5)) && echo "(seed $seed: not this bug: $why; $(grep -m1 -E "shmfuzz: FINDING|ERROR: " "$work/log" | cut -c1-120))"
  done
  echo "FAIL: libFuzzer did not find $finding in bug-$id within ${budget} s"; tail -n 30 "$work/log"
  return 1
}

# The catalogue's kind on the bug target? Prints the verdict line either way.
afl_judge() {
  local verdict
  verdict=$("$bin/sfz-bug-$id-replay" "$1" 2>&1 | grep -m1 "^verdict:")
  echo "$verdict"
  [[ "$verdict" == "verdict: FINDING $finding:"* ]]
}

check_afl() {
  local fuzzer=$bin/sfz-bug-$id-afl
  if [[ $finding == leak-heap ]]; then
    echo "not applicable: AFL++ has no heap-leak oracle here (libFuzzer's LeakSanitizer and Valgrind check bug-$id)"
    exit 0
  fi
  need "$fuzzer"
  need_tool afl-fuzz
  [[ -d "$corpus" ]] || need_skip "no seed corpus $corpus"
  local start=$SECONDS mutator=$bin/sfz-bug-$id-afl-mutator.so pid saved verdict seed
  [[ -f $mutator ]] && export AFL_CUSTOM_MUTATOR_LIBRARY=$mutator # program-level mutations
  # -t above the harness's op timeout (1 s): a hang must be judged by the harness (a finding
  # AFL++ saves as a crash), not cut short by AFL++'s own timeout.
  # Runs until the budget; every crash it saves is judged as it appears, because planted code
  # may show another kind first (rmid-early also swallows an injected shmctl failure).
  AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1 \
    afl-fuzz -V "$budget" -s 1 -t 5000 -x "$dict" -i "$corpus" -o "$work/out" -- "$fuzzer" \
    >"$work/log" 2>&1 &
  pid=$!
  local -A judged=()
  while :; do
    local running=0
    kill -0 "$pid" 2>/dev/null && running=1
    # Bugs on the common path (every create, every close) crash a seed already: AFL++ reports
    # it in its dry run ("results in a crash") and, when every seed crashes, stops there.
    seed=$(grep -m1 -oE "orig:[^']+' results in a crash" "$work/log" | sed -E "s/^orig:([^']+)'.*/\1/")
    for saved in $(find "$work/out" -path '*/crashes/id:*' -type f 2>/dev/null)                  ${seed:+"$corpus/$seed"}; do
      [[ -f $saved && -z ${judged[$saved]:-} ]] || continue
      judged[$saved]=1
      if verdict=$(afl_judge "$saved"); then
        kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
        echo "bug-$id: found by AFL++ in $((SECONDS - start)) s: $verdict"
        return 0
      fi
      echo "(AFL++ saved another finding first: $verdict)"
    done
    [[ $running -eq 1 && $((SECONDS - start)) -le $((budget + 30)) ]] || break
    sleep 1
  done
  kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  echo "FAIL: AFL++ saved no $finding finding for bug-$id within ${budget} s"; tail -n 20 "$work/log"
  return 1
}

case $mode in
  replay) check_replay ;;
  libfuzzer) check_libfuzzer ;;
  afl) check_afl ;;
  *) usage ;;
esac
