#!/usr/bin/env bash
# tutorial-weaknesses.sh BIN_DIR LIBSHMFAULT: the tutorial programs' real weaknesses, shown
# black-box through LD_PRELOAD=libshmfault.so with one fault rule each (docs/targets.md has the
# walkthrough). Each case runs in a fresh state: this script must run inside in-namespace.sh,
# and it removes every IPC object between cases (safe only there, so it checks).
set -uo pipefail
bin=${1:?usage: tutorial-weaknesses.sh BIN_DIR LIBSHMFAULT}
lib=${2:?usage: tutorial-weaknesses.sh BIN_DIR LIBSHMFAULT}
if [[ "${SHMFUZZ_PRIVATE_IPC:-}" != 1 ]]; then
  echo "tutorial-weaknesses.sh: run me through in-namespace.sh (I remove every IPC object)" >&2
  exit 2
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 2
fail=0

reset_namespace() {
  ipcrm --all >/dev/null 2>&1
  rm -f /dev/shm/* tutorial_shared.dat
}

# run RULES PROGRAM ARGS...: run under the preload (only the program, not timeout); sets
# $status and $out (stdout+stderr). A program that blocks is stopped after 5 s (status 124).
run() {
  local rules=$1 prog=$2
  shift 2
  out=$(timeout 5 env SHMFAULT_RULES="$rules" SHMFAULT_LEDGER=stderr LD_PRELOAD="$lib" \
    "$bin/$prog" "$@" 2>&1)
  status=$?
}

# expect NAME CONDITION-DESCRIPTION TEST...: record one case's verdict.
expect() {
  local name=$1 what=$2; shift 2
  if "$@"; then
    echo "ok   $name: $what"
  else
    echo "FAIL $name: $what (exit $status)"
    sed 's/^/     | /' <<<"$out"
    fail=1
  fi
}
died_of() { [[ $status -eq $((128 + $1)) ]]; }
says() { grep -qE -- "$1" <<<"$out"; }

reset_namespace
run "shmat@1=ENOMEM" tutorial-shm-writer hello
expect writer-unchecked-shmat "shmat fails with ENOMEM -> sprintf into (void *)-1 -> SIGSEGV" died_of 11

reset_namespace
run "" tutorial-shm-writer hello
expect writer-leaks "the writer alone leaves its segment; the ledger reports it" \
  says 'shmfault: leak sysv-shm .*key=0x0*1234'

reset_namespace
run "" tutorial-shm-writer hello
run "shmget@1=ENOENT" tutorial-shm-reader
expect reader-unchecked-shmget "shmget fails -> shmat(-1) fails -> printf of (char *)-1 -> SIGSEGV" died_of 11

reset_namespace
run "" tutorial-shm-reader
expect reader-invents-data "no writer: IPC_CREAT in the reader makes an empty segment and reads ''" \
  says '^Data read from memory: $'

reset_namespace
run "shmat@1=EINVAL" tutorial-record update 7 alice
expect record-unchecked-shmat "shmat fails -> rec->id = ... writes to (void *)-1 -> SIGSEGV" died_of 11

reset_namespace
run "" tutorial-record read
expect record-read-creates "'read' of a missing record creates the segment (IPC_CREAT) and leaks it" \
  says 'shmfault: leak sysv-shm'

reset_namespace
run "semop@6=SIGKILL" tutorial-producer 10
run "" tutorial-consumer 10
expect consumer-hangs "producer killed in its 2nd item -> consumer blocks in semop forever" \
  test "$status" -eq 124

reset_namespace
run "" tutorial-producer 0
run "semop@1=EINTR" tutorial-consumer 1
expect consumer-ignores-eintr "P(full) interrupted is taken as done -> consumes an item never produced" \
  says '^consumed 0$'

reset_namespace
run "ftruncate@1=EFBIG" tutorial-posix-writer hello
expect posix-writer-unchecked-ftruncate "ftruncate fails -> the 0-byte object is mapped anyway -> SIGBUS" died_of 7

reset_namespace
run "mmap@1=ENOMEM" tutorial-posix-writer hello
expect posix-writer-unchecked-mmap "mmap fails -> sprintf into MAP_FAILED -> SIGSEGV" died_of 11

reset_namespace
run "" tutorial-posix-writer hello
expect posix-writer-leaks "the writer alone leaves /tutorial_shm; the ledger reports it" \
  says 'shmfault: leak posix-shm name=/tutorial_shm'

reset_namespace
[[ $fail -eq 0 ]] && echo "tutorial weaknesses: all shown"
exit $fail
