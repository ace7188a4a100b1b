#!/usr/bin/env bash
# clean.sh SOURCE_DIR: in a private IPC + /dev/shm namespace, shmfuzz clean removes objects in
# shmfuzz's key ranges and names and leaves a foreign segment, a foreign POSIX object and an
# attached segment of ours alone. Re-executes itself inside the namespace.
set -uo pipefail
if [[ ${CLI_CLEAN_INSIDE:-} != 1 ]]; then
  unshare -im true 2>/dev/null || { echo "skipped: needs namespaces (root)"; exit 77; }
  CLI_CLEAN_INSIDE=1 exec unshare -im sh -c 'mount -t tmpfs -o mode=1777 none /dev/shm && exec "$@"' \
    clean "$0" "$@"
fi
SFZ_SRC=$1
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

# shmget(key, 4096, IPC_CREAT | 0600) for each key; with "attach", a child holds the last one.
mkseg() {
  python3 - "$@" <<'PY'
import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
for k in sys.argv[1:]:
    key = int(k, 16)
    key = key - (1 << 32) if key >= (1 << 31) else key
    if libc.shmget(ctypes.c_int(key), ctypes.c_size_t(4096), 0o1000 | 0o600) < 0:
        sys.exit(f"shmget {k}: errno {ctypes.get_errno()}")
PY
}
keys() { awk 'NR > 1 { printf "0x%08x\n", $1 }' /proc/sysvipc/shm | sort | tr '\n' ' '; }

mkseg 0x12345678 0x53460101 0x05301234 0x53470000 || { echo "FAIL: cannot create segments"; exit 1; }
touch /dev/shm/sfz-file-0 /dev/shm/sfz.42.shm1 /dev/shm/foreign /dev/shm/sem.foreign
run_sfz clean --dry-run
expect_status 0 "clean --dry-run"
[[ "$(keys)" == "0x05301234 0x12345678 0x53460101 0x53470000 " ]] && pass "dry run removes nothing" ||
  fail "dry run changed: $(keys)"
expect_in "$out" "would remove System V segment key 0x53460101" "dry run lists ours"

run_sfz clean
expect_status 0 "clean"
[[ "$(keys)" == "0x12345678 0x53470000 " ]] && pass "ours removed, foreign segments survive" ||
  fail "segments left: $(keys)"
[[ -e /dev/shm/foreign && -e /dev/shm/sem.foreign ]] && pass "foreign POSIX objects survive" ||
  fail "a foreign POSIX object was removed"
[[ ! -e /dev/shm/sfz-file-0 && ! -e /dev/shm/sfz.42.shm1 ]] && pass "our POSIX objects removed" ||
  fail "our POSIX objects are still there"
finish
