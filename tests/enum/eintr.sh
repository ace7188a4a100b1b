#!/usr/bin/env bash
# eintr.sh ENUM LIB BINDIR: enumerate gives EINTR only where the kernel can return it
# (docs/faults.md, "When EINTR is realistic"). The per-point decision from a trace line
# (--faults --line), then the matrix of programs/eintr.c: the parent's V (never sleeps) and its
# sem_wait (no handler) get no EINTR cell, the child's P (sleeps until the parent gives) keeps
# its own; the twin installs a handler and its sem_wait gets EINTR back.
set -uo pipefail
enum=$1 lib=$2 bin=$3
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
# want yes|no FN LINE WHAT: the point of that trace line gets an EINTR cell (yes) or none (no)
want() {
  local got=no
  "$enum" --faults "$2" --line "$3" | grep -qx EINTR && got=yes
  if [[ $got == "$1" ]]; then ok "$4: EINTR $1"; else bad "$4: EINTR $got, want $1"; fi
}

wait_line='{"fn":"sem_wait","args":"sem=0x1","overlap":false'
op_line='{"fn":"semop","args":"semid=1 nsops=1 num=0 op=-1 flags=0x0","overlap":false'
want no sem_wait "$wait_line,\"handler\":false}" "sem_wait without a handler"
want yes sem_wait "$wait_line,\"handler\":true}" "sem_wait with a handler"
want no sem_timedwait "${wait_line/sem_wait/sem_timedwait},\"handler\":false}" \
  "sem_timedwait without a handler"
want no semop "$op_line,\"would_sleep\":false}" "semop that cannot sleep"
want yes semop "$op_line,\"would_sleep\":true}" "semop that sleeps"
want yes semop "$op_line}" "semop, older trace (no key): not judged"
want yes sem_wait "$wait_line}" "sem_wait, older trace (no key): not judged"

unshare -ipmf --mount-proc true 2>/dev/null || { echo "skipped: needs namespaces (root)"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# cells DIR: "function@call fault process" of every cell whose fault is EINTR
eintr_cells() { awk -F '\t' 'NR > 1 && $4 ~ /^EINTR/ { print $2 "@" $3 " " $8 }' "$1/cells.tsv"; }
"$enum" --lib "$lib" --runs "$work/ok" -- "$bin/e-eintr" >"$work/ok.log" 2>&1
rc=$?
if [[ $rc == 0 ]]; then ok "e-eintr: every cell ok"; else
  bad "e-eintr: exit $rc: $(tail -n 3 "$work/ok.log")"; fi
cells=$(eintr_cells "$work/ok")
if [[ $cells == "semop@1 e-eintr (child)" ]]; then
  ok "e-eintr: EINTR only at the child's sleeping semop"; else bad "e-eintr: EINTR cells: $cells"; fi
"$enum" --lib "$lib" --runs "$work/bug" -- "$bin/e-eintr-bug" >"$work/bug.log" 2>&1
cells=$(eintr_cells "$work/bug")
if grep -qx 'sem_wait@1 e-eintr-bug (main)' <<<"$cells" &&
  ! grep -q '^semop@1 e-eintr-bug (main)' <<<"$cells"; then
  ok "e-eintr-bug: the handler gives sem_wait its EINTR, the V still has none"
else bad "e-eintr-bug: EINTR cells: $cells"; fi
# Clean runs that differ: the child's P sleeps in all but the first, so it keeps its EINTR cell.
"$enum" --lib "$lib" --runs "$work/runs" --baseline 3 -- "$bin/e-eintr-runs" "$work/count" \
  >"$work/runs.log" 2>&1
cells=$(eintr_cells "$work/runs")
if grep -qx 'semop@1 e-eintr-runs (child)' <<<"$cells"; then
  ok "e-eintr-runs: a P that slept in a later clean run keeps its EINTR"
else bad "e-eintr-runs: EINTR cells: $cells $(tail -n 2 "$work/runs.log")"; fi
exit $fail
