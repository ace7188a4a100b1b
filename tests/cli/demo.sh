#!/usr/bin/env bash
# demo.sh SOURCE_DIR DEV_BUILD LIBFUZZER_BUILD: the README's main command end to end without a
# terminal (CI=true): the catalogue bug is found, reproduced, minimized, ok on the hardened
# twin, and the report says so.
set -uo pipefail
SFZ_SRC=$1
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
use_build dev "$2"
use_build libfuzzer "$3"

run_sfz demo --no-deps --time 90 --out "$WORK/demo"
expect_status 0 "demo went through"
report=$(cat "$WORK/demo/report.md" 2>/dev/null)
for section in "## 1. Fuzz" "## 2. Reproduce" "## 3. Minimize" "## 4. Fix" "## 5. Fault enumeration"; do
  expect_in "$report" "^$section" "report has '$section'"
done
expect_in "$report" "verdict: FINDING crash" "the reproduction shows the crash"
expect_in "$report" "on \`shmipc-kv\`: \`verdict: ok\`" "the hardened twin replays it ok"
expect_in "$out" "^== shmfuzz demo: found, reproduced, minimized and fixed" "terminal summary"
reg=$WORK/demo/regression-unchecked-shmat.txt
v=$(env -u SHMFUZZ_BUILD_dev -u SHMFUZZ_BUILD_libfuzzer "$2/bin/sfz-bug-unchecked-shmat-replay" --quiet "$reg" 2>&1)
expect_in "$v" "^verdict: FINDING crash" "the regression file replays as the finding"
finish
