#!/usr/bin/env bash
# quick.sh SOURCE_DIR BUILDS_DIR OUT_DIR: run bench/run --quick and check that results.json,
# results.md and throughput.png are produced and well formed. The numbers are never judged.
# Exit 0 ok, 1 a file is missing or malformed, 77 a tool bench/run needs is not installed.
set -euo pipefail
src=$1 builds=$2 out=$3
for tool in jq python3 gnuplot cmake; do
  command -v "$tool" >/dev/null || { echo "skipped: $tool is not installed (scripts/install-deps)"; exit 77; }
done
rm -rf "$out"
if ! "$src/bench/run" --quick --builds "$builds" --out "$out" >"$out.log" 2>&1; then
  tail -n 40 "$out.log"
  echo "FAIL: bench/run --quick exited non-zero"
  exit 1
fi
fail=0
check() { if ! "$@" >/dev/null; then echo "FAIL: $*"; fail=1; fi; }

# results.json: an array; the first object describes the machine; every object has the keys.
check jq -e --exit-status 'type == "array" and length >= 1' "$out/results.json"
check jq -e --exit-status '.[0].figure == "machine" and (.[0].machine.cpu | length > 0) and (.[0].machine.kernel | length > 0) and (.[0].machine.cores | length > 0)' "$out/results.json"
check jq -e --exit-status 'all(.[]; has("figure") and has("variant") and has("unit") and has("median") and has("min") and has("max") and has("n") and has("ratio"))' "$out/results.json"
check jq -e --exit-status 'all(.[1:][]; (.figure | IN("fault-cost", "throughput", "enumeration", "time-to-find", "valgrind")) and (.n | type == "number"))' "$out/results.json"
check jq -e --exit-status 'all(.[1:][]; .median == null or (.median | type == "number"))' "$out/results.json"

# results.md: the machine line and one section per figure.
check grep -q '^Machine: .*cores, kernel ' "$out/results.md"
for heading in '## 1\. Fault-layer cost' '## 2\. Harness throughput' '## 3\. Fault enumeration' \
               '## 4\. Time to find' '## 5\. Valgrind replay'; do
  check grep -q "^$heading" "$out/results.md"
done

# throughput.png: a real PNG.
check test -s "$out/throughput.png"
check test "$(head -c 8 "$out/throughput.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a

if [[ $fail -ne 0 ]]; then
  tail -n 20 "$out.log"
  exit 1
fi
echo "ok: $(jq 'length - 1' "$out/results.json") result rows in $out"
grep -E '^(bench: done|bench: figure .* took)' "$out.log" || true
