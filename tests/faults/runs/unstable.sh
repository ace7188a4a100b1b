#!/bin/sh
# unstable.sh PROGRAM DIR: creates and removes PROGRAM's set once, and twice on its 2nd start
# (counted in DIR/starts): clean runs that disagree on how many runs of PROGRAM there are.
n=$(cat "$2/starts" 2>/dev/null || echo 0)
echo $((n + 1)) >"$2/starts"
if [ "$n" = 1 ]; then
  "$1" create && "$1" remove || exit 1
fi
"$1" create && "$1" remove
