#!/usr/bin/env bash
# contract.sh SOURCE_DIR DEV_BUILD IGNORES_SHMAT: the command's contract (issue 14), driven
# from outside as a user's script would:
#  - a program path holding ' and spaces: enumerate's report.json `shell` line runs it
#  - an internal error (a report file that cannot be written) exits 2, never 1 ("findings")
#  - bytes that are not UTF-8 (a /dev/shm name with 0xff) reach triage's output and triage.tsv
#  - SIGINT mid-fuzz: the engine stopped, findings kept and named in the summary, exit 1, the
#    progress line shows a real exec/s (not 0), no temporary directory or process left
#  - SIGINT mid-repro: the temporary directory is removed, exit 130
#  - run with SHMFUZZ_BUILD_dev or SHMFUZZ_NO_BUILD=1 never runs cmake, twice in a row
#  - --build-dir DIR: the targets of DIR's manifest, replays on DIR, never cmake
# The fuzz and repro cases use a stand-in build (--build-dir style manifest + scripts as the
# replay driver and engine): what is checked is the command, deterministically, not an engine
# (tests/cli/fuzz.sh runs the real ones).
set -uo pipefail
SFZ_SRC=$1 DEV=$2 IGNORES=$3
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
need_dir "$DEV/bin"
[[ -f $DEV/lib/libshmfault.so ]] || need_skip "$DEV/lib/libshmfault.so is not built"
need_pid_namespace
export TMPDIR=$WORK/tmp
mkdir -p "$TMPDIR"

# ---- ' and spaces in the program's path ------------------------------------------------------
odd="$WORK/it's a dir/the program"
mkdir -p "$(dirname "$odd")" && cp "$IGNORES" "$odd"
SHMFUZZ_BUILD_dev=$DEV run_sfz enumerate --errnos first --report "$WORK/odd" -- "$odd"
expect_status 1 "enumerate of a program whose path holds ' and spaces finds its bug"
shell=$(python3 -c 'import json, sys
cells = [c for c in json.load(open(sys.argv[1]))["cells"] if c.get("shell")]
print(cells[0]["shell"] if cells else "")' "$WORK/odd/report.json" 2>/dev/null)
if [[ -z $shell ]]; then
  fail "report.json has no shell line"
else
  sh -c "$shell" >"$WORK/shell.out" 2>&1 </dev/null
  st=$?
  [[ $st == 139 ]] && pass "the shell line runs the odd path and reproduces the crash (exit 139)" ||
    { fail "the shell line gave exit $st, want 139 (SIGSEGV): $shell"; cat "$WORK/shell.out"; }
fi

# ---- a stand-in build ------------------------------------------------------------------------
fake=$WORK/fake
mkdir -p "$fake/bin"
printf 'shmipc-kv\tstand-in\n' >"$fake/shmfuzz-targets.tsv"
# The replay driver: the input's first word says what it does.
cat >"$fake/bin/sfz-shmipc-kv-replay" <<'SH'
#!/bin/sh
for f; do :; done
case $(head -c 5 "$f") in
  ok*) echo "verdict: ok" ;;
  leak*) printf 'verdict: FINDING leak-ipc: left /dev/shm/sfz-\377-name\n'; exit 1 ;;
  crash) echo "verdict: FINDING crash: the stand-in crash"; exit 1 ;;
  block) : >"$CONTRACT_MARK"; exec sleep 300 ;;
  *) echo "unreadable"; exit 2 ;;
