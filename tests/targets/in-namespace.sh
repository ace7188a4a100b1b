#!/bin/sh
# in-namespace.sh COMMAND [ARGS...]: run COMMAND in a private IPC namespace with a private
# tmpfs on /dev/shm, so the System V and POSIX objects a test creates (or leaks) are its own
# and vanish with it. Exit 77 (ctest: skipped) when namespaces are not available.
# shellcheck source=tests/lib/need.sh
. "$(dirname "$0")/../lib/need.sh"
need_namespaces
# SHMFUZZ_PRIVATE_IPC tells scripts that may remove *every* object they see that they are safe.
SHMFUZZ_PRIVATE_IPC=1
export SHMFUZZ_PRIVATE_IPC
exec unshare -im sh -c 'mount -t tmpfs -o mode=1777 none /dev/shm && exec "$@"' in-namespace "$@"
