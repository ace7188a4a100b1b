#!/usr/bin/env bash
# clean.sh SOURCE_DIR: in a private IPC + /dev/shm namespace, shmfuzz clean removes only what
# the record says shmfuzz created, still exactly that object and unused; every foreign object
# (keys in the ranges the old clean believed its own, a negative key, IPC_PRIVATE, POSIX names
# like shmfuzz's) stays; an attached segment and a semaphore set someone waits on stay, and
# the waiter gets no EIDRM; an object re-created under a recorded key stays; a running run's
# record is left alone; symlinks among the temporaries are not followed. Re-executes itself
# inside the namespace.
set -uo pipefail
if [[ ${CLI_CLEAN_INSIDE:-} != 1 ]]; then
  unshare -im true 2>/dev/null || { echo "skipped: needs namespaces (root)"; exit 77; }
  CLI_CLEAN_INSIDE=1 exec unshare -im sh -c 'mount -t tmpfs -o mode=1777 none /dev/shm && exec "$@"' \
    clean "$0" "$@"
fi
SFZ_SRC=$1
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
# the system's python (a version manager's shim costs 0.3 s a call; nobody cannot reach it)
PY=/usr/bin/python3; [[ -x $PY ]] || PY=$(command -v python3)
TOOL=("$PY" "$(dirname "$0")/ipc_tool.py")
export XDG_STATE_HOME=$WORK/state TMPDIR=$WORK/tmp
RECDIR=$XDG_STATE_HOME/shmfuzz/objects
mkdir -p "$RECDIR" "$TMPDIR" && chmod 700 "$XDG_STATE_HOME/shmfuzz" "$RECDIR"
REC=$RECDIR/run.1.0.0
: >"$REC" && chmod 600 "$REC"

die() { echo "FAIL: $*"; exit 1; }
mk() { "${TOOL[@]}" "$@" || die "cannot create: $*"; }
# rec_sysv shm|sem ID: the record line the harness writes (harness/src/record.c)
rec_sysv() { echo "$1 id=$2 $("${TOOL[@]}" stamp "$1" "$2")" >>"$REC"; }
# rec_posix posix-shm|posix-sem NAME PATH
rec_posix() { echo "$1 name=$2 dev=$(stat -c %d "$3") ino=$(stat -c %i "$3")" >>"$REC"; }
# Every System V object and /dev/shm file, with the identity that shows it was not replaced.
inventory() {
  awk 'NR > 1 { printf "shm %s %s %s\n", $1, $2, $14 }' /proc/sysvipc/shm
  awk 'NR > 1 { printf "sem %s %s %s\n", $1, $2, $10 }' /proc/sysvipc/sem
  stat -c 'posix %n %i' /dev/shm/* 2>/dev/null
}
exists() { [[ $("${TOOL[@]}" stamp "$1" "$2") != gone ]]; }

# --- foreign objects: never recorded, in every key range and under shmfuzz-like names ---
for key in 0x05340002 0x5346beef 0x53460001 0xdeadbeef 0x00000000; do
  mk shm "$key" >/dev/null
  mk sem "$key" >/dev/null
done
touch /dev/shm/shmfuzz-cache /dev/shm/sfz.data /dev/shm/sfz-file-0 /dev/shm/sfz.42.shm1
mk psem /sfz.x
foreign=$(inventory)

# --- recorded and unused: to be removed ---
rshm=$(mk shm 0x05340010) && rec_sysv shm "$rshm"
rsem=$(mk sem 0x05340011) && rec_sysv sem "$rsem"
rpriv=$(mk shm 0x00000000) && rec_sysv shm "$rpriv"
touch /dev/shm/sfz.77.shm0 && rec_posix posix-shm /sfz.77.shm0 /dev/shm/sfz.77.shm0
mk psem /sfz.77.sem0 && rec_posix posix-sem /sfz.77.sem0 /dev/shm/sem.sfz.77.sem0

# --- recorded, then removed and re-created by someone else under the same key or name ---
old=$(mk shm 0x05340020) && rec_sysv shm "$old"
ipcrm -m "$old" && again=$(mk shm 0x05340020)
old=$(mk sem 0x05340021) && rec_sysv sem "$old"
ipcrm -s "$old" && semagain=$(mk sem 0x05340021)
touch /dev/shm/sfz.78.shm0 && rec_posix posix-shm /sfz.78.shm0 /dev/shm/sfz.78.shm0
rm /dev/shm/sfz.78.shm0 && touch /dev/shm/sfz.78.shm0
reborn_ino=$(stat -c %i /dev/shm/sfz.78.shm0)

# --- a record line that matches a live object in all fields but one: the id came back for
#     another object (another key, another creator, another creation time): not ours ---
misrec() { # KIND ID FIELD VALUE: the record line of ID with FIELD set to VALUE
  local st
  st=$("${TOOL[@]}" stamp "$1" "$2" | sed -E "s/(^| )$3=[^ ]*/\1$3=$4/")
  echo "$1 id=$2 $st" >>"$REC"
}
otherkey=$(mk shm 0x05340051) && misrec shm "$otherkey" key 0x05340050
otheruser=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$PY" "${TOOL[1]}" sem 0x05340052 666) ||
  die "cannot create a set as another user"
