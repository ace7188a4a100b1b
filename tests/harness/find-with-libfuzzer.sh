#!/usr/bin/env bash
# find-with-libfuzzer.sh FUZZER SEED_DIR SECONDS KIND: a fixed-seed libFuzzer run from text-form
# seeds must report "shmfuzz: FINDING KIND" (or the sanitizer's crash) within SECONDS.
# Exit 77 when the fuzzer is not built (libfuzzer preset) or namespaces are unavailable.
set -uo pipefail
fuzzer=$1 seeds=$2 secs=$3 kind=$4
# shellcheck source=tests/lib/need.sh
. "$(dirname "$0")/../lib/need.sh"
need_built "$fuzzer"
need_namespaces
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus"
cp "$seeds"/*.txt "$work/corpus/"
start=$SECONDS
(cd "$work" && unshare -im "$fuzzer" -seed=1 -max_total_time="$secs" -timeout=10 \
   -artifact_prefix="$work/" corpus >"$work/log" 2>&1)
pattern="shmfuzz: FINDING $kind"
[[ $kind == crash ]] && pattern="$pattern|ERROR: AddressSanitizer|deadly signal"
if grep -qE "$pattern" "$work/log"; then
  echo "found in $((SECONDS - start)) s: $(grep -m1 -oE "($pattern).*" "$work/log" | cut -c1-160)"
  exit 0
fi
tail -n 20 "$work/log"
echo "FAIL: no $kind finding within $secs s"
exit 1
