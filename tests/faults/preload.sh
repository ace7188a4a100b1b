#!/usr/bin/env bash
# shellcheck disable=SC2317 # the case_* functions are called by name from the command line
# preload.sh CASE LIB PROG TABLE_DUMP: libshmfault through LD_PRELOAD on tests/faults/prog.c.
# Run inside tests/targets/in-namespace.sh (private IPC namespace and /dev/shm): it counts and
# removes every object it sees. CASE is one of the functions below (ctest runs each alone).
set -euo pipefail
case_name=${1:?usage: preload.sh CASE LIB PROG TABLE_DUMP}
lib=${2:?} prog=${3:?} dump=${4:?}
if [[ "${SHMFUZZ_PRIVATE_IPC:-}" != 1 ]]; then
  echo "preload.sh: run me through in-namespace.sh (I remove every IPC object)" >&2
  exit 2
fi
# shellcheck source=tests/lib/need.sh
. "$(dirname "$0")/../lib/need.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0

# shellcheck source=tests/lib/check.sh
. "$(dirname "$0")/../lib/check.sh"
nshm() { tail -n +2 /proc/sysvipc/shm | wc -l; }
# pre RULES ARGS...: run prog under the preload with RULES; output in $out, status in $status
pre() {
  local rules=$1; shift
  set +e
  out=$(SHMFAULT_RULES="$rules" LD_PRELOAD="$lib" "$@" 2>&1)
  status=$?
  set -e
}

# Every documented errno of every function, injected at the function's first call.
case_errnos() {
  local fn err n=0
  while read -r fn err; do
    reset_ns
    pre "$fn@1=$err" "$prog" call "$fn"
    if [[ "$out" != *"$fn failed $err"* ]]; then
      echo "FAIL $fn@1=$err: $out (exit $status)"; fail=1
    fi
    n=$((n + 1))
  done < <("$dump")
  echo "checked $n (function, errno) pairs"
  # An empty or truncated dump must not pass as "every pair checked": as many pairs as
  # faults/src/functions.def lists errnos (counted from the source, not from the library).
  local want
  want=$(sed -n '/^SF_FN/,$p' "$(dirname "$0")/../../faults/src/functions.def" | grep -v '^ *[/*]' |
    grep -oE '\bE[A-Z0-9]+\b' | wc -l)
  check "checked every documented pair ($n of $want)" test "$n" -eq "$want" -a "$n" -gt 0
  # and without a rule each call succeeds
  while read -r fn; do
    reset_ns
    pre "" "$prog" call "$fn"
    check "$fn passes through untouched" test "$out" = "$fn ok"
  done < <("$dump" | cut -d' ' -f1 | uniq)
}

# A crash before the real call leaves nothing; after it, the object exists.
case_crash() {
  reset_ns
  pre "shmget@1=SIGKILL" "$prog" shm-create 0x4242
  check "SIGKILL before shmget: killed" test "$status" -eq 137
  check "SIGKILL before shmget: no segment" test "$(nshm)" -eq 0
  pre "shmget@1=SIGKILL,after" "$prog" shm-create 0x4242
  check "SIGKILL after shmget: killed" test "$status" -eq 137
  check "SIGKILL after shmget: the segment exists" test "$(nshm)" -eq 1
  reset_ns
  pre "shm_open@1=exit(3)" "$prog" posix-create /crash
  check "exit(3) before shm_open: status 3, no name" test "$status" -eq 3 -a ! -e /dev/shm/crash
  pre "shm_open@1=exit(3),after" "$prog" posix-create /crash
  check "exit(3) after shm_open: status 3, name exists" test "$status" -eq 3 -a -e /dev/shm/crash
  reset_ns
  pre "ftruncate@1=SIGBUS" "$prog" posix-create /crash
  check "SIGBUS at ftruncate" test "$status" -eq 135
  pre "shmget@1=abort" "$prog" shm-create 0x4243
  check "abort at shmget" test "$status" -eq 134
  pre "shmget@1=SIGSEGV" "$prog" shm-create 0x4243
  check "SIGSEGV at shmget" test "$status" -eq 139
}

