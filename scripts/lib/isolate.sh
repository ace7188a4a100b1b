# isolate.sh: run a command in its own IPC, mount and PID namespaces (sourced, not run).
# shellcheck shell=bash
# An IPC namespace isolates System V objects only: POSIX shm and named semaphores are files in
# /dev/shm, so a private tmpfs is mounted there too. The PID namespace makes hung peers die
# with the run. At the end, what is left in the namespace is listed on stderr.

# sfz_isolate CMD ARGS...: run CMD isolated; its exit status is ours. SFZ_ISOLATE_LEFT_STATUS,
# if set, is returned instead of a 0 status when objects were left in the namespace.
sfz_isolate() {
  if [[ $(id -u) -ne 0 ]] || ! unshare --ipc --mount --pid --fork --mount-proc true 2>/dev/null; then
    sfz_die "--isolate needs root and namespaces (unshare --ipc --mount --pid)"
  fi
  # shellcheck disable=SC2016 # expanded by the inner shell
  SFZ_SUPPRESS_AWK=$SHMFUZZ_SCRIPTS/lib/suppress.awk unshare --ipc --mount --pid --fork --mount-proc sh -c '
    mount -t tmpfs -o mode=1777 tmpfs /dev/shm || exit 2
    "$@"
    rc=$?
    # what is left, minus what SHMFAULT_SUPPRESSIONS names (suppress.awk); the kernel prints a
    # key as a signed int: 0xdeadbeef is -559038737 (awk would clamp it to 0)
    left=$( { tail -n +2 /proc/sysvipc/shm | awk "{k = \$1; if (k < 0) k += 4294967296; printf \"sysv-shm key=0x%08x id=%s size=%s\\n\", k, \$2, \$4}"
              tail -n +2 /proc/sysvipc/sem | awk "{k = \$1; if (k < 0) k += 4294967296; printf \"sysv-sem key=0x%08x id=%s nsems=%s\\n\", k, \$2, \$4}"
              ls -A /dev/shm | sed "s|^|/dev/shm/|"; } | awk -v supp="${SHMFAULT_SUPPRESSIONS:-}" -f "$SFZ_SUPPRESS_AWK")
    shm=$(printf "%s\n" "$left" | grep -c "^sysv-shm")
    sem=$(printf "%s\n" "$left" | grep -c "^sysv-sem")
    names=$(printf "%s\n" "$left" | grep -c "^/dev/shm/")
    if [ "$shm" -gt 0 ] || [ "$sem" -gt 0 ] || [ "$names" -gt 0 ]; then
      echo "shmfuzz: isolate: left in the namespace: $shm shm segment(s), $sem semaphore set(s), $names /dev/shm name(s)" >&2
      printf "%s\n" "$left" | grep -v "^suppressed " | sed "s|^|shmfuzz: isolate:   |" >&2
      if [ "$rc" -eq 0 ] && [ -n "${SFZ_ISOLATE_LEFT_STATUS:-}" ]; then rc=$SFZ_ISOLATE_LEFT_STATUS; fi
    fi
    printf "%s\n" "$left" | sed -n "s|^suppressed \(.*\)|shmfuzz: isolate: \1 object(s) left as SHMFAULT_SUPPRESSIONS allows|p" >&2
    exit "$rc"
  ' sfz-isolate "$@"
}
