#!/usr/bin/env bash
# drive-eltex-sysv.sh DIR: Byleon2361/Eltex's System V pair (task14/SystemV): `server` makes
# a segment and a set of two semaphores (keys from ftok("server"), so it runs from DIR),
# writes under semaphore 0, waits on semaphore 1, prints, removes both; `client` opens them,
# writes under semaphore 0 and posts semaphore 1. The client starts once the set exists (it
# opens without IPC_CREAT), seen in /proc/sysvipc/sem of this IPC namespace, or when the
# server has ended; the wait reads that file with builtins only (no sleep, no grep: the same
# forks in every run). The script fails when either program does.
set -u
cd "$1" || exit 1
./server &
s=$!
sem_set_exists() {
  local n=0
  while read -r _; do n=$((n + 1)); done </proc/sysvipc/sem
  [[ $n -gt 1 ]] # the first line is the header
}
until sem_set_exists; do
  if ! kill -0 "$s" 2>/dev/null; then
    wait "$s"
    exit $?
  fi
done
./client
rc=$?
wait "$s" || exit $?
exit "$rc"