# The ledger reports exactly the leaked objects, nothing on a clean program.
case_ledger() {
  reset_ns
  set +e
  out=$(SHMFAULT_LEDGER=stderr LD_PRELOAD="$lib" "$prog" leaky 2>&1)
  set -e
  check "leak report: sysv-shm" grep -qE '^shmfault: leak sysv-shm id=[0-9]+ key=0x00001234 size=4096 creator=[0-9]+ site=0x' <<<"$out"
  check "leak report: sysv-sem" grep -qE '^shmfault: leak sysv-sem id=[0-9]+ key=0x00001235 nsems=2 ' <<<"$out"
  check "leak report: posix-shm" grep -qE '^shmfault: leak posix-shm name=/leaky creator=' <<<"$out"
  check "leak report: count" grep -qx 'shmfault: 3 object(s) leaked' <<<"$out"
  # second run: the objects exist already, IPC_CREAT finds them: this run created nothing
  set +e
  out=$(SHMFAULT_LEDGER=stderr LD_PRELOAD="$lib" "$prog" leaky 2>&1)
  set -e
  check "existing objects are not this run's leaks" test "$out" = "done"
  reset_ns
  set +e
  out=$(SHMFAULT_LEDGER=stderr SHMFAULT_LEAK_EXIT=9 LD_PRELOAD="$lib" "$prog" clean 2>&1)
  status=$?
  set -e
  check "clean program: no report, status 0" test "$out" = "done" -a "$status" -eq 0
  reset_ns
  set +e
  SHMFAULT_LEAK_EXIT=9 LD_PRELOAD="$lib" "$prog" leaky >/dev/null 2>&1
  status=$?
  set -e
  check "SHMFAULT_LEAK_EXIT=9 on a leak" test "$status" -eq 9
  reset_ns
  printf '# by design\nsysv-shm key=0x1234\nposix-shm name=/lea*\n' >"$work/supp"
  set +e
  out=$(SHMFAULT_SUPPRESSIONS="$work/supp" SHMFAULT_LEDGER=stderr LD_PRELOAD="$lib" "$prog" leaky 2>&1)
  set -e
  check "suppressions: only the semaphore set left" grep -qx 'shmfault: 1 object(s) leaked' <<<"$out"
  reset_ns
  set +e
  out=$(SHMFAULT_LEDGER=stderr LD_PRELOAD="$lib" "$prog" removed-by-other 2>&1)
  set -e
  check "objects removed by someone else are not leaks" test -z "$out"
  # Attribution: the parent's removed segment and name are not leaks; the child's (same key,
  # same name) are, and they are blamed on the child (its pid), not on the parent or any pid.
  reset_ns
  set +e
  out=$(SHMFAULT_LEDGER=stderr LD_PRELOAD="$lib" "$prog" child-leaks 2>&1)
  set -e
  local child
  child=$(sed -n 's/^child \([0-9][0-9]*\)$/\1/p' <<<"$out")
  check "child-leaks ran (child pid '$child')" test -n "$child"
  check "leak blamed on the child that made it (creator=$child)" \
    grep -qE "^shmfault: leak sysv-shm id=[0-9]+ key=0x00001241 size=4096 creator=$child site=0x" <<<"$out"
  check "the child's /attrib is blamed on the child too" \
    grep -qE "^shmfault: leak posix-shm name=/attrib creator=$child " <<<"$out"
  check "the parent's removed objects are not reported" grep -qx 'shmfault: 2 object(s) leaked' <<<"$out"
}

