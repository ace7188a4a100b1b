#!/usr/bin/env bash
# found-where.sh SOURCE_DIR DEV_BUILD: a finding replays on the build that found it (issue 11,
# item 6: sanitizer findings of the libfuzzer build replayed ok on dev, so triage dropped 59 of
# 197 and minimize refused them). A fuzz out dir's campaign.txt names its target and preset;
# repro, triage and minimize use that preset unless --preset says otherwise. The "libfuzzer"
# build here is a directory whose sfz-shmipc-ring-replay is the dev build's
# bug-ring-off-by-one driver: a build on which the input is a finding while dev's hardened
# ring replays it ok, exactly the situation of a sanitizer finding, without an engine build.
# Also: minimize drops the fault lines and processes the finding does not need.
set -uo pipefail
SFZ_SRC=$1
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
need_dir "$2/bin"
[[ -x $2/bin/sfz-bug-ring-off-by-one-replay ]] || { echo "skipped: bug targets not built"; exit 77; }
export SHMFUZZ_BUILD_dev=$2
export SHMFUZZ_BUILD_libfuzzer=$WORK/found-build
mkdir -p "$WORK/found-build/bin"
ln -s "$2/bin/sfz-bug-ring-off-by-one-replay" "$WORK/found-build/bin/sfz-shmipc-ring-replay"

# A campaign out dir as `shmfuzz fuzz` lays it out, its finding saved in binary by the engine.
camp=$WORK/camp
mkdir -p "$camp/findings"
printf 'target=shmipc-ring\npreset=libfuzzer\nengine=libfuzzer\n' >"$camp/campaign.txt"
"$2/bin/sfz-shmipc-ring-replay" --encode -o "$camp/findings/crash-1" \
  "$SFZ_SRC/corpus/regressions/shmipc-ring/ring-off-by-one.txt" >/dev/null ||
  { echo "FAIL: cannot encode the reproducer"; exit 1; }
cp "$camp/findings/crash-1" "$camp/findings/crash-2"

run_sfz repro "$camp/findings/crash-1"
expect_status 1 "repro replays on the campaign's preset by default"
expect_in "$err" "preset 'libfuzzer', the build that found it" "repro says which build it used"
run_sfz repro "$camp/findings/crash-1" --preset dev
expect_status 0 "repro --preset dev overrides it (ok there, as a sanitizer finding on dev)"

run_sfz triage "$camp"
expect_status 1 "triage judges with the campaign's preset"
expect_in "$out" "^data " "triage lists the finding"
run_sfz triage "$camp/findings" --preset dev
expect_status 0 "triage --preset dev finds nothing"
expect_in "$err" "2 input\(s\) replay ok on preset dev" "triage says what replayed ok instead of dropping it"

# An old campaign (no preset= line) still replays on its engine's preset.
old=$WORK/old && mkdir -p "$old/findings" && cp "$camp/findings/crash-1" "$old/findings/"
printf 'target=shmipc-ring\nengine=libfuzzer\n' >"$old/campaign.txt"
run_sfz repro "$old/findings/crash-1"
expect_status 1 "a campaign without preset= replays on its engine's preset"

# minimize: the same default; a fault line and a process the finding does not need go.
{
  printf '%s\n' "procs 3" "fault p1 shmget@1=ENOSPC" "fault p0 semop@8=EINTR"
  grep '^p[0-9]' "$SFZ_SRC/corpus/regressions/shmipc-ring/ring-off-by-one.txt" | sed 's/^p1 /p2 /'
  echo "p1 recv slot=1"
} >"$WORK/big.txt"
"$2/bin/sfz-shmipc-ring-replay" --encode -o "$camp/findings/crash-3" "$WORK/big.txt" >/dev/null
run_sfz minimize "$camp/findings/crash-3" --engine none --out "$WORK/min"
expect_status 0 "minimize judges with the campaign's preset"
if [[ -f $WORK/min.txt ]]; then
  min=$(cat "$WORK/min.txt")
  expect_in "$min" "^procs 2" "minimize drops the process the finding does not need"
  if grep -q '^fault' <<<"$min"; then fail "minimize kept a fault line the finding does not need: $min"
  else pass "minimize drops the fault lines the finding does not need"; fi
  expect_in "$min" "^p1 recv slot=0" "the consumer is renumbered p1"
  expect_in "$(head -n 1 "$WORK/min.txt")" "^# shmfuzz program$" "the text form carries the marker"
  expect_in "$("$2/bin/sfz-bug-ring-off-by-one-replay" --quiet "$WORK/min" 2>&1)" \
    "^verdict: FINDING data" "the minimized binary still gives the finding"
else
  fail "minimize wrote no $WORK/min.txt"
fi
run_sfz minimize "$camp/findings/crash-3" --engine none --out "$WORK/min2" --preset dev
expect_status 2 "minimize --preset dev: ok there, nothing to minimize"
finish
