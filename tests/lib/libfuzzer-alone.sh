#!/usr/bin/env bash
# libfuzzer-alone.sh FUZZER [SECONDS]: run a self-checking libFuzzer target for a bounded time
# from an empty corpus: sfz-decoder-libfuzzer (program format round trips) or
# sfz-rules-libfuzzer (libshmfault's rule parser). Any abort is a violation. Exit 77 when the
# libfuzzer preset was not built.
set -uo pipefail
bin=$1 secs=${2:-20}
# shellcheck source=tests/lib/need.sh
. "$(dirname "$0")/need.sh"
need_built "$bin"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus"
"$bin" -max_total_time="$secs" -print_final_stats=1 -artifact_prefix="$work/" "$work/corpus" \
  >"$work/log" 2>&1
rc=$?
grep -E '^stat::(number_of_executed_units|average_exec_per_sec)' "$work/log"
if [[ $rc -ne 0 ]]; then
  tail -n 30 "$work/log"
  echo "FAIL: ${bin##*/} found a violation (exit $rc)"
  exit 1
fi
echo "ok: no violation in ${secs}s"
