#!/usr/bin/env bash
# find-with-libfuzzer.sh FUZZER SEED_DIR SECONDS KIND [SEEDS]: a fixed-seed libFuzzer run from
# text-form seeds must report "shmfuzz: FINDING KIND" (or the sanitizer's crash), exit with
# libFuzzer's crash status and save the input, within SECONDS. SEEDS (default 1) is a comma
# list of libFuzzer seeds tried in turn, SECONDS each, until one finds: a multi-process target's
# coverage differs from run to run, so one seed's path is not repeatable (as bug-check.sh).
# Exit 77 when the fuzzer is not built (libfuzzer preset) or namespaces are unavailable.
set -uo pipefail
fuzzer=$1 seeds=$2 secs=$3 kind=$4 rngs=${5:-1}
# shellcheck source=tests/lib/need.sh
. "$(dirname "$0")/../lib/need.sh"
need_built "$fuzzer"
need_namespaces
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
start=$SECONDS
# Found means: the harness's line for KIND (crash: or an AddressSanitizer report from the
# fuzzer's own process; never a bare "deadly signal", which every finding's abort prints),
# libFuzzer's crash exit status (77 its own, 1 the sanitizer's) and a saved crash input.
pattern="shmfuzz: FINDING $kind:"
[[ $kind == crash ]] && pattern="$pattern|ERROR: AddressSanitizer: "
IFS=, read -ra rng_list <<<"$rngs"
for rng in "${rng_list[@]}"; do
  rm -rf "$work/corpus" "$work"/crash-*
  mkdir "$work/corpus"
  cp "$seeds"/*.txt "$work/corpus/"
  (cd "$work" && unshare -im "$fuzzer" -seed="$rng" -max_total_time="$secs" -timeout=10 \
     -artifact_prefix="$work/" corpus >"$work/log" 2>&1)
  rc=$?
  if grep -qE "$pattern" "$work/log" && [[ $rc == 77 || $rc == 1 ]] && compgen -G "$work/crash-*" >/dev/null; then
    echo "found with seed $rng in $((SECONDS - start)) s (exit $rc): $(grep -m1 -oE "($pattern).*" "$work/log" | cut -c1-160)"
    exit 0
  fi
  echo "seed $rng: no $kind finding within $secs s (libFuzzer exit $rc)"
done
tail -n 20 "$work/log"
echo "FAIL: no $kind finding with seeds $rngs, $secs s each (libFuzzer exit $rc)"
exit 1