# Trace lines are JSON with the documented keys in order.
case_trace() {
  need_tool python3
  reset_ns
  pre "shmat@1=ENOMEM" env SHMFAULT_TRACE="$work/trace" "$prog" call shmat
  check "trace: program saw the fault" test "$out" = "shmat failed ENOMEM"
  check "trace: lines parse back" python3 -c '
import json, sys
keys = ["pid", "fn", "call", "args", "ret", "errno", "injected", "rule", "caller", "run", "overlap"]
lines = [json.loads(l) for l in open(sys.argv[1])]
assert lines, "empty trace"
for l in lines:
    assert list(l.keys()) == keys, l
inj = [l for l in lines if l["injected"]]
assert len(inj) == 1 and inj[0]["fn"] == "shmat" and inj[0]["injected"] == "ENOMEM", inj
assert inj[0]["errno"] == "ENOMEM" and inj[0]["rule"] == 0 and inj[0]["call"] == 1, inj
assert any(l["fn"] == "shmget" and l["injected"] is None for l in lines)
assert all(l["run"] == 1 and l["overlap"] is False for l in lines), "one process: run 1"
' "$work/trace"
  # The EINTR facts (docs/faults.md): a last key, only on the calls it is about.
  local fn
  for fn in semop semtimedop sem_wait sem_timedwait; do
    rm -f "$work/trace.$fn"
    pre "" env SHMFAULT_TRACE="$work/trace.$fn" "$prog" call "$fn"
    check "trace: $fn says whether EINTR can happen" python3 -c '
import json, sys
fn = sys.argv[2]
last = {"semop": "would_sleep", "semtimedop": "would_sleep"}.get(fn, "handler")
keys = ["pid", "fn", "call", "args", "ret", "errno", "injected", "rule", "caller", "run", "overlap"]
lines = [json.loads(l) for l in open(sys.argv[1])]
mine = [l for l in lines if l["fn"] == fn]
assert len(mine) == 1 and list(mine[0].keys()) == keys + [last], lines
assert mine[0][last] is False, mine  # no handler; a zero-wait on 0 with IPC_NOWAIT
assert all(list(l.keys()) == keys for l in lines if l["fn"] != fn), lines
' "$work/trace.$fn" "$fn"
  done
  rm -f "$work"/t.*
  pre "" env SHMFAULT_TRACE="$work/t.%p" "$prog" forks
  check "trace: %p gives one file per process (4)" test "$(find "$work" -name 't.*' | wc -l)" -eq 4
}

# Same output with the library loaded and no rule: threads and forks.
case_transparent() {
  local plain
  for what in threads forks; do
    reset_ns
    plain=$("$prog" "$what" 2>&1)
    pre "" "$prog" "$what"
    check "$what: same output with the library loaded" test "$out" = "$plain"
    pre "semop@1000000=EINVAL" "$prog" "$what"
    check "$what: same output with a rule that never fires" test "$out" = "$plain"
  done
  pre "" "$prog" threads
  check "threads: 800 increments counted" test "$out" = "semval 800"
}

# pP rules replay exactly with the same seed, and differ with another.
case_determinism() {
  local a b c
  pre "semop p0.5" "$prog" prob 64 || true
  check "probability rule refused without '='" test "$status" -eq 2
  a=$(SHMFAULT_SEED=7 SHMFAULT_RULES="semop@p0.5=EAGAIN" LD_PRELOAD="$lib" "$prog" prob 64)
  b=$(SHMFAULT_SEED=7 SHMFAULT_RULES="semop@p0.5=EAGAIN" LD_PRELOAD="$lib" "$prog" prob 64)
  c=$(SHMFAULT_SEED=8 SHMFAULT_RULES="semop@p0.5=EAGAIN" LD_PRELOAD="$lib" "$prog" prob 64)
  echo "seed 7: $a"; echo "seed 8: $c"
  check "same seed, same faults" test "$a" = "$b"
  check "other seed, other faults" test "$a" != "$c"
  check "p0.5 fails some and passes some" grep -q 'x.*\.\|\..*x' <<<"$a"
  a=$(SHMFAULT_RULES="semop@3-5=EAGAIN;semop%10=EINTR" LD_PRELOAD="$lib" "$prog" prob 20)
  check "@3-5 and %10" test "$a" = "..xxx....x.........x"
  a=$(SHMFAULT_RULES="semop@2+=EAGAIN,times=3" LD_PRELOAD="$lib" "$prog" prob 8)
  check "@2+ with times=3" test "$a" = ".xxx...."
  # Classes filter and count only matching calls (prob's semop calls carry IPC_NOWAIT).
  a=$(SHMFAULT_RULES="semop(SEM_UNDO)=EAGAIN" LD_PRELOAD="$lib" "$prog" prob 4)
  check "a class no call has never fires" test "$a" = "...."
  a=$(SHMFAULT_RULES="semop(IPC_NOWAIT)@2=EAGAIN" LD_PRELOAD="$lib" "$prog" prob 4)
  check "a class every call has: @2 is its second call" test "$a" = ".x.."
}

