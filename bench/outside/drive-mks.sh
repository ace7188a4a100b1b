#!/usr/bin/env bash
# drive-mks.sh DIR: Theod0reWu/mksSemaphores' control tool: create the segment, semaphore and
# story file (-c), view the story (-v), remove everything (-r), in a scratch directory (the
# tools work on ./story.txt). Its write tool is left out: it crashes on every run (fgets into
# an uninitialised pointer), so no clean run of a chain holding it can pass. When a step
# fails the script removes what -c made (control -r), as a careful user's script would, so
# that what is left is the tools' doing, not the script's.
set -eu
dir=$1
work=$(mktemp -d)
trap '"$dir/control" -r >/dev/null 2>&1; rm -rf "$work"' EXIT
cd "$work"
"$dir/control" -c
"$dir/control" -v
"$dir/control" -r
trap 'rm -rf "$work"' EXIT
