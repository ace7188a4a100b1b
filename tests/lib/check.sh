# check.sh: the verdict lines every shell test prints, sourced by tests/faults/*.sh.
# A test sets fail=0, calls check/same per claim, and exits with $fail at the end; one line
# per claim ("ok   WHAT" or "FAIL WHAT") is what ctest's log shows when it goes red.
# shellcheck shell=bash disable=SC2034 # fail is read by the sourcing script

# check WHAT COMMAND...: COMMAND's success is the claim.
check() {
  local what=$1; shift
  if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fail=1; fi
}

# same WHAT EXPECTED ACTUAL: the two strings are equal; both shown when they are not.
same() {
  if [[ "$2" == "$3" ]]; then echo "ok   $1"; else printf 'FAIL %s\n  want: %s\n  got:  %s\n' "$1" "$2" "$3"; fail=1; fi
}

# reset_ns: removes every IPC object and /dev/shm file. Only for scripts that refuse to run
# outside a private IPC and mount namespace (SHMFUZZ_PRIVATE_IPC=1, in-namespace.sh).
reset_ns() {
  [[ "${SHMFUZZ_PRIVATE_IPC:-}" == 1 ]] || { echo "reset_ns outside a private namespace" >&2; exit 2; }
  ipcrm --all >/dev/null 2>&1 || true
  rm -f /dev/shm/* 2>/dev/null || true
}
