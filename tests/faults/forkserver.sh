#!/usr/bin/env bash
# forkserver.sh ENUM LIB EDGE EDGE_STATIC: libshmfault's fork server, driven by shmfault-enum.
# Every cell must end as an exec'd run of the same rule ends (same exit status, same objects
# left), stay inside its time box, and never see what an earlier cell left or forked; the
# server refuses to run anywhere but as PID 1 of its own PID namespace; a program libshmfault
# cannot be preloaded into is a clear error.
set -uo pipefail
enum=$1 lib=$2 edge=$3 edge_static=$4
# shellcheck source=tests/lib/need.sh
. "$(dirname "$0")/../lib/need.sh"
need_pid_namespace
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
# outcomes DIR: "function@call=fault outcome" of every non-ok cell
outcomes() { awk -F '\t' 'NR > 1 && $5 != "ok" { print $2 "@" $3 "=" $4, $5 }' "$1/cells.tsv"; }

# 1. The server only serves as PID 1 of its own PID namespace; anyone else who sees the
#    variable inherited it: it runs as it would without it (a notice says so).
LD_PRELOAD=$lib "$edge" >/dev/null 2>&1
want=$?
SHMFAULT_FORKSERVER=0 LD_PRELOAD=$lib "$edge" >"$work/out" 2>&1
rc=$?
[[ $rc == "$want" ]] && grep -q 'ignored.*PID 1' "$work/out" &&
  ok "not served outside a PID namespace: the program runs (exit $rc), one notice" ||
  bad "SHMFAULT_FORKSERVER outside PID 1: exit $rc (want $want): $(cat "$work/out")"

# 2. A leaked POSIX name is found; every cell matches an exec'd run of its rule.
"$enum" --lib "$lib" --runs "$work/posix" --crash --errnos documented -- "$edge" posix 2>/dev/null
want=$(for e in $("$(dirname "$enum")/shmfault-info" errnos ftruncate); do echo "ftruncate@1=$e leak"; done)
[[ $(outcomes "$work/posix") == "$want" ]] && ok "posix: exactly ftruncate's errnos leak the name" ||
  bad "posix: non-ok cells: $(outcomes "$work/posix")"
grep -q 'posix name=/edge' "$work/posix/cells.tsv" && ok "the leaked name is named" || bad "no 'posix name=/edge' in the matrix"
mismatch=0 rows=0
while IFS=$'\t' read -r cell fn call fault _outcome status _why; do
  [[ $cell == cell || $cell == 0 ]] && continue
  rows=$((rows + 1))
  exec_status=$(unshare -ipmf --mount-proc sh -c 'mount -t tmpfs none /dev/shm || exit 125
    cd "$1" && SHMFAULT_RULES=$2 LD_PRELOAD=$3 "$4" posix >/dev/null 2>&1; echo $?' sh "$work" \
    "$fn@$call=$fault" "$lib" "$edge")
  [[ $exec_status == "$status" ]] || { echo "  cell $cell ($fn@$call=$fault): fork server $status, exec $exec_status"; mismatch=1; }
done <"$work/posix/cells.tsv"
[[ $mismatch == 0 && $rows -gt 10 ]] && ok "$rows cells: the fork server's exit status is the exec'd run's" ||
  bad "fork server and exec disagree ($rows cells)"

# Cells are independent: three servers side by side give the same matrix, row for row.
"$enum" --lib "$lib" --runs "$work/posix3" --crash --errnos documented --jobs 3 -- "$edge" posix 2>/dev/null
cut -f1-6 "$work/posix/cells.tsv" >"$work/one.tsv"
cut -f1-6 "$work/posix3/cells.tsv" >"$work/three.tsv"
cmp -s "$work/one.tsv" "$work/three.tsv" && ok "--jobs 3: the same matrix as one server" ||
  bad "--jobs 3 differs: $(diff "$work/one.tsv" "$work/three.tsv" | head -n 4)"

# 3. A cell that hangs is stopped at its time box and the next cells still run.
"$enum" --lib "$lib" --runs "$work/hang" --timeout 1 --errnos first --crash -- "$edge" hang 2>/dev/null
[[ $(outcomes "$work/hang") == "shmget@1=EACCES hang" ]] && ok "hang: the shmget cell hangs, alone" ||
  bad "hang: non-ok cells: $(outcomes "$work/hang")"
[[ $(awk -F '\t' '$2 == "shmctl"' "$work/hang/cells.tsv" | wc -l) -ge 1 ]] && ok "cells after the hang ran" ||
  bad "no cell ran after the hang"

# 4. What a cell forked dies with it: the orphan's late object never reaches another cell.
#    (--timeout 1: the grace after the main process is the time box again, and the child
#    lingers longer than that, so the server has to kill it.)
"$enum" --lib "$lib" --runs "$work/orphan" --timeout 1 --crash -- "$edge" orphan 2>/dev/null
rc=$?
[[ $rc == 0 ]] && ok "orphan: every cell ok (the lingering child is gone before the next cell)" ||
  bad "orphan: exit $rc: $(outcomes "$work/orphan")"

# 5. A static program cannot be served: a clear error, exit 2.
"$enum" --lib "$lib" --runs "$work/static" -- "$edge_static" posix 2>"$work/err"
rc=$?
[[ $rc == 2 ]] && grep -q 'is not loaded' "$work/err" && ok "static program: exit 2, $(head -c 100 "$work/err")" ||
  bad "static program: exit $rc: $(cat "$work/err")"
exit $fail
