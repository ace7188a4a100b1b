# summary: remove the IPC objects and temporary files shmfuzz left behind, nothing else
# shellcheck shell=bash
# What is ours is decided by names and keys the harness and the adapters use (docs/cli.md):
#   System V keys 0x53460000-0x5346ffff (fixed per slot: raw and libshmipc adapters) and
#   0x05300000-0x053fffff (raw ops without a private namespace: pid-tagged)
#   POSIX names in /dev/shm: sfz.*, sfz-file-*, sem.sfz.*, shmfuzz-*
#   temporary files ${TMPDIR:-/tmp}/shmfuzz-{repro,min,triage,cmin}.* not touched for an hour
#   with --outputs: ./shmfuzz-out (campaign out dirs; their findings go with them)
# Only the current user's objects are removed; a segment someone is still attached to stays.

sfz_clean_usage() {
  cat <<'USAGE'
usage: shmfuzz clean [--dry-run] [--outputs]

  Removes what shmfuzz itself creates and may leave behind after a killed run, and nothing
  else: System V segments and semaphore sets whose key is in shmfuzz's ranges
  (0x53460000-0x5346ffff, 0x05300000-0x053fffff), POSIX objects in /dev/shm named sfz.*,
  sfz-file-*, sem.sfz.* or shmfuzz-*, and shmfuzz's temporary files
  (${TMPDIR:-/tmp}/shmfuzz-{repro,min,triage,cmin}.*) untouched for an hour.
  Only objects of the current user; segments still attached are left alone. Campaigns and
  tests normally run in private namespaces and leave nothing; this is the safety net.

  --dry-run   list what would be removed, remove nothing
  --outputs   also remove ./shmfuzz-out (out dirs of fuzz, demo, ci, enumerate: findings too)

exit status: 0 done, 2 usage error
USAGE
}

# Our key ranges, as [low, high] pairs.
SFZ_CLEAN_KEYS=(0x53460000 0x5346ffff 0x05300000 0x053fffff)

sfz_key_ours() {
  local k=$1 i
  for ((i = 0; i < ${#SFZ_CLEAN_KEYS[@]}; i += 2)); do
    ((k >= SFZ_CLEAN_KEYS[i] && k <= SFZ_CLEAN_KEYS[i + 1])) && return 0
  done
  return 1
}

sfz_clean_said() {
  if [[ $1 == 1 ]]; then echo "would remove $2"; else echo "removed $2"; fi
}

sfz_cmd_clean() {
  local dry=0 outputs=0
  while [[ $# -gt 0 ]]; do
    case $1 in
      -h|--help) sfz_clean_usage; return 0 ;;
      --dry-run) dry=1 ;;
      --outputs) outputs=1 ;;
      *) sfz_bad_option clean "$1" ;;
    esac
    shift
  done
  local uid n=0 key id nattch cuid f
  uid=$(id -u)

  # System V segments: key shmid perms size cpid lpid nattch uid gid cuid ...
  while read -r key id _ _ _ _ nattch _ _ cuid _; do
    [[ $key =~ ^-?[0-9]+$ ]] || continue
    ((key < 0)) && key=$((key + 4294967296))
    sfz_key_ours "$key" && [[ $cuid == "$uid" && $nattch == 0 ]] || continue
    [[ $dry == 1 ]] || ipcrm -m "$id" 2>/dev/null || continue
    sfz_clean_said "$dry" "$(printf 'System V segment key 0x%08x (id %s)' "$key" "$id")"; n=$((n + 1))
  done </proc/sysvipc/shm
  # semaphore sets: key semid perms nsems uid gid cuid ...
  while read -r key id _ _ _ _ cuid _; do
    [[ $key =~ ^-?[0-9]+$ ]] || continue
    ((key < 0)) && key=$((key + 4294967296))
    sfz_key_ours "$key" && [[ $cuid == "$uid" ]] || continue
    [[ $dry == 1 ]] || ipcrm -s "$id" 2>/dev/null || continue
    sfz_clean_said "$dry" "$(printf 'System V semaphore set key 0x%08x (id %s)' "$key" "$id")"; n=$((n + 1))
  done </proc/sysvipc/sem
  for f in /dev/shm/sfz.* /dev/shm/sfz-file-* /dev/shm/sem.sfz.* /dev/shm/shmfuzz-*; do
    [[ -e $f && $(stat -c %u "$f") == "$uid" ]] || continue
    [[ $dry == 1 ]] || rm -f -- "$f" || continue
    sfz_clean_said "$dry" "POSIX object /${f#/dev/shm/}"; n=$((n + 1))
  done
  while IFS= read -r -d '' f; do
    [[ $dry == 1 ]] || rm -rf -- "$f" || continue
    sfz_clean_said "$dry" "temporary $f"; n=$((n + 1))
  done < <(find "${TMPDIR:-/tmp}" -maxdepth 1 \( -name 'shmfuzz-repro.*' -o -name 'shmfuzz-min.*' \
    -o -name 'shmfuzz-triage.*' -o -name 'shmfuzz-cmin.*' \) -user "$uid" -mmin +60 -print0 2>/dev/null)
  if [[ $outputs == 1 && -d shmfuzz-out ]]; then
    [[ $dry == 1 ]] || rm -rf -- shmfuzz-out
    sfz_clean_said "$dry" "out dirs $PWD/shmfuzz-out"; n=$((n + 1))
  fi
  sfz_info "clean: $n item(s) $([[ $dry == 1 ]] && echo "to remove (dry run)" || echo removed)"
}
