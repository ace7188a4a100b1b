#!/usr/bin/env bash
# drive-eltex-posix.sh DIR: Byleon2361/Eltex's POSIX pair (task14/POSIX): `server` makes
# the segment /server and the named semaphores /semLockData and /semWait, writes under the
# first, waits on the second, prints, unlinks all three; `client` opens them (no O_CREAT),
# writes under the first and posts the second. The client starts once /semWait exists (the
# server's last object) or the server has ended: a builtin-only wait, no sleep. The script
# fails when either program does.
set -u
dir=$1
"$dir/server" &
s=$!
until [[ -e /dev/shm/sem.semWait ]]; do
  if ! kill -0 "$s" 2>/dev/null; then
    wait "$s"
    exit $?
  fi
done
"$dir/client"
rc=$?
wait "$s" || exit $?
exit "$rc"