misrec sem "$otheruser" cuid 0
stale=$(mk shm 0x05340053)
misrec shm "$stale" ctime "$(( $("${TOOL[@]}" stamp shm "$stale" | sed -E 's/.*ctime=([0-9]+).*/\1/') - 1 ))"
foreign+=$'\n'$(inventory | grep -E "^(shm [^ ]+ ($otherkey|$stale) |sem [^ ]+ $otheruser )") # foreign too

# --- recorded and in use: an attached segment, a set a process is blocked on ---
ashm=$(mk shm 0x05340030) && rec_sysv shm "$ashm"
mkfifo "$WORK/hold.in" "$WORK/hold.out" "$WORK/wait.out"
"${TOOL[@]}" attach "$ashm" <"$WORK/hold.in" >"$WORK/hold.out" &
exec {hold_w}>"$WORK/hold.in" {hold_r}<"$WORK/hold.out"
read -r line <&"$hold_r"; [[ $line == attached ]] || die "the holder did not attach"
ashm_stamp=$("${TOOL[@]}" stamp shm "$ashm")
wsem=$(mk sem 0x05340031) && rec_sysv sem "$wsem"
"${TOOL[@]}" semwait "$wsem" >"$WORK/wait.out" &
exec {wait_r}<"$WORK/wait.out"
read -r line <&"$wait_r"; [[ $line == waiting ]] || die "the waiter did not start"
mkfifo "$WORK/map.in" "$WORK/map.out" "$WORK/fd.in" "$WORK/fd.out"
touch /dev/shm/sfz.79.shm0 /dev/shm/sfz.79.shm1
rec_posix posix-shm /sfz.79.shm0 /dev/shm/sfz.79.shm0
rec_posix posix-shm /sfz.79.shm1 /dev/shm/sfz.79.shm1
"${TOOL[@]}" hold /dev/shm/sfz.79.shm0 map <"$WORK/map.in" >"$WORK/map.out" &
"${TOOL[@]}" hold /dev/shm/sfz.79.shm1 fd <"$WORK/fd.in" >"$WORK/fd.out" &
exec {map_w}>"$WORK/map.in" {map_r}<"$WORK/map.out" {fd_w}>"$WORK/fd.in" {fd_r}<"$WORK/fd.out"
read -r line <&"$map_r"; [[ $line == held ]] || die "the mapper did not map"
read -r line <&"$fd_r"; [[ $line == held ]] || die "the opener did not open"
# the event: the kernel counts the waiter (semncnt 1) once it is blocked in semop
for ((i = 0; i < 500; i++)); do
  [[ $("${TOOL[@]}" peek sem "$wsem") == *ncnt=1* ]] && break
done
[[ $("${TOOL[@]}" peek sem "$wsem") == *ncnt=1* ]] || die "the waiter never blocked"

# --- a running run's record: locked by its (live) run, left alone ---
LIVE=$RECDIR/run.2.0.0
lshm=$(mk shm 0x05340040) && REC=$LIVE rec_sysv shm "$lshm"
chmod 600 "$LIVE"
exec {live_lock}<"$LIVE" && flock -x "$live_lock"

# --- temporaries: an old one of ours goes; a symlink with the name does not lead anywhere ---
mkdir "$TMPDIR/shmfuzz-repro.old" "$WORK/target" && touch "$WORK/target/precious"
ln -s "$WORK/target" "$TMPDIR/shmfuzz-triage.link"
touch -h -d '2 hours ago' "$TMPDIR/shmfuzz-repro.old" "$TMPDIR/shmfuzz-triage.link"

record_before=$(cat "$REC")
everything=$(inventory)
run_sfz clean --dry-run
expect_status 0 "clean --dry-run"
[[ "$(inventory)" == "$everything" && "$(cat "$REC")" == "$record_before" && -d $TMPDIR/shmfuzz-repro.old ]] &&
  pass "dry run removes nothing and keeps the record" || fail "dry run changed something"
expect_in "$out" "would remove System V segment id $rshm " "dry run lists a recorded segment"

run_sfz clean
expect_status 0 "clean"
printf '%s\n' "$out" | sed 's/^/  | /'

# every foreign object is still there, the same object
missing=$(comm -23 <(sort <<<"$foreign") <(inventory | sort))
[[ -z $missing ]] && pass "no foreign object touched (old key ranges, negative key, IPC_PRIVATE, POSIX names)" ||
  fail "foreign objects removed or replaced: $missing"

