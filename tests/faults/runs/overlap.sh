#!/bin/sh
# overlap.sh PROGRAM DIR: two runs of PROGRAM alive at the same time (they meet at a FIFO).
rm -f "$2/fifo"
mkfifo "$2/fifo" || exit 1
"$1" hold "$2/fifo" &
"$1" release "$2/fifo"
rc=$?
wait $! || exit 1
exit "$rc"
