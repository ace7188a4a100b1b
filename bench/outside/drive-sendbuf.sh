#!/usr/bin/env bash
# drive-sendbuf.sh DIR: mrundle/shmem_sendbuf's own demo (its test.sh), as a user would script
# it: prog1 (creates the POSIX segment, prints what arrives) in the background, prog2 sends a
# file through it, then prog1 is stopped. test.sh waits "sleep 1" for prog1; this waits until
# the segment has its size (prog1's ftruncate) or prog1 has ended, so no run depends on luck.
# The wait uses builtins only (no sleep process): every run forks the same number of times,
# so the fault points (fork@N of bash) are the same in every run.
set -u
dir=$1
name=/dev/shm/simplex_shmbuf_example
"$dir/prog1" >"${TMPDIR:-/tmp}/sendbuf.out" &
p1=$!
until [[ -s $name ]]; do
  if ! kill -0 "$p1" 2>/dev/null; then
    wait "$p1"
    exit $?
  fi
done
"$dir/prog2" <"$dir/shmem_sendbuf.h"
rc=$?
kill "$p1"
wait "$p1" 2>/dev/null
exit "$rc"
