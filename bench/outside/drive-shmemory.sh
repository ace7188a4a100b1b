#!/usr/bin/env bash
# drive-shmemory.sh DIR: aldoz-a/shmemory's benchmark as its README runs it: `processes`
# creates the POSIX segment (a process-shared mutex and condition variable inside), forks and
# execs `reader` and `writer` by relative path (so from DIR), waits for both, removes it.
# run.sh builds it with N_MESSAGES 2000 instead of 2000000 (data.h), so a run takes
# milliseconds instead of a minute; the protocol and every error path are the same.
set -eu
cd "$1"
exec ./processes
