#!/usr/bin/env bash
# quick.sh SOURCE_DIR BUILDS_DIR OUT_DIR: run bench/run --quick and check that results.json,
# results.md and throughput.png are produced and well formed. The numbers are never judged.
# Exit 0 ok, 1 a file is missing or malformed, 77 a tool bench/run needs is not installed.
set -euo pipefail
src=$1 builds=$2 out=$3
# shellcheck source=tests/lib/need.sh
. "$(dirname "$0")/../lib/need.sh"
need_tool python3 gnuplot cmake
rm -rf "$out"
if ! "$src/bench/run" --quick --builds "$builds" --out "$out" >"$out.log" 2>&1; then
  tail -n 40 "$out.log"
  echo "FAIL: bench/run --quick exited non-zero"
  exit 1
fi
fail=0
check() { if ! "$@" >/dev/null; then echo "FAIL: $*"; fail=1; fi; }

# results.json: an array; the first object describes the machine; every object has the keys.
check python3 - "$out/results.json" "$src/bench" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[2])
from report import FIGURES  # the figures bench/run may write: one list, in report.py
rows = json.load(open(sys.argv[1]))
assert isinstance(rows, list) and rows, "not a non-empty array"
m = rows[0]
assert m["figure"] == "machine", "first object is not the machine"
for key in ("cpu", "kernel", "cores"):
    assert str(m["machine"].get(key, "")), f"machine.{key} missing"
keys = ("figure", "variant", "unit", "median", "min", "max", "n", "ratio", "baseline", "found",
        "seeds", "note", "us_per_input", "us_per_op", "added_us", "cs_per_input", "exec_per_s")
figures = set(FIGURES)
for r in rows:
    missing = [k for k in keys if k not in r]
    assert not missing, f"{r.get('variant')}: keys missing: {missing}"
for r in rows[1:]:
    assert r["figure"] in figures, f"unknown figure {r['figure']}"
    assert isinstance(r["n"], int), f"{r['variant']}: n is not a number"
    for k in ("median", "min", "max", "ratio"):
        assert r[k] is None or isinstance(r[k], (int, float)), f"{r['variant']}: {k} not a number"
PY

# results.md: the machine line and one section per figure.
check grep -q '^Machine: .*cores, kernel ' "$out/results.md"
for heading in '## 1\. Fault-layer cost' '## 2\. Harness throughput' '## 3\. Fault enumeration' \
               '## 4\. Time to find' '## 5\. Valgrind replay' '## 6\. Precision and recall'; do
  check grep -q "^$heading" "$out/results.md"
done

# throughput.png: a real PNG.
check test -s "$out/throughput.png"
check test "$(head -c 8 "$out/throughput.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a

if [[ $fail -ne 0 ]]; then
  tail -n 20 "$out.log"
  exit 1
fi
echo "ok: $(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))) - 1)' "$out/results.json") result rows in $out"
grep -E '^(bench: done|bench: figure .* took)' "$out.log" || true
