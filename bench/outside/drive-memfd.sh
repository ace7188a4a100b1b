#!/usr/bin/env bash
# drive-memfd.sh DIR: a-darwish/memfd-examples as its README runs it: `server` listens on
# ./unix_socket and, for each client, makes a memfd, writes a message, seals it (shrink,
# write, seal) and passes the descriptor over the socket; `client` checks the seals hold and
# prints the message. Run in a scratch directory (the socket's path is relative); the client
# starts once the socket exists (builtin-only wait, no sleep) or the server has ended; the
# server serves forever, so the script stops it after the client.
set -u
dir=$1
work=$(mktemp -d)
cd "$work" || exit 1
"$dir/server" >/dev/null &
s=$!
until [[ -S unix_socket ]]; do
  if ! kill -0 "$s" 2>/dev/null; then
    wait "$s"
    rc=$?
    rm -rf "$work"
    exit "$rc"
  fi
done
"$dir/client"
rc=$?
kill "$s" 2>/dev/null
wait "$s" 2>/dev/null
rm -rf "$work"
exit "$rc"
