#!/usr/bin/env bash
# peer-valgrind.sh REPLAY PROGRAM...: the executor under Valgrind memcheck reports nothing of
# its own on the hostile peer's programs, forked workers among them: the peer's look-ups by
# index (SHM_INFO, SHM_STAT_ANY, which memcheck does not know) give it memory it sees written.
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
