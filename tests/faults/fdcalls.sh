#!/usr/bin/env bash
# shellcheck disable=SC2317 # the case_* functions are called by name from the command line
# fdcalls.sh CASE LIB PROG PROG64: which calls are fault points (issue 10, items 3 and 8).
# PROG64 is tests/faults/fdcalls.c built with -D_FILE_OFFSET_BITS=64. Run inside
# tests/targets/in-namespace.sh (private IPC namespace, /dev/shm and mounts).
set -euo pipefail
case_name=${1:?usage: fdcalls.sh CASE LIB PROG PROG64}
lib=${2:?} prog=${3:?} prog64=${4:?}
work=$(mktemp -d)
trap 'umount "$work/tmpfs" 2>/dev/null || true; rm -rf "$work"' EXIT
fail=0

# shellcheck source=tests/lib/check.sh
. "$(dirname "$0")/../lib/check.sh"

# A descriptor number that held a shm object and now holds an unrelated tmpfs file is not a
# fault point; a real shm fd and a memfd still are.
case_reuse() {
  mkdir "$work/tmpfs"
  mount -t tmpfs none "$work/tmpfs"
  local out want
  out=$(SHMFAULT_RULES='ftruncate=EIO' LD_PRELOAD="$lib" "$prog" reuse "$work/tmpfs")
  want=$'ftruncate(tmpfs file on a closed shm fd\'s number) ok
ftruncate(tmpfs file on a closed memfd\'s number) ok
ftruncate(shm fd) failed EIO
ftruncate(memfd) failed EIO'
  same "ftruncate=EIO: reused numbers pass, shm and memfd fds fail" "$want" "$out"
}

# Programs built for large files call mmap64 and ftruncate64: the same rows, the same rules.
case_lfs() {
  local out
  check "the large-file build links mmap64 and ftruncate64" \
    test "$(nm -D "$prog64" | grep -cE ' U (mmap64|ftruncate64)@')" -eq 2
  for p in "$prog" "$prog64"; do
    out=$(SHMFAULT_RULES='mmap@1=ENOMEM;ftruncate@1=EFBIG' LD_PRELOAD="$lib" "$p" lfs)
    same "$(basename "$p"): mmap@1=ENOMEM, ftruncate@1=EFBIG" \
      $'ftruncate failed EFBIG\nmmap failed ENOMEM' "$out"
    out=$(SHMFAULT_COUNT=1 LD_PRELOAD="$lib" "$p" lfs 2>&1 >/dev/null | grep -oE 'fn=[a-z_0-9]+ calls=[0-9]+' | sort | tr '\n' ' ')
    same "$(basename "$p"): counted under the table's names" \
      "fn=ftruncate calls=1 fn=mmap calls=1 fn=munmap calls=1 fn=shm_open calls=1 fn=shm_unlink calls=1 " "$out"
  done
}

# A rule whose function the tree never called is said once at exit; nothing else is.
case_unfired() {
  local err
  err=$(SHMFAULT_RULES='ftruncate@1=EIO;shmctl@1=EIDRM;semop=EINTR' LD_PRELOAD="$lib" "$prog64" lfs 2>&1 >/dev/null)
  same "never-called functions named, one line each" \
    "shmfault: rule 1 'shmctl@1=EIDRM' never fired: shmctl was never called
shmfault: rule 2 'semop=EINTR' never fired: semop was never called" "$err"
  err=$(SHMFAULT_RULES='ftruncate@2=EIO;mmap(MAP_FIXED)@1=ENOMEM' LD_PRELOAD="$lib" "$prog" lfs 2>&1 >/dev/null)
  same "called but never matched: nothing said" "" "$err"
  err=$(SHMFAULT_RULES='shmctl@5=EIDRM' LD_PRELOAD="$lib" "$prog" child-shmctl 2>&1 >/dev/null)
  same "called by a forked child only: nothing said" "" "$err"
  err=$(SHMFAULT_RULES='semop@1=EINTR' LD_PRELOAD="$lib" "$prog" child-shmctl 2>&1 >/dev/null)
  same "a tree that forked: nothing said (a child may have exec'd)" "" "$err"
  # shellcheck disable=SC2016 # $1 is the inner shell's
  err=$(SHMFAULT_RULES='shmctl@1=EIDRM' LD_PRELOAD="$lib" bash -c '"$1" lfs; "$1" lfs; true' sh "$prog" 2>&1 >/dev/null)
  same "a preloaded shell and the images it runs: nothing said (their calls are out of sight)" "" "$err"
  err=$(SHMFAULT_RULES='shmctl@1=EIDRM' LD_PRELOAD="$lib" bash -c '"$1" lfs' sh "$prog" 2>&1 >/dev/null)
  same "one image exec'd by a preloaded shell: said by that image" \
    "shmfault: rule 0 'shmctl@1=EIDRM' never fired: shmctl was never called" "$err"
  err=$(SHMFAULT_ARM=never SHMFAULT_RULES='shmctl@1=EIDRM' LD_PRELOAD="$lib" "$prog" lfs 2>&1 >/dev/null)
  same "never armed: nothing said" "" "$err"
  err=$(SHMFAULT_RULES='ftruncate=EIO,times=2;munmap@3-4=EINVAL;semop(SEM_UNDO)p0.25=EAGAIN,proc=children' \
    LD_PRELOAD="$lib" "$prog" nothing 2>&1 >/dev/null)
  same "the rule as written" \
    "shmfault: rule 0 'ftruncate=EIO,times=2' never fired: ftruncate was never called on a shm_open/memfd_create descriptor
shmfault: rule 1 'munmap@3-4=EINVAL' never fired: munmap was never called on a MAP_SHARED mapping
shmfault: rule 2 'semop(SEM_UNDO)p0.25=EAGAIN,proc=children' never fired: semop was never called" "$err"
}

"case_$case_name"
exit $fail