# AFL++'s own segments are never failed: shmat=ENOMEM still lets the engine attach its map.
case_afl() {
  need_tool afl-showmap # its check is half of this case: no quiet pass without it
  reset_ns
  local id other
  id=$(ipcmk -M 4096 | grep -oE '[0-9]+$')
  other=$(ipcmk -M 4096 | grep -oE '[0-9]+$')
  set +e
  out=$(__AFL_SHM_ID=$id SHMFAULT_RULES="shmat=ENOMEM" LD_PRELOAD="$lib" "$prog" attach "$id" 2>&1)
  set -e
  check "shmat of __AFL_SHM_ID is not failed" test "$out" = "shmat ok"
  set +e
  out=$(__AFL_SHM_ID=$id SHMFAULT_RULES="shmat=ENOMEM" LD_PRELOAD="$lib" "$prog" attach "$other" 2>&1)
  set -e
  check "shmat of another id is" test "$out" = "shmat failed ENOMEM"
  set +e
  AFL_PRELOAD="$lib" SHMFAULT_RULES="shmat=ENOMEM" AFL_QUIET=1 \
    afl-showmap -q -o "$work/map" -- "$prog" hello >"$work/showmap.log" 2>&1
  status=$?
  set -e
  check "afl-showmap runs a program under AFL_PRELOAD + shmat=ENOMEM" \
    grep -q 'main reached' "$work/showmap.log"
  [[ $status -eq 0 ]] || cat "$work/showmap.log"
}

# A bad rule stops the program before main, with the rule, position and reason, exit 2.
case_badrule() {
  pre "shmat@2=ENOENT" "$prog" hello
  check "undocumented errno: exit 2" test "$status" -eq 2
  check "message names rule, position and reason" grep -qF \
    "shmfault: bad rule 'shmat@2=ENOENT' at position 8: shmat cannot fail with ENOENT (documented: EACCES EIDRM EINVAL ENOMEM" <<<"$out"
  check "main never ran" test "${out/main reached/}" = "$out"
  pre "shmget@1=ENOMEM;shmatt=EINVAL" "$prog" hello
  check "unknown function suggests the closest" grep -qF "at position 16: unknown function 'shmatt' (did you mean shmat?)" <<<"$out"
  pre "shmat@2=!ENOENT" "$prog" call shmat
  check "!ERRNO forces an undocumented errno" test "$out" = "shmat ok"
  pre "shmat@1=!ENOENT" "$prog" call shmat
  check "!ENOENT injected" test "$out" = "shmat failed ENOENT"
  set +e
  out=$(SHMFAULT_RULE="x" LD_PRELOAD="$lib" "$prog" hello 2>&1)
  set -e
  check "misspelt variable: warned with a suggestion" grep -qF "unknown variable SHMFAULT_RULE ignored (did you mean SHMFAULT_RULES?)" <<<"$out"
  printf 'shmat@1=ENOMEM  # the first attach\n\nsemop@2=EXDEV\n' >"$work/rules"
  set +e
  out=$(SHMFAULT_RULES_FILE="$work/rules" LD_PRELOAD="$lib" "$prog" hello 2>&1)
  status=$?
  set -e
  check "rules file: error names the file" grep -qF "bad rule 'semop@2=EXDEV' in $work/rules at position 44" <<<"$out"
}

"case_${case_name}"
[[ $fail -eq 0 ]] && echo "faults.$case_name: all ok"
exit $fail
