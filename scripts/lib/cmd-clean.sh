# summary: remove the IPC objects and temporary files shmfuzz recorded leaving behind, nothing else
# shellcheck shell=bash
# What is ours is decided from the record the harness writes when it creates an object outside
# a private namespace (harness/src/record.c, docs/harness.md), never from a key range or a name
# pattern: other programs use those keys and names too. A record line is acted on only while
# the object is still exactly the one recorded (System V: same id, key, ctime and creator;
# POSIX: same name, device and inode, owned by us) and nobody uses it (no attachment, no
# process waiting on a semaphore, no process mapping or holding a POSIX object open).
# Also removed: shmfuzz's own temporary directories (mktemp names below, ours, not symlinks)
# untouched for an hour, and with --outputs ./shmfuzz-out.

sfz_clean_usage() {
  cat <<'USAGE'
usage: shmfuzz clean [--dry-run] [--outputs]

  Removes what shmfuzz itself recorded creating and left behind after a killed run, and
  nothing else. Campaigns and tests normally run in private IPC and mount namespaces (root)
  and leave nothing on the host. Without root the harness records every System V segment,
  semaphore set and POSIX object it creates in
    ${XDG_STATE_HOME:-$HOME/.local/state}/shmfuzz/objects/run.*   (one file per run)
  and clean removes a recorded object only if it is still exactly the one recorded (same id,
  key, ctime and creator; same name, device and inode) and not in use (a segment with no
  attachment, a semaphore set nobody waits on, a POSIX object nobody maps or holds open).
  Records of objects that are gone are dropped; objects it cannot remove stay recorded.
  The file of a run that is still running is left alone.
  Also removed: shmfuzz's temporary directories ${TMPDIR:-/tmp}/shmfuzz-{repro,min,triage,cmin}.*
  of the current user untouched for an hour.

  --dry-run   list what would be removed, remove nothing, change no record
  --outputs   also remove ./shmfuzz-out (out dirs of fuzz, demo, ci, enumerate: findings too)

exit status: 0 done, 2 usage error
USAGE
}

# The record directory, if it is a real directory of ours that nobody else can write.
sfz_clean_record_dir() {
  local base=${XDG_STATE_HOME:-}
  [[ $base == /* ]] || base=${HOME:-}/.local/state
  [[ $base == /* ]] || return 1
  local dir=$base/shmfuzz/objects
  [[ -d $dir && ! -L $dir ]] || return 1
  local owner mode
  read -r owner mode < <(stat -c '%u %a' -- "$dir")
  if [[ $owner != "$SFZ_CLEAN_UID" || $((8#$mode & 8#022)) != 0 ]]; then
    sfz_info "clean: $dir is not a private directory of yours: its records are not used"
    return 1
  fi
  printf '%s\n' "$dir"
}

# sfz_clean_field LINE NAME: the value of NAME=... in a record line.
sfz_clean_field() {
  local f fields
  read -ra fields <<<"$1"
  for f in "${fields[@]}"; do
    [[ $f == "$2="* ]] && { printf '%s\n' "${f#*=}"; return 0; }
  done
  return 1
}

# sfz_clean_sysv_row shm|sem ID: the /proc/sysvipc row of ID as "key ctime cuid nattch"
# (nattch 0 for a semaphore set); nothing if there is none.
sfz_clean_sysv_row() {
  if [[ $1 == shm ]]; then
    # key shmid perms size cpid lpid nattch uid gid cuid cgid atime dtime ctime ...
    awk -v id="$2" '$2 == id { print $1, $14, $10, $7 }' /proc/sysvipc/shm
  else
    # key semid perms nsems uid gid cuid cgid otime ctime
    awk -v id="$2" '$2 == id { print $1, $10, $7, 0 }' /proc/sysvipc/sem
  fi
}

# Whether any process waits on a semaphore of set ID (semncnt or semzcnt > 0).
sfz_clean_sem_waited() {
  ipcs -s -i "$1" 2>/dev/null | awk '/^semnum/ { t = 1; next } t && NF >= 4 && ($3 > 0 || $4 > 0) { w = 1 } END { exit !w }'
}

# Whether a process we can see maps PATH or holds it open. The /dev/shm paths in use are read
# once per clean, from the maps and fds of every process we may read (the user's own).
sfz_clean_posix_used() {
  if [[ -z ${SFZ_CLEAN_USED+set} ]]; then
    SFZ_CLEAN_USED=$(
      cat /proc/[0-9]*/maps 2>/dev/null | awk '$6 ~ /^\/dev\/shm\// { print $6 }'
      find /proc/[0-9]*/fd -maxdepth 1 -lname '/dev/shm/*' -printf '%l\n' 2>/dev/null
    )
  fi
  grep -qxF -- "$1" <<<"$SFZ_CLEAN_USED"
}

# sfz_clean_entry LINE: acts on one record line. Prints what it did; returns 0 to drop the line
# (removed, or the object is gone), 1 to keep it.
sfz_clean_entry() {
  local line=$1 kind=${1%% *}
  case $kind in
    shm|sem) sfz_clean_sysv "$kind" "$line" ;;
    posix-shm|posix-sem) sfz_clean_posix "$kind" "$line" ;;
    *) sfz_info "clean: a record line it does not understand is kept: $line"; return 1 ;;
  esac
}

