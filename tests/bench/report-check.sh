#!/usr/bin/env bash
# report-check.sh SOURCE_DIR: bench/report.py on made-up samples: medians, ratios, time-to-find
# with "not found" (inf) and "not run" (nan) rows, the machine object, and the plot script.
set -euo pipefail
src=$1
for tool in python3 jq; do
  command -v "$tool" >/dev/null || { echo "skipped: $tool is missing"; exit 77; }
done
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
printf 'cpu\tTest CPU\ncores\t2\nkernel\t6.1.0\n' >"$out/machine.tsv"
{
  printf 'throughput\tp/ceiling\texec/s\t%s\n' 100 300 200
  printf 'throughput\tp/replay\texec/s\t%s\n' 50 40 60
  printf 'time-to-find\tbug/libfuzzer\ts\t%s\n' 1 inf 3 inf inf
  printf 'time-to-find\tbug/rawbytes\ts\tnan\n'
} >"$out/samples.tsv"
printf 'throughput\tp/replay\tbaseline\tp/ceiling\ntime-to-find\tbug/rawbytes\tnote\tcannot observe\n' >"$out/meta.tsv"
python3 "$src/bench/report.py" "$out"
fail=0
expect() { # JQ-FILTER: must be true
  jq -e "$1" "$out/results.json" >/dev/null || { echo "FAIL: $1"; jq -c '.[]' "$out/results.json"; fail=1; }
}
expect '.[0].figure == "machine" and .[0].machine.cpu == "Test CPU"'
expect '.[] | select(.variant == "p/ceiling") | .median == 200 and .min == 100 and .max == 300 and .n == 3'
expect '.[] | select(.variant == "p/replay") | .median == 50 and .ratio == 0.25 and .baseline == "p/ceiling"'
expect '.[] | select(.variant == "bug/libfuzzer") | .found == 2 and .seeds == 5 and .median == null and .min == 1'
expect '.[] | select(.variant == "bug/rawbytes") | .n == 0 and .found == 0 and .note == "cannot observe"'
grep -q '25 % of p/ceiling' "$out/results.md" || { echo "FAIL: no percentage of the ceiling in results.md"; fail=1; }
grep -q '| bug/libfuzzer | not found |' "$out/results.md" || { echo "FAIL: a median past the budget must read 'not found'"; fail=1; }
grep -q '| bug/rawbytes | not run |' "$out/results.md" || { echo "FAIL: a row without runs must read 'not run'"; fail=1; }
grep -q "throughput.dat" "$out/throughput.gp" || { echo "FAIL: plot script does not read the data"; fail=1; }
[[ $fail -eq 0 ]] && echo "ok: report.py"
exit "$fail"
