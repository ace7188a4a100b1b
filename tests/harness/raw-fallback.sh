#!/usr/bin/env bash
# shellcheck disable=SC2034 # some variables are read only by check's conditions (eval)
# raw-fallback.sh REPLAY SOURCE_DIR: the raw op set without a private namespace (the
# unprivileged fallback, reached by running the replay as nobody, who cannot unshare) never
# opens, changes or removes an object it did not create, even one sitting at its exact key or
# name; what it creates is recorded, shared between its workers and removed; and the record
# of a run killed half-way lets `shmfuzz clean` remove what the run left. The "host" is a
# private IPC + mount namespace this test owns. Re-executes itself inside it.
set -uo pipefail
if [[ ${RAW_FALLBACK_INSIDE:-} != 1 ]]; then
  unshare -im true 2>/dev/null || { echo "skipped: needs root for private IPC and mount namespaces"; exit 77; }
  command -v strace >/dev/null || { echo "skipped: strace is needed to kill a run at an exact call"; exit 77; }
  RAW_FALLBACK_INSIDE=1 exec unshare -im sh -c 'mount -t tmpfs -o mode=1777 none /dev/shm && exec "$@"' \
    raw-fallback "$0" "$@"
fi
REPLAY=$1 SRC=$2
# the system's python (a version manager's shim costs 0.3 s a call; nobody cannot reach it)
PY=/usr/bin/python3; [[ -x $PY ]] || PY=$(command -v python3)
TOOL=("$PY" "$SRC/tests/cli/ipc_tool.py")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/raw-fallback.XXXXXX") && chmod 755 "$WORK"
trap 'rm -rf "$WORK"' EXIT
STATE=$WORK/state
mkdir "$STATE" && chown 65534:65534 "$STATE"
AS_NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups env "XDG_STATE_HOME=$STATE" HOME=/nonexistent)
FAILED=0
fail() { echo "FAIL: $*"; FAILED=1; }
pass() { echo "ok: $*"; }
check() { if eval "$1"; then pass "$2"; else fail "$2"; fi; }
nobodys() { # System V objects and /dev/shm files of nobody's
  awk 'NR > 1 && $10 == 65534 { print "shm", $2 }' /proc/sysvipc/shm
  awk 'NR > 1 && $7 == 65534 { print "sem", $2 }' /proc/sysvipc/sem
  find /dev/shm -user 65534
}

# --- 1. foreign objects at the keys and names of slot 0 of the pid the replay will run as (exec
#        keeps it), made by another program of the same user (nobody: the one whose objects the
#        run could really open, change or remove), then the replay as nobody ---
cat >"$WORK/prog.txt" <<'EOF'
procs 2
p0 shmget slot=0 key=slot size=4096 flags=none
p0 shmget slot=0 key=slot size=4096 flags=creat
p0 shmat slot=0 mode=rw
p0 shm_write slot=0 off=0 len=8 byte=66
p0 semget slot=0 key=slot nsems=1 flags=none
p0 semget slot=0 key=slot nsems=1 flags=creat
p0 semctl slot=0 cmd=setval
p0 shm_open slot=0 flags=rdwr
p0 shm_open slot=0 flags=creat|trunc
p0 shm_unlink slot=0
p0 sem_open slot=0 flags=creat
p0 sem_post slot=0
p0 sem_unlink slot=0
p0 shmget slot=1 key=slot size=4096 flags=creat|excl
p1 shmget slot=1 key=slot size=4096 flags=none
p1 shmat slot=1 mode=rw
p0 semget slot=1 key=slot nsems=1 flags=creat
p1 semget slot=1 key=slot nsems=1 flags=none
p0 shm_open slot=1 flags=creat
p1 shm_open slot=1 flags=rdwr
p0 sem_open slot=1 flags=creat
p1 sem_open slot=1 flags=none
p0 shmget slot=2 key=private size=4096 flags=creat
EOF
chmod 644 "$WORK/prog.txt"
# shellcheck disable=SC2016 # expanded by the inner shell, whose pid the replay inherits
bash -c '
  W=$1 T=$2 PY=$3; shift 3
  other=(setpriv --reuid=65534 --regid=65534 --clear-groups)
  read -r k0 _ < <("$PY" "$T" rawkeys $$)
  "${other[@]}" "$PY" "$T" shm "$k0" >"$W/fshm" &&
    "${other[@]}" "$PY" "$T" sem "$k0" >"$W/fsem" || exit 99
  "${other[@]}" sh -c "printf foreign >\$1" foreign "/dev/shm/sfz.$$.shm0" &&
    "${other[@]}" "$PY" "$T" psem "/sfz.$$.sem0" || exit 99
  echo $$ >"$W/pid"
  exec "$@"' launch "$WORK" "${TOOL[1]}" "$PY" "${AS_NOBODY[@]}" "$REPLAY" "$WORK/prog.txt" >"$WORK/out" 2>&1
status=$?
out=$(cat "$WORK/out")
check '[[ $status == 0 ]]' "the fallback run ends with verdict ok (exit $status)"
grep -q "no private IPC namespace" <<<"$out" && pass "the replay ran in the fallback" ||
  { fail "the replay did not fall back: the test proves nothing"; echo "$out" | tail -5; }
