#!/usr/bin/env bash
# find-with-afl.sh BIN_DIR TARGET SEED_DIR SECONDS KIND: AFL++ (persistent driver
# sfz-TARGET-afl, with the program-level custom mutator when built) from the text seeds,
# encoded by the same build's replay driver, must save an input within SECONDS (fixed seed)
# whose replay gives "FINDING KIND". Exit 77 when the afl preset or afl-fuzz is missing or
# namespaces are unavailable.
set -uo pipefail
bin=$1 target=$2 seeds=$3 secs=$4 kind=$5
# shellcheck source=tests/lib/need.sh
. "$(dirname "$0")/../lib/need.sh"
need_built "$bin/sfz-$target-afl" "$bin/sfz-$target-replay"
need_tool afl-fuzz
need_namespaces
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/in"
for s in "$seeds"/*.txt; do
  "$bin/sfz-$target-replay" --encode -o "$work/in/$(basename "$s" .txt)" "$s" >/dev/null || exit 2
done
mutator=$bin/sfz-$target-afl-mutator.so
start=$SECONDS
(
  [[ -f $mutator ]] && export AFL_CUSTOM_MUTATOR_LIBRARY=$mutator
  # -t above the harness's op timeout: hangs are the harness's to judge
  AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_BENCH_UNTIL_CRASH=1 \
    AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
    exec unshare -im afl-fuzz -V "$secs" -s 1 -t 5000 -i "$work/in" -o "$work/out" -- \
    "$bin/sfz-$target-afl" >"$work/log" 2>&1
)
for f in "$work"/out/default/crashes/id:*; do
  [[ -f $f ]] || continue
  verdict=$("$bin/sfz-$target-replay" --binary "$f" 2>&1 | grep -m1 '^verdict: ')
  if [[ $verdict == "verdict: FINDING $kind:"* ]]; then
    echo "found in $((SECONDS - start)) s: $verdict"
    exit 0
  fi
done
tail -n 15 "$work/log"
echo "FAIL: AFL++ saved no input giving a $kind finding within $secs s"
exit 1