esac
SH
# The engine: libFuzzer's status lines (exec/s 0 in the first second, as libFuzzer prints
# them), a finding saved at -artifact_prefix, then it runs until it is stopped.
cat >"$fake/bin/sfz-shmipc-kv-libfuzzer" <<'SH'
#!/bin/sh
for a; do case $a in -artifact_prefix=*) prefix=${a#-artifact_prefix=} ;; esac; done
printf '#2\tINITED cov: 3 ft: 3 corp: 1/1b exec/s: 0 rss: 30Mb\n'
printf '#4096\tpulse  cov: 5 ft: 5 corp: 1/1b lim: 4 exec/s: 0 rss: 30Mb\n'
printf 'crash' >"${prefix}crash-standin"
exec sleep 300
SH
chmod +x "$fake/bin"/*
export SHMFUZZ_BUILD_dev=$fake SHMFUZZ_BUILD_libfuzzer=$fake

# ---- an internal error is exit 2 -------------------------------------------------------------
mkdir -p "$WORK/t1/triage.tsv" && printf 'ok' >"$WORK/t1/input"
run_sfz triage "$WORK/t1" --target shmipc-kv
expect_status 2 "triage that cannot write its triage.tsv: a set-up error, not findings"

# ---- non-UTF-8 bytes survive -----------------------------------------------------------------
mkdir -p "$WORK/t2" && printf 'leak' >"$WORK/t2/input"
run_sfz triage "$WORK/t2" --target shmipc-kv
expect_status 1 "triage of a finding whose reason holds byte 0xff"
grep -q $'sfz-\377-name' "$WORK/stdout" && pass "the 0xff byte reaches triage's output" ||
  fail "triage's output lost the 0xff byte: $(od -c "$WORK/stdout" | head -n 5)"
grep -q $'sfz-\377-name' "$WORK/t2/triage.tsv" && pass "the 0xff byte reaches triage.tsv" ||
  fail "triage.tsv lost the 0xff byte"

# ---- SIGINT mid-fuzz -------------------------------------------------------------------------
# setsid: its own process group, which gets the SIGINT a terminal's Ctrl-C would send;
# --default-signal: a background job of a script starts with SIGINT ignored.
setsid env --default-signal=INT "$SFZ" fuzz shmipc-kv --time 120 --keep-going --seed 1 \
  --out "$WORK/camp" >"$WORK/fuzz.out" 2>"$WORK/fuzz.err" </dev/null &
pid=$!
deadline=$((SECONDS + 60))
until grep -q 'findings 1' "$WORK/fuzz.err" 2>/dev/null || [[ $SECONDS -ge $deadline ]] ||
      ! kill -0 "$pid" 2>/dev/null; do
  sleep 0.1 # polling interval of the bounded wait for the event (a progress line), not a guess
done
progress=$(grep 'findings 1' "$WORK/fuzz.err" | tail -n 1)
kill -INT -- "-$pid"
wait "$pid"
st=$?
[[ $st == 1 ]] && pass "SIGINT with a finding saved: exit 1" || { fail "exit $st after SIGINT"; cat "$WORK/fuzz.err"; }
expect_in "$(cat "$WORK/fuzz.err")" "interrupted" "it says it was interrupted"
expect_in "$(cat "$WORK/camp/summary.md" 2>/dev/null)" '^\| crash \| `.*/findings/crash-standin`' \
  "summary.md names the finding and its kind"
expect_in "$progress" "execs 4096 +exec/s [1-9][0-9]* " "the progress line has a real exec/s, not libFuzzer's 0"
left=$(ps -eo stat=,args= | awk -v d="$WORK/camp" '$1 !~ /^Z/ && index($0, d)' | grep -v awk)
[[ -z $left ]] && pass "no engine process left" || fail "left running: $left"
tmp_left=$(ls -A "$TMPDIR")
[[ -z $tmp_left ]] && pass "fuzz removed its temporary directory" || fail "left in TMPDIR: $tmp_left"

# ---- SIGINT mid-repro ------------------------------------------------------------------------
printf 'block' >"$WORK/block"
export CONTRACT_MARK=$WORK/mark
setsid env --default-signal=INT "$SFZ" repro "$WORK/block" --target shmipc-kv \
  >"$WORK/repro.out" 2>&1 </dev/null &
pid=$!
deadline=$((SECONDS + 60))
until [[ -e $CONTRACT_MARK || $SECONDS -ge $deadline ]] || ! kill -0 "$pid" 2>/dev/null; do
  sleep 0.1 # bounded wait for the replay to start (the mark it writes)
done
[[ -e $CONTRACT_MARK ]] || fail "the replay did not start"
kill -INT -- "-$pid"
wait "$pid"
st=$?
[[ $st == 130 ]] && pass "SIGINT mid-repro: exit 130" || { fail "exit $st after SIGINT mid-repro"; cat "$WORK/repro.out"; }
tmp_left=$(ls -A "$TMPDIR")
[[ -z $tmp_left ]] && pass "repro removed its temporary directory" || fail "left in TMPDIR: $tmp_left"
unset SHMFUZZ_BUILD_dev SHMFUZZ_BUILD_libfuzzer

# ---- run never runs cmake when told not to ---------------------------------------------------
mkdir -p "$WORK/path"
printf '#!/bin/sh\necho "$*" >>"%s/cmake.calls"\nexit 1\n' "$WORK" >"$WORK/path/cmake"
chmod +x "$WORK/path/cmake"

# ---- --build-dir: a build of one's own, its manifest's targets, no cmake ---------------------
PATH=$WORK/path:$PATH run_sfz --build-dir "$fake" list --names
expect_status 0 "list with --build-dir"
[[ $out == shmipc-kv ]] && pass "--build-dir: the targets are the manifest's" || fail "--build-dir list: $out"
printf 'crash' >"$WORK/c1"
PATH=$WORK/path:$PATH run_sfz repro "$WORK/c1" --target shmipc-kv --build-dir "$fake"
expect_status 1 "repro --build-dir replays on that build"
mkdir -p "$WORK/nomanifest/bin"
PATH=$WORK/path:$PATH run_sfz repro "$WORK/c1" --target shmipc-kv --build-dir "$WORK/nomanifest"
expect_status 2 "--build-dir without shmfuzz-targets.tsv: a set-up error"
for i in 1 2; do
  PATH=$WORK/path:$PATH SHMFUZZ_BUILD_dev=$DEV run_sfz run -- true
  expect_status 0 "run #$i with SHMFUZZ_BUILD_dev"
  PATH=$WORK/path:$PATH SHMFUZZ_NO_BUILD=1 run_sfz run -- true
done
[[ ! -e $WORK/cmake.calls ]] && pass "run never called cmake" ||
  fail "run called cmake: $(cat "$WORK/cmake.calls")"
finish
