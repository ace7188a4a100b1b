#!/usr/bin/env bash
# shellcheck disable=SC2317 # the case_* functions are called by name from the command line
# equivalence.sh CASE LIB SIGPOST EFAULT: a trace must not change what a program does (issue 10,
# item 4). The same program, with and without SHMFAULT_TRACE (and with rules), must make the same
# calls, fail the same ones and print the same results. Run inside tests/targets/in-namespace.sh
# (the programs create private System V sets and remove them).
set -euo pipefail
case_name=${1:?usage: equivalence.sh CASE LIB SIGPOST EFAULT}
lib=${2:?} sigpost=${3:?} efault=${4:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0

# shellcheck source=tests/lib/check.sh
. "$(dirname "$0")/../lib/check.sh"
lines() { # lines FILE PATTERN: how many lines of FILE contain PATTERN
  grep -cF -- "$2" "$1" || true
}

# A handler's calls land inside main's real semop: with the trace on they used to pass
# uncounted (the guard was held across the real call), so sem_post%2 hit other calls.
case_signals() {
  local n=2000 plain want got
  plain=$("$sigpost" "$n")
  same "without the layer: every post succeeds" \
    "main posts ok=$n failed=0; handler posts ok=$n failed=0 other=0; waits=$n; value=$((2 * n))" "$plain"
  want="main posts ok=$n failed=0; handler posts ok=0 failed=$n other=0; waits=$n; value=$n"
  got=$(SHMFAULT_RULES='sem_post%2=EOVERFLOW' SHMFAULT_COUNT=1 LD_PRELOAD="$lib" \
    "$sigpost" "$n" 2>"$work/count.untraced")
  same "sem_post%2, untraced: exactly the handler's posts fail" "$want" "$got"
  got=$(SHMFAULT_RULES='sem_post%2=EOVERFLOW' SHMFAULT_COUNT=1 SHMFAULT_TRACE="$work/t1" \
    LD_PRELOAD="$lib" "$sigpost" "$n" 2>"$work/count.traced")
  same "sem_post%2, traced: the same results" "$want" "$got"
  same "sem_post%2: the same sem_post count traced and untraced" \
    "$(grep -o 'fn=sem_post .*' "$work/count.untraced")" "$(grep -o 'fn=sem_post .*' "$work/count.traced")"
  check "sem_post count is 2N" grep -q "fn=sem_post calls=$((2 * n))\$" "$work/count.traced"
  check "every sem_post traced (2N lines)" test "$(lines "$work/t1" '"fn":"sem_post"')" -eq $((2 * n))
  check "N of them injected" test "$(lines "$work/t1" '"injected":"EOVERFLOW"')" -eq "$n"
  got=$(SHMFAULT_TRACE="$work/t2" LD_PRELOAD="$lib" "$sigpost" "$n")
  same "trace without a rule: the program's own results" "$plain" "$got"
  check "trace without a rule: every sem_post traced" \
    test "$(lines "$work/t2" '"fn":"sem_post"')" -eq $((2 * n))
}

# Bad pointers the kernel answers with EFAULT: the layer must not read them first.
case_efault() {
  local plain got
  plain=$("$efault")
  check "semop with a bad sops pointer: EFAULT" grep -qx 'semop(sops=bad) = -1 EFAULT' <<<"$plain"
  check "memfd_create with a bad name: EFAULT" grep -qx 'memfd_create(name=bad) = -1 EFAULT' <<<"$plain"
  got=$(LD_PRELOAD="$lib" "$efault")
  same "preloaded, untraced: the same results" "$plain" "$got"
  got=$(SHMFAULT_TRACE="$work/t" LD_PRELOAD="$lib" "$efault")
  same "traced: the same results" "$plain" "$got"
  check "the trace has the failed semop" grep -q '"fn":"semop".*"errno":"EFAULT"' "$work/t"
  got=$(SHMFAULT_RULES='semop(IPC_NOWAIT)@1000=EAGAIN;semtimedop(SEM_UNDO)@1000=EAGAIN' \
    SHMFAULT_TRACE="$work/t3" LD_PRELOAD="$lib" "$efault")
  same "traced, with class rules (which read the operations): the same results" "$plain" "$got"
  got=$(SHMFAULT_RULES='semop(IPC_NOWAIT)@1000=EAGAIN' LD_PRELOAD="$lib" "$efault")
  same "untraced, with a class rule: the same results" "$plain" "$got"
}

"case_$case_name"
exit $fail
