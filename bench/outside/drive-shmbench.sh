#!/usr/bin/env bash
# drive-shmbench.sh DIR: harish24039/IPC's shared-memory benchmark (SM/): `writer` creates the
# POSIX segment /myshm (110 MB, a flag and a buffer) and, from its stdin menu, sends N
# messages, spinning on the flag until `reader` has taken each one; `reader` prints what it
# takes and never ends. The README starts the reader first, but it opens /myshm without
# O_CREAT and exits 1 if the writer has not made it yet, so the writer goes first here: the
# reader starts once the segment has its size (or the writer has ended), and is stopped when
# the writer is done. The wait uses builtins only (no sleep: no luck, and the same forks in
# every run). Menu: latency test, 64-byte messages, 20 of them, then exit.
set -u
dir=$1
name=/dev/shm/myshm
"$dir/writer" <<<$'1\n64\n20\n3' >/dev/null &
w=$!
until [[ -s $name ]]; do
  if ! kill -0 "$w" 2>/dev/null; then
    wait "$w"
    exit $?
  fi
done
"$dir/reader" >/dev/null &
r=$!
wait "$w"
rc=$?
kill "$r" 2>/dev/null
wait "$r" 2>/dev/null
exit "$rc"
