#!/usr/bin/env bash
# bug-check.sh MODE ID FINDING PATTERN SOURCE_DIR BIN_DIR [CORPUS_DIR]
# One catalogue entry, checked one way:
#   replay    its reproducer corpus/regressions/shmipc-PATTERN/ID.txt gives FINDING on
#             bug-ID and "verdict: ok" on the hardened shmipc-PATTERN (leak-heap: Valgrind's
#             "definitely lost" on the bug target only)
#   libfuzzer sfz-bug-ID-libfuzzer from the seeds in CORPUS_DIR, fixed seed, bounded time,
#             must stop on FINDING (crash: also a sanitizer's deadly signal; leak-heap:
#             LeakSanitizer)
#   afl       afl-fuzz on sfz-bug-ID-afl from CORPUS_DIR, bounded time, must save a crash
#             whose replay gives FINDING
# Exit 0 found as expected, 1 not, 2 usage, 77 skipped (tool or binary missing).
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
budget=${SHMFUZZ_BUG_BUDGET:-30} # seconds of fuzzing before "not found"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

need() { [[ -x "$1" ]] || { echo "skipped: $1 is not built"; exit 77; }; }

check_replay() {
  need "$bin/sfz-bug-$id-replay"
  need "$bin/sfz-shmipc-$pattern-replay"
  local out status
  if [[ $finding == leak-heap ]]; then
    command -v valgrind >/dev/null || { echo "skipped: valgrind is not installed"; exit 77; }
    out=$(valgrind --leak-check=full "$bin/sfz-bug-$id-replay" "$repro" 2>&1)
    grep -qE "definitely lost: [1-9]" <<<"$out" || { echo "FAIL: no heap leak on bug-$id"; echo "$out"; return 1; }
    out=$(valgrind --leak-check=full "$bin/sfz-shmipc-$pattern-replay" "$repro" 2>&1)
    grep -qE "definitely lost: [1-9]" <<<"$out" && { echo "FAIL: heap leak on shmipc-$pattern"; echo "$out"; return 1; }
    echo "bug-$id: Valgrind reports the leaked handle; shmipc-$pattern leaks nothing"
    return 0
  fi
  out=$("$bin/sfz-bug-$id-replay" "$repro" 2>&1); status=$?
  if [[ $status -ne 1 ]] || ! grep -q "^verdict: FINDING $finding:" <<<"$out"; then
    echo "FAIL: bug-$id replay (exit $status) did not give FINDING $finding"; echo "$out"; return 1
  fi
  grep "^verdict:" <<<"$out"
  out=$("$bin/sfz-shmipc-$pattern-replay" "$repro" 2>&1); status=$?
  if [[ $status -ne 0 ]] || ! grep -q "^verdict: ok" <<<"$out"; then
    echo "FAIL: hardened shmipc-$pattern replay (exit $status) is not ok"; echo "$out"; return 1
  fi
  echo "shmipc-$pattern: verdict: ok"
}

# What the engine's log must contain for FINDING.
finding_pattern() {
  case $finding in
    crash) echo "shmfuzz: FINDING crash|ERROR: AddressSanitizer: (SEGV|BUS)|deadly signal" ;;
    leak-heap) echo "shmfuzz: FINDING leak-heap|ERROR: LeakSanitizer" ;;
    *) echo "shmfuzz: FINDING $finding" ;;
  esac
}

check_libfuzzer() {
  local fuzzer=$bin/sfz-bug-$id-libfuzzer
  need "$fuzzer"
  [[ -d "$corpus" ]] || { echo "skipped: no seed corpus $corpus"; exit 77; }
  mkdir -p "$work/corpus" && cp "$corpus"/* "$work/corpus/"
  local start=$SECONDS
  (cd "$work" && "$fuzzer" -seed=1 -max_total_time="$budget" -timeout=10 -dict="$dict" \
     -artifact_prefix="$work/" "$work/corpus" >"$work/log" 2>&1)
  local pat; pat=$(finding_pattern)
  if grep -qE "$pat" "$work/log"; then
    echo "bug-$id: found by libFuzzer in $((SECONDS - start)) s: $(grep -m1 -oE "$pat.*" "$work/log" | cut -c1-160)"
    grep -E "^#[0-9]+" "$work/log" | tail -n 1
    return 0
  fi
  echo "FAIL: libFuzzer did not find $finding in bug-$id within ${budget} s"; tail -n 30 "$work/log"
  return 1
}

check_afl() {
  local fuzzer=$bin/sfz-bug-$id-afl
  need "$fuzzer"
  command -v afl-fuzz >/dev/null || { echo "skipped: afl-fuzz is not installed"; exit 77; }
  [[ -d "$corpus" ]] || { echo "skipped: no seed corpus $corpus"; exit 77; }
  local start=$SECONDS mutator=$bin/sfz-bug-$id-afl-mutator.so
  [[ -f $mutator ]] && export AFL_CUSTOM_MUTATOR_LIBRARY=$mutator # program-level mutations
  AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_BENCH_UNTIL_CRASH=1 \
    AFL_NO_AFFINITY=1 timeout $((budget + 30)) \
    afl-fuzz -V "$budget" -s 1 -x "$dict" -i "$corpus" -o "$work/out" -- "$fuzzer" >"$work/log" 2>&1
  local saved seed
  saved=$(find "$work/out" -path '*/crashes/id:*' -type f 2>/dev/null | head -n 1)
  # Bugs on the common path (every create, every close) crash a seed already: AFL++ reports it
  # in its dry run ("results in a crash") and, when every seed crashes, stops there.
  seed=$(grep -m1 -oE "orig:[^']+' results in a crash" "$work/log" | sed -E "s/^orig:([^']+)'.*/\1/")
  if [[ -z "$saved" && -n "$seed" && -f "$corpus/$seed" ]]; then
    saved=$corpus/$seed
  fi
  if [[ -z "$saved" ]]; then
    echo "FAIL: AFL++ saved no crash for bug-$id within ${budget} s"; tail -n 20 "$work/log"; return 1
  fi
  # The AFL build of the replay driver judges what AFL saved.
  local verdict
  verdict=$("$bin/sfz-bug-$id-replay" "$saved" 2>&1 | grep -m1 "^verdict:")
  if [[ $finding != leak-heap && "$verdict" != "verdict: FINDING $finding:"* ]]; then
    echo "FAIL: AFL++ saved $saved but its replay says: $verdict"; return 1
  fi
  echo "bug-$id: found by AFL++ in $((SECONDS - start)) s: $verdict"
}

case $mode in
  replay) check_replay ;;
  libfuzzer) check_libfuzzer ;;
  afl) check_afl ;;
  *) usage ;;
esac