ENOENT=("shmget slot=0 key=slot size=4096 flags=none" "semget slot=0 key=slot nsems=1 flags=none"
        "shm_open slot=0 flags=rdwr" "shm_unlink slot=0" "sem_unlink slot=0")
EEXIST=("shmget slot=0 key=slot size=4096 flags=creat" "semget slot=0 key=slot nsems=1 flags=creat"
        "shm_open slot=0 flags=creat|trunc" "sem_open slot=0 flags=creat")
for op in "${ENOENT[@]}"; do
  grep -qF "p0 $op => failed ENOENT" <<<"$out" && pass "$op: absent for this run (ENOENT)" || fail "$op did not fail with ENOENT"
done
for op in "${EEXIST[@]}"; do
  grep -qF "p0 $op => failed EEXIST" <<<"$out" && pass "$op: created exclusively, the foreign one is not taken (EEXIST)" ||
    fail "$op was not made exclusive"
done
for op in "shmget slot=1 key=slot size=4096 flags=none" "shmat slot=1 mode=rw" \
          "semget slot=1 key=slot nsems=1 flags=none" "shm_open slot=1 flags=rdwr" "sem_open slot=1 flags=none"; do
  grep -qF "p1 $op => ok" <<<"$out" && pass "another worker reaches the run's own object: $op" || fail "p1 $op did not succeed"
done
pid=$(cat "$WORK/pid")
foreign=$(printf '%s\n' "shm $(cat "$WORK/fshm")" "sem $(cat "$WORK/fsem")" /dev/shm/sem.sfz."$pid".sem0 \
  /dev/shm/sfz."$pid".shm0 | sort)
check '[[ $("${TOOL[@]}" peek shm "$(cat "$WORK/fshm")") == "data=FFFFFFFF nattch=0" ]]' \
  "the foreign segment at the run's key is there, unwritten, unattached"
check '[[ $("${TOOL[@]}" peek sem "$(cat "$WORK/fsem")") == "value=5 ncnt=0 zcnt=0" ]]' \
  "the foreign semaphore set at the run's key is there, its value unchanged"
check '[[ $(cat /dev/shm/sfz.$pid.shm0 2>/dev/null) == foreign ]]' \
  "the foreign POSIX object under the run's name is there, not truncated"
check '[[ -e /dev/shm/sem.sfz.$pid.sem0 ]]' "the foreign POSIX semaphore under the run's name is there"
check '[[ $(nobodys | sort) == "$foreign" ]]' "everything the run created is removed, only the foreign objects are left"
check '[[ -z $(ls "$STATE/shmfuzz/objects") ]]' "a run that removed all it created leaves no record file"

# --- 2. a run SIGKILLed in its teardown (at the executor's second unlink: strace counts per
#        process, and the worker's only unlink is inside sem_open): its record survives, and
#        shmfuzz clean removes what it left, as nobody ---
cat >"$WORK/prog2.txt" <<'EOF'
procs 1
p0 sem_open slot=1 flags=creat
p0 shm_open slot=1 flags=creat
p0 shmget slot=1 key=slot size=4096 flags=creat
p0 semget slot=1 key=slot nsems=1 flags=creat
p0 shmget slot=2 key=private size=4096 flags=creat
EOF
chmod 644 "$WORK/prog2.txt"
(strace -f -qq -o /dev/null -e trace=unlink -e inject=unlink:signal=SIGKILL:when=2 \
  "${AS_NOBODY[@]}" "$REPLAY" "$WORK/prog2.txt" >"$WORK/out2" || :) 2>/dev/null
left=$(nobodys)
rec=("$STATE"/shmfuzz/objects/run.*)
check '[[ ${#rec[@]} == 1 && -f ${rec[0]} ]]' "the killed run's record file is there"
kinds=$(awk '{ print $1 }' "${rec[0]}" 2>/dev/null | sort | tr '\n' ' ')
check '[[ $kinds == "posix-sem posix-shm sem shm shm " ]]' "it has one whole line per object created ($kinds)"
check '[[ $(comm -23 <(sort <<<"$left") <(echo "$foreign") | grep -c .) -ge 4 ]]' "the killed run left objects behind"
everything=$("${TOOL[@]}" peek shm "$(cat "$WORK/fshm")")
"${AS_NOBODY[@]}" "HOME=$WORK" python3 "$SRC/scripts/shmfuzz" clean >"$WORK/clean" 2>&1
check '[[ $? == 0 ]]' "shmfuzz clean as the run's user"
sed 's/^/  | /' "$WORK/clean"
check '[[ $(nobodys | sort) == "$foreign" ]]' "clean removed every object the killed run recorded, and only those"
check '[[ -z $(ls "$STATE/shmfuzz/objects") ]]' "and emptied its record"
check '[[ $("${TOOL[@]}" peek shm "$(cat "$WORK/fshm")") == "$everything" && -e /dev/shm/sfz.$pid.shm0 ]]' \
  "foreign objects untouched by clean"
[[ $FAILED == 0 ]] && echo "all checks passed"
exit "$FAILED"
