#!/usr/bin/env bash
# decoder-libfuzzer.sh BIN_DIR [SECONDS]: run the libFuzzer build of the program format alone
# (sfz-decoder-libfuzzer: decode, encode and text round trips must hold for every input) for a
# bounded time. Exit 77 when the libfuzzer preset was not built.
set -uo pipefail
bin=$1/sfz-decoder-libfuzzer secs=${2:-20}
if [[ ! -x $bin ]]; then
  echo "skipped: $bin not built (needs clang and the libfuzzer preset)"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus"
"$bin" -max_total_time="$secs" -print_final_stats=1 -artifact_prefix="$work/" "$work/corpus" \
  >"$work/log" 2>&1
rc=$?
grep -E '^stat::(number_of_executed_units|average_exec_per_sec)' "$work/log"
if [[ $rc -ne 0 ]]; then
  tail -n 30 "$work/log"
  echo "FAIL: the decoder fuzzer found a round-trip violation (exit $rc)"
  exit 1
fi
echo "ok: no violation in ${secs}s"
