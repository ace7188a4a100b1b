#!/usr/bin/env bash
# report-check.sh SOURCE_DIR: bench/report.py on made-up samples: medians, ratios, time-to-find
# with "not found" (inf) and "not run" (nan) rows, the machine object, and the plot script;
# throughput rows in CPU us/input (the ratio inverted: the baseline's cost / the row's) with
# their context switches and exec/s, and the older exec/s rows.
set -euo pipefail
src=$1
# shellcheck source=tests/lib/need.sh
. "$(dirname "$0")/../lib/need.sh"
need_tool python3
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
printf 'cpu\tTest CPU\ncores\t2\nkernel\t6.1.0\n' >"$out/machine.tsv"
{
  printf 'throughput\tp/ceiling\texec/s\t%s\n' 100 300 200
  printf 'throughput\tp/replay\texec/s\t%s\n' 50 40 60
  printf 'throughput\tq/ceiling\tus/input\t%s\n' 10 30 20
  printf 'throughput\tq/replay\tus/input\t%s\n' 80 100 90
  printf 'time-to-find\tbug/libfuzzer\ts\t%s\n' 1 inf 3 inf inf
  printf 'time-to-find\tbug/rawbytes\ts\tnan\n'
} >"$out/samples.tsv"
printf 'throughput\tp/replay\tbaseline\tp/ceiling\ntime-to-find\tbug/rawbytes\tnote\tcannot observe\n' >"$out/meta.tsv"
printf 'throughput\tp\tops\t5\n' >>"$out/meta.tsv"
{
  printf 'throughput\tq\tops\t9\nthroughput\tq/replay\tbaseline\tq/ceiling\n'
  printf 'throughput\tq/replay\tcs_per_input\t%s\n' 2 4 3
  printf 'throughput\tq/replay\texec_per_s\t%s\n' 1000 3000 2000
} >>"$out/meta.tsv"
python3 "$src/bench/report.py" "$out"
fail=0
# Each line: a variant (or "machine") and a Python expression over its object r.
python3 - "$out/results.json" <<'PY' || fail=1
import json, sys
rows = json.load(open(sys.argv[1]))
by = {r["variant"]: r for r in rows[1:]}
checks = [
    (rows[0], 'r["figure"] == "machine" and r["machine"]["cpu"] == "Test CPU"'),
    (by["p/ceiling"], 'r["median"] == 200 and r["min"] == 100 and r["max"] == 300 and r["n"] == 3'),
    (by["p/replay"], 'r["median"] == 50 and r["ratio"] == 0.25 and r["baseline"] == "p/ceiling"'),
    (by["p/replay"], 'r["us_per_input"] == 20000 and r["us_per_op"] == 4000 and r["added_us"] == 15000'),
    (by["p/ceiling"], 'r["us_per_input"] == 5000 and r["added_us"] is None'),
    (by["bug/libfuzzer"], 'r["us_per_input"] is None and r["us_per_op"] is None'),
    (by["q/replay"], 'r["median"] == 90 and abs(r["ratio"] - 20 / 90) < 0.001 and r["baseline"] == "q/ceiling"'),
    (by["q/replay"], 'r["us_per_input"] == 90 and r["us_per_op"] == 10 and r["added_us"] == 70'),
    (by["q/replay"], 'r["cs_per_input"] == 3 and r["exec_per_s"] == 2000'),
    (by["q/ceiling"], 'r["us_per_input"] == 20 and r["added_us"] is None and r["cs_per_input"] is None'),
    (by["p/replay"], 'r["cs_per_input"] is None and r["exec_per_s"] is None'),
    (by["bug/libfuzzer"], 'r["found"] == 2 and r["seeds"] == 5 and r["median"] is None and r["min"] == 1'),
    (by["bug/rawbytes"], 'r["n"] == 0 and r["found"] == 0 and r["note"] == "cannot observe"'),
]
bad = 0
for r, expr in checks:
    if not eval(expr, {"r": r}):
        print(f"FAIL: {expr}: {r}")
        bad += 1
sys.exit(1 if bad else 0)
PY
grep -q '25 % of p/ceiling' "$out/results.md" || { echo "FAIL: no percentage of the ceiling in results.md"; fail=1; }
grep -q '25 % of p/ceiling | 20,000 | 4,000 | 15,000 |' "$out/results.md" ||
  { echo "FAIL: no cost per input, per op and added next to the ratio in results.md"; fail=1; }
grep -q '| q/replay | us/input | 90.0 | 80.0 | 100 | 3 | 22 % of q/ceiling | 90.0 | 10.0 | 70.0 | 3 | 2,000 |' "$out/results.md" ||
  { echo "FAIL: a CPU-time row must read its share of the baseline's speed, costs, cs/input and exec/s"; fail=1; }
grep -q '| bug/libfuzzer | not found |' "$out/results.md" || { echo "FAIL: a median past the budget must read 'not found'"; fail=1; }
grep -q '| bug/rawbytes | not run |' "$out/results.md" || { echo "FAIL: a row without runs must read 'not run'"; fail=1; }
grep -q "throughput.dat" "$out/throughput.gp" || { echo "FAIL: plot script does not read the data"; fail=1; }
[[ $fail -eq 0 ]] && echo "ok: report.py"
exit "$fail"
