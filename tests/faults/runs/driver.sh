#!/bin/sh
# driver.sh PROGRAM: runs PROGRAM three times, one after another, like a tool chain's script
# (create, use, remove); the removal runs even when the use fails.
"$1" create || exit 1
"$1" use
rc=$?
"$1" remove || exit 1
exit "$rc"
