#!/usr/bin/env bash
# determinism.sh REPLAY RUNS PROGRAM...: every program, replayed RUNS times in one process and
# once more in a fresh process, must print the same thing every time: decoded program, per-op
# results and verdict (workers reused or re-forked, objects swept in between, must not matter).
# Identical is not enough: the verdict must also be the program's "# expect: VERDICT" line (ok
# when it has none), so an oracle that stopped firing cannot pass as "identical every time".
set -uo pipefail
replay=$1 runs=$2
shift 2
# shellcheck source=tests/lib/need.sh
. "$(dirname "$0")/../lib/need.sh"
need_namespaces
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
for p in "$@"; do
  rm -f "$work"/b*
  args=()
  for ((i = 0; i < runs; i++)); do args+=("$p"); done
  "$replay" "${args[@]}" >"$work/all"
  # One file per input, without its "== input" header line.
  awk -v dir="$work" '/^== input /{n++; next} {print > (dir "/b" n)}' "$work/all"
  "$replay" "$p" >"$work/fresh"
  expect=$(sed -n 's/^# expect: //p' "$p" | head -n 1)
  verdict=$(grep -m1 '^verdict: ' "$work/fresh")
  if [[ $verdict != "verdict: ${expect:-ok}"* ]]; then
    echo "FAIL: $p: '$verdict', want 'verdict: ${expect:-ok}'"
    fail=1
    continue
  fi
  blocks=$(find "$work" -name 'b*' | wc -l)
  distinct=$(md5sum "$work"/b* "$work/fresh" | awk '{print $1}' | sort -u | wc -l)
  if [[ $blocks -ne $runs || $distinct -ne 1 ]]; then
    echo "FAIL: $p: $distinct different outputs in $blocks + 1 runs"
    diff "$work/b1" "$work/fresh" | head -n 20
    fail=1
  else
    echo "ok: $p identical in $runs + 1 runs ($verdict)"
  fi
done
exit $fail
