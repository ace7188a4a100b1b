#!/usr/bin/env bash
# children.sh ENUM LIB PROG: libshmfault's settings never reach a child as an instruction, and
# its files stay reachable from children (issue 10, item 9). A bash script, which hands its
# children the environment it started with, is enumerated through the fork server and its
# `env`/`true` children run; a child that switched user keeps tracing into the run's file.
set -uo pipefail
enum=$1 lib=$2 prog=$3
unshare -ipmf --mount-proc true 2>/dev/null || { echo "skipped: needs namespaces (root)"; exit 77; }
command -v setpriv >/dev/null || { echo "skipped: no setpriv"; exit 77; }
work=$(mktemp -d)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
fail=0
# shellcheck source=tests/lib/check.sh
. "$(dirname "$0")/../lib/check.sh"
as_nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)

# 1. A user switch under a plain preload: the trace file is root's and not writable by nobody;
#    the switched child's calls still land in it (the descriptor was inherited and re-checked).
mkdir "$work/root" && chmod 755 "$work/root"
: >"$work/root/trace"
SHMFAULT_TRACE=$work/root/trace LD_PRELOAD=$lib "${as_nobody[@]}" "$prog" call ftok \
  >"$work/out" 2>"$work/err"
check "user switch: the child ran (exit 0)" test $? -eq 0 -a "$(cat "$work/out")" = "ftok ok"
check "user switch: its call is in the run's trace" grep -q '"fn":"ftok"' "$work/root/trace"

# 2. A bash script, enumerated: its children (env, true, a user switch, the program) start.
cat >"$work/script.sh" <<EOF
#!/bin/bash
# what bash hands its children must not hold the server's variable
if export -p | grep -q SHMFAULT_FORKSERVER; then exit 9; fi
env >/dev/null || exit 8
true || exit 8
${as_nobody[*]} "$prog" call ftok >/dev/null || exit 7
"$prog" clean
EOF
chmod 755 "$work/script.sh"
"$enum" --lib "$lib" --runs "$work/runs" --errnos first -- /bin/bash "$work/script.sh" \
  >"$work/enum.out" 2>&1
cells=$work/runs/cells.tsv
clean=$(awk -F '\t' '$1 == 0 { print $5 }' "$cells" 2>/dev/null)
check "bash enumerated: the clean run is ok" test "$clean" = ok
check "bash enumerated: fault cells ran ($(($(wc -l <"$cells") - 2)))" \
  test "$(awk -F '\t' 'NR > 2' "$cells" | wc -l)" -ge 3
# (a cell that fails the switched child's own ftok may end 7 by design: not counted)
check "bash enumerated: no child saw SHMFAULT_FORKSERVER or was refused (exit 9, 8, 7)" \
  test "$(awk -F '\t' 'NR > 1 && $2 != "ftok" && ($6 == 9 || $6 == 8 || $6 == 7)' \
    "$cells" | wc -l)" -eq 0
check "bash enumerated: no cell's stderr mentions SHMFAULT_FORKSERVER" \
  test -z "$(grep -l SHMFAULT_FORKSERVER "$work"/runs/*/stderr 2>/dev/null)"
check "bash enumerated: the switched child traced into the clean run's trace" \
  grep -q '"fn":"ftok"' "$work/runs/clean/trace.jsonl"
[[ $fail == 0 ]] || { cat "$work/enum.out"; cat "$cells"; }
exit $fail
