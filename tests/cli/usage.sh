#!/usr/bin/env bash
# usage.sh SOURCE_DIR: every subcommand has --help (exit 0, a usage line on stdout), a bad
# option or a missing argument is one line on stderr and exit 2, list works without a build.
set -uo pipefail
SFZ_SRC=$1
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

run_sfz --help
expect_status 0 "shmfuzz --help"
for c in list repro fuzz minimize cmin triage enumerate ci clean demo; do
  expect_in "$out" "^  $c " "shmfuzz --help lists $c"
done
run_sfz no-such-command
expect_status 2 "unknown command"

for c in list repro fuzz minimize cmin triage enumerate ci clean demo; do
  run_sfz "$c" --help
  expect_status 0 "$c --help"
  expect_in "$out" "^usage: shmfuzz $c" "$c --help prints its usage"
  run_sfz "$c" --no-such-option
  expect_status 2 "$c --no-such-option"
  [[ $(wc -l <<<"$err") == 1 && -z $out ]] && pass "$c: bad option is one line on stderr" ||
    fail "$c: bad option printed: $out / $err"
done

# Missing or bad values: one line, exit 2, before anything is built or run.
while IFS='|' read -r args why; do
  read -r -a argv <<<"$args"
  run_sfz "${argv[@]}"
  expect_status 2 "$why"
  [[ $(wc -l <<<"$err") == 1 ]] || fail "$why: more than one line: $err"
done <<'CASES'
repro|repro without FILE
repro /no/such/file|repro of a missing file
repro --target|repro --target without value
fuzz|fuzz without TARGET
fuzz no-such-target|fuzz of an unknown target
fuzz shmipc-kv --engine honggfuzz|fuzz with an unknown engine
fuzz shmipc-kv --time soon|fuzz --time not a number
fuzz shmipc-kv --jobs 0|fuzz --jobs 0
minimize|minimize without FILE
cmin shmipc-kv|cmin without DIR
cmin shmipc-kv /no/such/dir|cmin of a missing dir
triage|triage without DIR
enumerate|enumerate without a program
enumerate --errnos some -- true|enumerate --errnos some
enumerate -- /no/such/program|enumerate of a missing program
ci --engines libfuzzer,honggfuzz|ci with an unknown engine
ci --skip everything|ci --skip an unknown step
clean extra|clean with an argument
demo --time x|demo --time not a number
CASES

run_sfz list
expect_status 0 "list"
expect_in "$out" "shmipc-ring" "list shows the hardened targets"
expect_in "$out" "ring-off-by-one +data +data" "list shows catalogue entries with class and finding"
run_sfz list --names
expect_in "$out" "^bug-unchecked-shmat$" "list --names gives bare names"
finish
