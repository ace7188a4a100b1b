#!/usr/bin/env bash
# drive-shr.sh DIR: troydhanson/shr's shr-tool (a multi-process ring buffer in a file mapped
# MAP_SHARED) as its README shows it: create a ring in /dev/shm, write two frames from stdin
# lines, read them back in another process, print the counters, remove the ring file.
# shr-tool read exits 255 even after reading its -N frames (handle_io's path out leaves rc at
# -1), so its exit status says nothing: the script checks what it read instead.
set -eu
dir=$1
ring=/dev/shm/shr-outside-ring
trap 'rm -f "$ring"' EXIT
"$dir/shr-tool" create -s 1m "$ring"
printf 'one\ntwo\n' | "$dir/shr-tool" write "$ring"
got=$("$dir/shr-tool" read -N 2 "$ring") || true
[[ $got == onetwo ]] || { echo "drive-shr: read '$got', not the two frames" >&2; exit 1; }
"$dir/shr-tool" status "$ring"
