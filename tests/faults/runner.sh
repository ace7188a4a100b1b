#!/usr/bin/env bash
# shellcheck disable=SC2317,SC2001 # helpers are called indirectly through check
# runner.sh SOURCE_DIR LIBSHMFAULT BIN_DIR: `shmfuzz run` black-box on three small programs -
# a correct one (shows nothing under any fault), a leaky one (the leak report and
# --fail-on-leak show it) and one that ignores a shmat failure (an injected error becomes a
# crash). Run inside in-namespace.sh.
set -euo pipefail
src=${1:?usage: runner.sh SOURCE_DIR LIBSHMFAULT BIN_DIR} lib=${2:?} bin=${3:?}
export SHMFAULT_LIB=$lib
shmfuzz=$src/scripts/shmfuzz
fail=0
check() {
  local what=$1; shift
  if "$@"; then echo "ok   $what"; else echo "FAIL $what (exit $status)"; sed 's/^/     | /' <<<"$out"; fail=1; fi
}
run() { set +e; out=$("$shmfuzz" run "$@" 2>&1); status=$?; set -e; }
leaks() { grep -q '^shmfault: leak ' <<<"$out"; }
no_leaks() { ! leaks; }

run -- "$bin/faults_bb_correct"
check "correct, no fault: clean" test "$status" -eq 0 -a "$out" = "correct: done"
# (shmctl@1=EPERM is left out: when the kernel refuses IPC_RMID the segment rightly stays)
for rule in shmget@1=ENOMEM shmat@1=ENOMEM shmdt@1=EINVAL; do
  run --fault "$rule" --fail-on-leak -- "$bin/faults_bb_correct"
  check "correct under $rule: error exit 1, no leak, no crash" test "$status" -eq 1
  check "correct under $rule: no leak report" no_leaks
done
run --fault shmat@1=SIGKILL,after --isolate --fail-on-leak -- "$bin/faults_bb_correct"
check "correct killed after shmat: the crash shows (137), the segment is listed" \
  test "$status" -eq 137
check "--isolate lists what is left" grep -q 'left in the namespace: 1 shm segment' <<<"$out"

run -- "$bin/faults_bb_leaky"
check "leaky, no fault: clean" test "$status" -eq 0
run --fault shmat@1=ENOMEM -- "$bin/faults_bb_leaky"
check "leaky under shmat@1=ENOMEM: leak reported" grep -q '^shmfault: leak sysv-shm id=[0-9]* key=0x00005151' <<<"$out"
ipcrm --all >/dev/null 2>&1 || true
run --fault shmat@1=ENOMEM --fail-on-leak -- "$bin/faults_bb_leaky"
check "leaky with --fail-on-leak: status 1 and the report" test "$status" -eq 1
check "leaky report counts one object" grep -qx 'shmfault: 1 object(s) leaked' <<<"$out"
ipcrm --all >/dev/null 2>&1 || true

run -- "$bin/faults_bb_unchecked"
check "unchecked, no fault: clean" test "$status" -eq 0
run --fault shmat@1=EINVAL -- "$bin/faults_bb_unchecked"
check "unchecked under shmat@1=EINVAL: crashes with SIGSEGV" test "$status" -eq 139

run --fault shmat@1=ENOENT -- "$bin/faults_bb_correct"
check "bad rule: exit 2 before main" test "$status" -eq 2
check "bad rule: message" grep -q "'shmat@1=ENOENT': bad rule .*shmat cannot fail with ENOENT" <<<"$out"
run --bogus -- true
check "unknown option: exit 2" test "$status" -eq 2

trace=$(mktemp)
run --fault shmat@1=ENOMEM --trace "$trace" --count -- "$bin/faults_bb_correct"
check "--trace writes JSON lines" python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$trace"
check "--count prints the counts" grep -q 'shmfault: count pid=[0-9]* fn=shmget calls=1' <<<"$out"
rm -f "$trace"

[[ $fail -eq 0 ]] && echo "faults.runner: all ok"
exit $fail