# recorded, unused: removed
exists shm "$rshm" || exists sem "$rsem" || exists shm "$rpriv" && fail "a recorded unused System V object is still there" ||
  pass "recorded unused System V objects removed (keyed and IPC_PRIVATE)"
[[ ! -e /dev/shm/sfz.77.shm0 && ! -e /dev/shm/sem.sfz.77.sem0 ]] && pass "recorded POSIX objects removed" ||
  fail "a recorded POSIX object is still there"

# re-created by someone else under a recorded key or name: not the recorded object, stays
exists shm "$again" && exists sem "$semagain" && pass "re-created segment and set under a recorded key stay" ||
  fail "an object re-created under a recorded key was removed"
[[ $(stat -c %i /dev/shm/sfz.78.shm0 2>/dev/null) == "$reborn_ino" ]] && pass "re-created POSIX object stays" ||
  fail "a POSIX object re-created under a recorded name was removed"

exists shm "$otherkey" && pass "same id, another key: stays" || fail "an object with a recorded id but another key was removed"
exists sem "$otheruser" && pass "same id and key, another creator: stays" ||
  fail "an object with a recorded id and key but another creator was removed"
exists shm "$stale" && pass "same id and key, another ctime: stays" ||
  fail "an object with a recorded id and key but another ctime was removed"

# in use: stays, and the waiter is not woken with EIDRM
# (a removed segment stays until its last detach, with key 0: the stamp tells)
[[ $("${TOOL[@]}" stamp shm "$ashm") == "$ashm_stamp" ]] && pass "an attached recorded segment stays" ||
  fail "an attached segment was removed (now: $("${TOOL[@]}" stamp shm "$ashm"))"
exists sem "$wsem" && pass "a recorded set with a blocked waiter stays" || fail "a set with a waiter was removed"
"${TOOL[@]}" post "$wsem" 10 2>/dev/null
read -r line <&"$wait_r"
[[ $line == "done" ]] && pass "the waiter completed its semop (no EIDRM)" || fail "the waiter got: $line"

[[ -e /dev/shm/sfz.79.shm0 ]] && pass "a recorded POSIX object someone maps stays" ||
  fail "a mapped POSIX object was removed"
[[ -e /dev/shm/sfz.79.shm1 ]] && pass "a recorded POSIX object someone holds open stays" ||
  fail "an open POSIX object was removed"
# the holders end when their stdin closes (each inherited the others' pipes: close all)
exec {hold_w}>&- {map_w}>&- {fd_w}>&-
wait

# the record keeps exactly what is still to do: the in-use objects
kept=$(awk '{ print $1, $2 }' "$REC" | sort | tr '\n' ' ')
want=$(printf '%s\n' "shm id=$ashm" "sem id=$wsem" posix-shm\ name=/sfz.79.shm{0,1} | sort | tr '\n' ' ')
[[ $kept == "$want" ]] && pass "record keeps the in-use entries only" || fail "record now: $kept (want $want)"

# the live run's record and object
exists shm "$lshm" && [[ -s $LIVE ]] && pass "a running run's record and objects are left alone" ||
  fail "a running run's objects were cleaned"
exec {live_lock}<&-

# temporaries
[[ ! -e $TMPDIR/shmfuzz-repro.old ]] && pass "an old temporary directory of ours removed" ||
  fail "the old temporary directory is still there"
[[ -L $TMPDIR/shmfuzz-triage.link && -e $WORK/target/precious ]] && pass "a symlinked temporary is not followed" ||
  fail "a symlink among the temporaries was followed or removed"

# second pass: now the live run is gone, its unused object goes; the in-use objects are gone too
ipcrm -m "$ashm"; ipcrm -s "$wsem"; rm /dev/shm/sfz.79.shm0 /dev/shm/sfz.79.shm1
run_sfz clean
expect_status 0 "second clean"
! exists shm "$lshm" && [[ ! -e $LIVE && ! -e $REC ]] &&
  pass "once its run is over, a record is acted on and emptied records are removed" ||
  fail "second clean: live object or record files left: $(ls "$RECDIR")"

# an object that cannot be removed (a read-only /dev/shm: EROFS, even for root) is said and
# stays recorded
: >"$REC" && chmod 600 "$REC"
touch /dev/shm/sfz.80.shm0 && rec_posix posix-shm /sfz.80.shm0 /dev/shm/sfz.80.shm0
mount -o remount,ro /dev/shm || die "cannot make /dev/shm read-only"
run_sfz clean
mount -o remount,rw /dev/shm
expect_status 0 "clean that cannot remove an object"
expect_in "$out" "^kept POSIX shared memory /sfz.80.shm0: cannot remove it" "it says what it cannot remove"
[[ -e /dev/shm/sfz.80.shm0 && $(cat "$REC" 2>/dev/null) == "posix-shm name=/sfz.80.shm0 "* ]] &&
  pass "what it cannot remove stays recorded" || fail "record after a failed removal: $(cat "$REC" 2>/dev/null)"
finish
