#!/usr/bin/env bash
# repro-triage.sh SOURCE_DIR DEV_BUILD: repro of a catalogue reproducer (finding on the bug
# target: exit 1; ok on the hardened twin: exit 0; --trace shows libshmfault's calls), target
# inference from the corpus layout, and triage grouping two copies of one finding.
set -uo pipefail
SFZ_SRC=$1
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
use_build dev "$2"
# --trace and --valgrind are real checks of this test: without their tools it cannot run them,
# so it skips (and fails under CI=true) instead of passing without them.
[[ -f $2/lib/libshmfault.so ]] || need_skip "$2/lib/libshmfault.so is not built (repro --trace needs it)"
need_tool valgrind
repro=$SFZ_SRC/corpus/regressions/shmipc-ring/ring-off-by-one.txt

run_sfz repro "$repro"
expect_status 1 "repro of the ring-off-by-one reproducer on its # target: bug-ring-off-by-one"
expect_in "$out" "^== program" "repro prints the decoded program"
expect_in "$out" "^verdict: FINDING data:" "repro prints the verdict"
expect_in "$err" "reproduces FINDING data" "repro says it reproduces"

run_sfz repro "$repro" --target shmipc-ring --trace
expect_status 0 "the same input on the hardened shmipc-ring"
expect_in "$out" '"fn":"(shmget|semget)"' "repro --trace shows libshmfault's trace"

# an unknown --target is a usage error that names it, for each command that replays an input
for c in repro minimize triage; do
  what=$repro; [[ $c == triage ]] && what=$(dirname "$repro")
  run_sfz "$c" "$what" --target no-such-target
  expect_status 2 "$c --target no-such-target"
  expect_in "$err" "unknown target 'no-such-target'" "$c names the unknown target"
done

run_sfz repro "$SFZ_SRC/corpus/shmipc-kv/seeds/lifecycle.txt"
expect_status 0 "a seed without # target: header: target from corpus/<target>/"

leak=$SFZ_SRC/corpus/regressions/shmipc-kv/handle-leak.txt
run_sfz repro "$leak" --valgrind
expect_status 1 "repro --valgrind: the heap leak of bug-handle-leak (in a forked worker)"
run_sfz repro "$leak" --valgrind --target shmipc-kv
expect_status 0 "repro --valgrind: the hardened shmipc-kv leaks nothing"

cp "$repro" "$WORK/a.txt"; cp "$repro" "$WORK/b"
cp "$SFZ_SRC/corpus/shmipc-ring/seeds/pingpong.txt" "$WORK/ok-seed"
mkdir "$WORK/t" && mv "$WORK/a.txt" "$WORK/b" "$WORK/ok-seed" "$WORK/t/"
mv "$WORK/t/a.txt" "$WORK/t/a"
run_sfz triage "$WORK/t" --target bug-ring-off-by-one
expect_status 1 "triage of two copies of one finding and an ok seed"
[[ $(grep -c '^data ' <<<"$out") == 1 ]] && pass "triage: one line for the unique finding" ||
  fail "triage: want one data line, got: $out"
expect_in "$out" "^data +[0-9a-f]{10} +2 " "triage counts both copies under one site hash"
[[ -f $WORK/t/triage.tsv ]] && pass "triage.tsv written" || fail "no triage.tsv"
finish
