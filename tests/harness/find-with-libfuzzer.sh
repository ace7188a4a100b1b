#!/usr/bin/env bash
# find-with-libfuzzer.sh FUZZER SEED_DIR SECONDS KIND: a fixed-seed libFuzzer run from text-form
# seeds must report "shmfuzz: FINDING KIND" (or the sanitizer's crash), exit with libFuzzer's
# crash status and save the input, within SECONDS.
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
rc=$?
# Found means: the harness's line for KIND (crash: or an AddressSanitizer report from the
# fuzzer's own process; never a bare "deadly signal", which every finding's abort prints),
# libFuzzer's crash exit status (77 its own, 1 the sanitizer's) and a saved crash input.
pattern="shmfuzz: FINDING $kind:"
[[ $kind == crash ]] && pattern="$pattern|ERROR: AddressSanitizer: "
if grep -qE "$pattern" "$work/log" && [[ $rc == 77 || $rc == 1 ]] && compgen -G "$work/crash-*" >/dev/null; then
  echo "found in $((SECONDS - start)) s (exit $rc): $(grep -m1 -oE "($pattern).*" "$work/log" | cut -c1-160)"
  exit 0
fi
tail -n 20 "$work/log"
echo "FAIL: no $kind finding within $secs s (libFuzzer exit $rc)"
exit 1
