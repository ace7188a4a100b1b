#!/usr/bin/env bash
# executor-mix.sh REPLAY ROUNDS PROGRAM...: the programs one after the other in ONE replay
# process, ROUNDS times over in a rotating order, must print for every input exactly what that
# program prints alone in a fresh process: per-op results and verdict. The executor reuses its
# workers across inputs, replaces the ones a crash, a hang or proc.exit ended, resumes a run of
# ops after a finding, and reuses a worker's last fd check; none of that may show in a result.
set -uo pipefail
replay=$1 rounds=$2
shift 2
# shellcheck source=tests/lib/need.sh
. "$(dirname "$0")/../lib/need.sh"
need_namespaces
export SHMFUZZ_OP_TIMEOUT_MS=300
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
progs=("$@")
n=${#progs[@]}
for ((i = 0; i < n; i++)); do
  "$replay" "${progs[i]}" >"$work/alone$i"
done
order=()
for ((r = 0; r < rounds; r++)); do
  for ((i = 0; i < n; i++)); do order+=($(((i * (r + 1) + r) % n))); done
done
args=()
for i in "${order[@]}"; do args+=("${progs[i]}"); done
"$replay" "${args[@]}" >"$work/all"
awk -v dir="$work" '/^== input /{k++; next} {print > (dir "/got" k)}' "$work/all"
fail=0
for ((k = 1; k <= ${#order[@]}; k++)); do
  i=${order[k - 1]}
  if ! cmp -s "$work/got$k" "$work/alone$i"; then
    echo "FAIL: input $k (${progs[i]}) differs from its run alone"
    diff "$work/alone$i" "$work/got$k" | head -n 20
    fail=1
  fi
done
[[ $fail -eq 0 ]] && echo "ok: ${#order[@]} inputs of $n programs in one process, each as alone"
exit "$fail"
