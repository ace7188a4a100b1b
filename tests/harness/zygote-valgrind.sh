#!/usr/bin/env bash
# zygote-valgrind.sh REPLAY PROGRAM...: the executor under Valgrind memcheck reports nothing of
# its own on multi-process programs and the hostile peer's: the zygote leaves its pages alone
# there (the kernel lists the tool's own mappings, and the tool does not know what the page
# scans write), and the peer's look-ups by index give the tool memory it sees written.
# Exit 77 without valgrind or the namespaces.
set -uo pipefail
replay=$1
shift
# shellcheck source=tests/lib/need.sh
. "$(dirname "$0")/../lib/need.sh"
need_built "$replay"
need_namespaces
need_tool valgrind
out=$(unshare -im valgrind --tool=memcheck -q --error-exitcode=99 "$replay" "$@" 2>&1)
rc=$?
if [[ $rc == 99 ]] || grep -q '^==[0-9]*== ' <<<"$out"; then
  grep '^==[0-9]*== ' <<<"$out" | head -n 20
  echo "FAIL: memcheck reported errors (exit $rc)"
  exit 1
fi
n=$(grep -c '^verdict: ok' <<<"$out")
[[ $n == "$#" ]] || { echo "$out" | tail -n 20; echo "FAIL: $n of $# verdicts ok"; exit 1; }
echo "ok: $# programs clean under memcheck"