sfz_clean_sysv() {
  local kind=$1 id key ctime cuid rkey rctime rcuid nattch what
  if ! { id=$(sfz_clean_field "$2" id) && key=$(sfz_clean_field "$2" key) &&
    ctime=$(sfz_clean_field "$2" ctime) && cuid=$(sfz_clean_field "$2" cuid) &&
    [[ $id =~ ^[0-9]+$ && $key =~ ^0x[0-9a-f]{8}$ ]]; }; then
    sfz_info "clean: bad record line kept: $2"; return 1
  fi
  what=$(printf 'System V %s id %s key %s' "$([[ $kind == shm ]] && echo segment || echo 'semaphore set')" "$id" "$key")
  read -r rkey rctime rcuid nattch < <(sfz_clean_sysv_row "$kind" "$id") || true
  [[ -n $rkey ]] && rkey=$(printf '0x%08x' $(( rkey < 0 ? rkey + 4294967296 : rkey )))
  if [[ -z $rkey || $rkey != "$key" || $rctime != "$ctime" || $rcuid != "$cuid" || $cuid != "$SFZ_CLEAN_UID" ]]; then
    echo "forgot $what: gone, or no longer the object recorded"
    return 0
  fi
  if [[ $nattch != 0 ]]; then
    echo "kept $what: attached ($nattch)"; return 1
  fi
  if [[ $kind == sem ]] && sfz_clean_sem_waited "$id"; then
    echo "kept $what: a process waits on it"; return 1
  fi
  [[ $SFZ_CLEAN_DRY == 1 ]] && { echo "would remove $what"; SFZ_CLEAN_N=$((SFZ_CLEAN_N + 1)); return 1; }
  if ipcrm "$([[ $kind == shm ]] && echo -m || echo -s)" "$id" 2>/dev/null; then
    echo "removed $what"; SFZ_CLEAN_N=$((SFZ_CLEAN_N + 1)); return 0
  fi
  echo "kept $what: cannot remove it"; return 1
}

