#!/usr/bin/env bash
# expect-verdict.sh REPLAY PROGRAM: run one program with a replay binary and compare its
# verdict line with the program's "# expect: <verdict prefix>" comment, and find every
# "# expect-line: <line>" among the per-op result lines. Exit 0 on a match,
# 1 otherwise, 77 when namespaces are not available (the harness needs root for its private
# IPC namespace; without it the verdicts of leak tests differ).
set -uo pipefail
replay=$1 program=$2
# shellcheck source=tests/lib/need.sh
. "$(dirname "$0")/../lib/need.sh"
need_namespaces
expect=$(sed -n 's/^# expect: //p' "$program" | head -n 1)
if [[ -z $expect ]]; then
  echo "$program has no '# expect:' line"
  exit 2
fi
# "# expect-repeat: N": a verdict that once depended on a race is checked N times (every run
# must match), so a race that comes back shows up in one ctest run, not one in twenty.
repeat=$(sed -n 's/^# expect-repeat: //p' "$program" | head -n 1)
[[ $repeat =~ ^[1-9][0-9]*$ ]] || repeat=1
want_rc=0
[[ $expect == FINDING* ]] && want_rc=1
for ((run = 1; run <= repeat; run++)); do
  out=$(SHMFUZZ_OP_TIMEOUT_MS=300 "$replay" "$program" 2>&1)
  rc=$?
  verdict=$(grep '^verdict: ' <<<"$out" | head -n 1)
  missing=""
  while IFS= read -r line; do
    grep -qxF -- "$line" <<<"$out" || missing+="$line; "
  done < <(sed -n 's/^# expect-line: //p' "$program")
  if [[ $verdict != "verdict: $expect"* || $rc -ne $want_rc || -n $missing ]]; then
    echo "$out"
    echo "FAIL (run $run of $repeat): expected 'verdict: $expect' and exit $want_rc, got '$verdict' and exit $rc${missing:+; lines missing: $missing}"
    exit 1
  fi
done
echo "ok: $verdict ($repeat runs)"
exit 0
