#!/usr/bin/env bash
# drive-psem.sh DIR: BradChang/misc's POSIX named-semaphore tools in the order of their
# README (create, wait in the background, getvalue, post, unlink), as a shell script a user
# would write: stop at the first tool that fails, and always stop the waiter and unlink.
set -u
dir=$1
sem=/demo
waiter=""
cleanup() {
  [[ -z $waiter ]] || kill "$waiter" 2>/dev/null
  "$dir/psem-unlink" "$sem" 2>/dev/null
}
trap cleanup EXIT
"$dir/psem-create" -c "$sem" || exit 1
"$dir/psem-wait" "$sem" &
waiter=$!
"$dir/psem-getvalue" "$sem" || exit 1
"$dir/psem-post" "$sem" || exit 1
wait "$waiter" || { waiter=""; exit 1; }
waiter=""
"$dir/psem-unlink" "$sem" || exit 1
trap - EXIT