sfz_clean_posix() {
  local kind=$1 name dev ino path rdev rino ruid rtype what
  if ! { name=$(sfz_clean_field "$2" name) && dev=$(sfz_clean_field "$2" dev) &&
    ino=$(sfz_clean_field "$2" ino) && [[ $name =~ ^/[^/]+$ ]]; }; then
    sfz_info "clean: bad record line kept: $2"; return 1
  fi
  if [[ $kind == posix-sem ]]; then
    path=/dev/shm/sem.${name#/}; what="POSIX semaphore $name"
  else
    path=/dev/shm/${name#/}; what="POSIX shared memory $name"
  fi
  # stat without -L: a symlink is never taken for the object
  IFS=: read -r rdev rino ruid rtype < <(stat -c '%d:%i:%u:%F' -- "$path" 2>/dev/null) || true
  if [[ $rtype != regular* || $rdev != "$dev" || $rino != "$ino" || $ruid != "$SFZ_CLEAN_UID" ]]; then
    echo "forgot $what: gone, or no longer the object recorded"
    return 0
  fi
  if sfz_clean_posix_used "$path"; then
    echo "kept $what: a process maps it or holds it open"; return 1
  fi
  [[ $SFZ_CLEAN_DRY == 1 ]] && { echo "would remove $what"; SFZ_CLEAN_N=$((SFZ_CLEAN_N + 1)); return 1; }
  if rm -f -- "$path"; then
    echo "removed $what"; SFZ_CLEAN_N=$((SFZ_CLEAN_N + 1)); return 0
  fi
  echo "kept $what: cannot remove it"; return 1
}

# One run's record file: skipped while the run holds its lock; otherwise each line is acted
# on, and the file keeps only the lines still needed (removed when none is).
sfz_clean_record_file() {
  local f=$1 fd line kept=()
  [[ -f $f && ! -L $f && $(stat -c %u -- "$f") == "$SFZ_CLEAN_UID" ]] || return 0
  exec {fd}<"$f" || return 0
  if ! flock -n -x "$fd"; then
    echo "skipped record $f: its run is still running"
    exec {fd}<&-
    return 0
  fi
  while IFS= read -r line || [[ -n $line ]]; do
    [[ -z $line ]] && continue
    sfz_clean_entry "$line" || kept+=("$line")
  done <"$f"
  if [[ $SFZ_CLEAN_DRY != 1 ]]; then
    if [[ ${#kept[@]} == 0 ]]; then
      rm -f -- "$f"
    else
      printf '%s\n' "${kept[@]}" >"$f"
    fi
  fi
  exec {fd}<&-
}

sfz_clean_records() {
  local dir f
  dir=$(sfz_clean_record_dir) || return 0
  for f in "$dir"/run.*; do
    [[ -e $f ]] && sfz_clean_record_file "$f"
  done
}

sfz_clean_temporaries() {
  local f
  # mktemp -d names of shmfuzz's commands; ours, real directories or files, not symlinks
  while IFS= read -r -d '' f; do
    [[ $SFZ_CLEAN_DRY == 1 ]] || rm -rf -- "$f" || continue
    sfz_clean_said "temporary $f"
  done < <(find "${TMPDIR:-/tmp}" -maxdepth 1 \( -name 'shmfuzz-repro.*' -o -name 'shmfuzz-min.*' \
    -o -name 'shmfuzz-triage.*' -o -name 'shmfuzz-cmin.*' \) \( -type d -o -type f \) \
    -user "$SFZ_CLEAN_UID" -mmin +60 -print0 2>/dev/null)
}

sfz_clean_said() {
  if [[ $SFZ_CLEAN_DRY == 1 ]]; then echo "would remove $1"; else echo "removed $1"; fi
  SFZ_CLEAN_N=$((SFZ_CLEAN_N + 1))
}

sfz_cmd_clean() {
  local outputs=0
  SFZ_CLEAN_DRY=0
  while [[ $# -gt 0 ]]; do
    case $1 in
      -h|--help) sfz_clean_usage; return 0 ;;
      --dry-run) SFZ_CLEAN_DRY=1 ;;
      --outputs) outputs=1 ;;
      *) sfz_bad_option clean "$1" ;;
    esac
    shift
  done
  SFZ_CLEAN_UID=$(id -u)
  SFZ_CLEAN_N=0
  unset SFZ_CLEAN_USED
  sfz_clean_records
  sfz_clean_temporaries
  if [[ $outputs == 1 && -d shmfuzz-out && ! -L shmfuzz-out ]]; then
    if [[ $(stat -c %u shmfuzz-out) == "$SFZ_CLEAN_UID" ]]; then
      [[ $SFZ_CLEAN_DRY == 1 ]] || rm -rf -- shmfuzz-out
      sfz_clean_said "out dirs $PWD/shmfuzz-out"
    else
      sfz_info "clean: $PWD/shmfuzz-out is not yours: left alone"
    fi
  fi
  sfz_info "clean: $SFZ_CLEAN_N item(s) $([[ $SFZ_CLEAN_DRY == 1 ]] && echo "to remove (dry run)" || echo removed)"
}
