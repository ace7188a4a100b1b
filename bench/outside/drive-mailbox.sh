#!/usr/bin/env bash
# drive-mailbox.sh DIR: vanillaSky00/operating-systems' lab 1 (os_2025_lab1) in its shared
# memory mode (2): `sender 2 FILE` makes a System V segment (key from ftok(".")) and the
# POSIX named semaphores /sem_empty and /sem_full, and sends FILE line by line, then "EOF",
# posting /sem_full and waiting on /sem_empty for each; `receiver 2` attaches the segment,
# opens the semaphores (no O_CREAT), prints each message until "EOF", then removes the
# segment and unlinks both semaphores. Run in a scratch directory (ftok's path is "."), with
# a three-line input instead of their 99-line input.txt (fewer points, the same protocol).
# The receiver starts once /sem_full exists or the sender has ended (builtin-only wait).
# The script fails when either program does.
set -u
dir=$1
work=$(mktemp -d)
cd "$work" || exit 1
printf 'first line\nsecond line\nthird line\n' >input.txt
"$dir/sender" 2 input.txt >/dev/null &
s=$!
until [[ -e /dev/shm/sem.sem_full ]]; do
  if ! kill -0 "$s" 2>/dev/null; then
    wait "$s"
    rc=$?
    rm -rf "$work"
    exit "$rc"
  fi
done
"$dir/receiver" 2
rc=$?
wait "$s" || rc=$?
rm -rf "$work"
exit "$rc"
