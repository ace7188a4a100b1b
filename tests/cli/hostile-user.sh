#!/usr/bin/env bash
# hostile-user.sh SOURCE_DIR DEV_BUILD: the command as a demanding new user drives it, from a
# script, with paths that hold spaces and quotes (issue 14's check, cli-audit's findings):
#  - numbers past what the engines and tools take (--time, --jobs, --seed) and conflicting
#    options: one line and exit 2, never a run that wraps or aborts the engine
#  - an engine that fails at once is exit 2 with its log, not "no finding" (exit 0)
#  - libFuzzer's own sub-processes (-fork, -merge, -minimize_crash run through sh -c unquoted)
#    get plain names: fuzz --jobs 2, cmin and minimize work from a path with ' and spaces
#  - an installed copy (cmake --install into a prefix with ' and a space): enumerate and run use
#    the prefix's libshmfault.so (LD_PRELOAD cannot name a path with a space as it is), list
#    of a build of one's own shows no catalogue, commands that need targets say --build-dir
# Engines are stand-ins (scripts) where the command is what is checked; tests/package runs
# the real out-of-tree build.
set -uo pipefail
# shellcheck disable=SC2034 # SFZ_SRC is read by lib.sh
SFZ_SRC=$1 DEV=$2 # SFZ_SRC: read by lib.sh
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
need_dir "$DEV/bin"
[[ -f $DEV/lib/libshmfault.so ]] || need_skip "$DEV/lib/libshmfault.so is not built"
odd="$WORK/it's a dir"
mkdir -p "$odd/fake/bin" "$odd/tmp"
export TMPDIR=$odd/tmp

# ---- a stand-in build whose libFuzzer binary behaves like libFuzzer's sub-process runner -------
fake=$odd/fake
printf 'mslot\tstand-in\n' >"$fake/shmfuzz-targets.tsv"
cat >"$fake/bin/sfz-mslot-replay" <<'SH'
#!/bin/sh
for f; do :; done
case $(head -c 4 "$f") in
  leak*) echo "verdict: FINDING leak-ipc: left /dev/shm/x"; exit 1 ;;
  *) echo "verdict: ok" ;;
esac
SH
# Like libFuzzer: -fork/-merge/-minimize_crash re-run argv[0] with the arguments joined by
# spaces through sh -c; a stand-in "bad-seed" aborts as libFuzzer does on -seed=2^32.
cat >"$fake/bin/sfz-mslot-libfuzzer" <<'SH'
#!/bin/sh
case " $* " in *" -seed=1234 "*) echo "terminate called: stoul" >&2; exit 134 ;; esac
for a; do case $a in
  -fork=*|-merge=1|-minimize_crash=1)
    sub=$(printf '%s ' "$0" "$@" | sed 's/-fork=[0-9]*//; s/-merge=1//; s/-minimize_crash=1/-sub/')
    exec sh -c "$sub" ;;
  -sub) for b; do case $b in -exact_artifact_path=*) printf 'leak' >"${b#*=}" ;; esac; done
    exit 0 ;;
esac; done
for a; do case $a in -artifact_prefix=*) printf 'leak' >"${a#*=}crash-x" ;; esac; done
for a; do case $a in -merge*) ;; esac; done
[ -n "${MERGE_OUT:-}" ] && for last; do :; done
exit 0
SH
chmod +x "$fake/bin"/*

# ---- bounds and conflicts --------------------------------------------------------------------
for bad in "--time 99999999999999999999" "--jobs 100000" "--seed 4294967296"; do
  # shellcheck disable=SC2086 # the option and its value, split on purpose
  run_sfz fuzz mslot --build-dir "$fake" $bad --out "$WORK/never"
  expect_status 2 "fuzz $bad is refused"
  expect_in "$err" "too large" "fuzz $bad says it is too large"
  [[ ! -e $WORK/never ]] && pass "fuzz $bad started nothing" || fail "fuzz $bad made $WORK/never"
done
printf 'leak' >"$WORK/finding"
run_sfz repro "$WORK/finding" --target mslot --build-dir "$fake" --valgrind --gdb
expect_status 2 "repro --valgrind --gdb: one tool or the other"

SHMFUZZ_BUILD_dev=$DEV run_sfz run --fault 'shmat@1=EBOGUS' -- /bin/true
expect_status 2 "run --fault with an unknown errno"
expect_in "$err" "--fault 'shmat@1=EBOGUS': .*unknown errno" \
  "it names the bad rule, not 'the program exited with status 2'"

SHMFUZZ_BUILD_dev=$DEV run_sfz run -- "$odd/no such program"
expect_status 2 "run of a program that is not there"
[[ -z $(ls -A "$TMPDIR") ]] && pass "run left no temporary directory" ||
  fail "run left in TMPDIR: $(ls -A "$TMPDIR")"

# ---- an engine that fails is no campaign -----------------------------------------------------
run_sfz fuzz mslot --build-dir "$fake" --time 5 --seed 1234 --out "$odd/failed"
expect_status 2 "an engine that aborts at once: exit 2, not 'no finding'"
expect_in "$err" "engine failed" "it says the engine failed and where its log is"

# ---- libFuzzer's sh -c sub-processes from a path with ' and a space ---------------------------
run_sfz fuzz mslot --build-dir "$fake" --time 5 --jobs 2 --out "$odd/camp"
expect_status 1 "fuzz --jobs 2 (libFuzzer -fork) from an odd path saves its finding"
expect_in "$(cat "$odd/camp/findings.tsv" 2>/dev/null)" "^leak-ipc" "the -fork finding is named"
run_sfz minimize "$WORK/finding" --target mslot --build-dir "$fake" --time 1 --out "$odd/min"
# (the stand-in replay decodes nothing, so only the engine pass is checked)
expect_in "$err" "libfuzzer pass: 4 -> 4 bytes" "minimize's -minimize_crash pass ran from an odd path"
[[ -z $(ls -A "$TMPDIR") ]] && pass "no temporary directory left" ||
  fail "left in TMPDIR: $(ls -A "$TMPDIR")"

# ---- an out dir whose name holds a byte that is not UTF-8 and a newline -----------------------
nd="$odd/"$'na\377me\ndir'
run_sfz fuzz mslot --build-dir "$fake" --time 5 --out "$nd"
expect_status 1 "fuzz into an out dir named with 0xff and a newline"
if python3 -c 'import sys; t = open(sys.argv[1], "rb").read().decode("utf-8"); sys.exit("\\xff" not in t)' \
     "$nd/summary.md" 2>/dev/null; then pass "summary.md is UTF-8 and shows the byte as \\xff"
else fail "summary.md: $(od -c "$nd/summary.md" | head -n 4)"; fi
rows=$(wc -l <"$nd/findings.tsv")
[[ $rows == 1 ]] && pass "findings.tsv: one row for one finding (the newline escaped)" ||
  fail "findings.tsv has $rows lines: $(od -c "$nd/findings.tsv" | head -n 5)"
grep -q $'na\377me\\\\x0adir' "$nd/findings.tsv" && pass "findings.tsv keeps 0xff and writes the newline \\x0a" ||
  fail "findings.tsv: $(od -c "$nd/findings.tsv" | head -n 5)"

# ---- AFL++'s live numbers: StatsD, not the files it writes once a minute ------------------------
# A stand-in afl-fuzz on PATH: like AFL++ without its UI it writes no plot_data in its first
# minute; it sends its metrics as AFL++ does (AFL_STATSD_*: UDP datagrams) and ends at -V.
mkdir -p "$WORK/path"
cat >"$WORK/path/afl-fuzz" <<'PY'
#!/usr/bin/env python3
import os, socket, sys, time
port = int(os.environ.get("AFL_STATSD_PORT", "0") or 0)
end = time.monotonic() + int(sys.argv[sys.argv.index("-V") + 1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
while time.monotonic() < end:
    if port:  # the -M instance's rate is "inf", as AFL++'s is in its first second
        rate = b"inf" if "-M" in sys.argv else b"500.5"
        s.sendto(b"fuzzing.execs_done:5000|g\nfuzzing.execs_per_sec:" + rate + b"|g\n"
                 b"fuzzing.edges_found:77|g\n", ("127.0.0.1", port))
    time.sleep(0.2)  # the stand-in's own pace of reporting, as AFL++'s one a second
PY
chmod +x "$WORK/path/afl-fuzz"
cp "$fake/bin/sfz-mslot-replay" "$fake/bin/sfz-mslot-afl"
PATH=$WORK/path:$PATH run_sfz fuzz mslot --engine afl --build-dir "$fake" --time 3 --jobs 2 --out "$odd/afl"
expect_status 0 "AFL++ stand-in campaign"
expect_in "$err" "execs 10000 +exec/s 500 +coverage 77" \
  "the AFL++ progress line has live numbers (two instances' StatsD, an inf rate skipped)"

# ---- Ctrl-C mid enumerate: the rows done are reported ----------------------------------------
# The clean run exits 0; a cell whose fault makes the writer fail blocks (sleep), so the SIGINT
# lands mid-matrix, after the clean run's row; the process group gets it, as from a terminal.
if unshare -im true 2>/dev/null; then
  blocker="sleep 300 0.$$" # a command line no other process on the machine has
  prog="$DEV/bin/tutorial-shm-writer hi || exec $blocker"
  SHMFUZZ_BUILD_dev=$DEV setsid env --default-signal=INT "$SFZ" enumerate --baseline 1 --timeout 300 \
    --report "$odd/enum" -- /bin/sh -c "$prog" >"$WORK/enum.out" 2>"$WORK/enum.err" </dev/null &
  pid=$!
  deadline=$((SECONDS + 60))
  until [[ -n $(ps -eo args= | grep -Fx "$blocker") || $SECONDS -ge $deadline ]] ||
        ! kill -0 "$pid" 2>/dev/null; do
    sleep 0.1 # polling interval of a bounded wait for the first cell to block, not a guess
  done
  kill -INT -- "-$pid"
  wait "$pid"
  st=$?
  [[ $st == 1 ]] && pass "enumerate interrupted after a not-ok row: exit 1" ||
    { fail "enumerate after SIGINT: exit $st"; cat "$WORK/enum.err"; }
  expect_in "$(cat "$odd/enum/report.md" 2>/dev/null)" "Interrupted" "report.md of the rows done says it was interrupted"
  expect_in "$(cat "$odd/enum/cells.tsv" 2>/dev/null)" "clean run" "cells.tsv keeps the clean run's row"
  left=$(ps -eo pgid=,stat=,args= | awk -v g="$pid" '$1 == g && $2 !~ /^Z/')
  [[ -z $left ]] && pass "no process of enumerate left" || fail "left running: $left"
else
  echo "skip: Ctrl-C mid enumerate needs IPC and mount namespaces (root)"
fi

# ---- an installed copy -----------------------------------------------------------------------
prefix="$odd/prefix"
cmake --install "$DEV" --prefix "$prefix" >"$WORK/install.log" 2>&1 ||
  { fail "cmake --install failed"; tail "$WORK/install.log"; }
SFZ="$prefix/bin/shmfuzz"
run_sfz --build-dir "$fake" list
expect_status 0 "installed list --build-dir"
if grep -q "catalogue" <<<"$out"; then fail "a build of one's own lists the bug catalogue: $out"
else pass "a build of one's own lists its targets only"; fi
run_sfz fuzz mslot --time 1
expect_status 2 "installed fuzz without --build-dir: a set-up error"
expect_in "$err" "--build-dir" "it says to point at a build with --build-dir"
[[ ! -e $prefix/share/shmfuzz/build ]] && pass "the prefix was not written to" ||
  fail "the command wrote into the prefix: $(ls "$prefix/share/shmfuzz/build")"
if unshare -im true 2>/dev/null; then
  unshare -im --propagation private sh -c 'mount -t tmpfs none /dev/shm && exec "$@"' sh \
    "$SFZ" run --count -- "$DEV/bin/tutorial-shm-writer" hi \
    >"$WORK/run.out" 2>"$WORK/run.err" </dev/null
  if grep -q "cannot be preloaded" "$WORK/run.err"; then
    fail "installed run: LD_PRELOAD split the prefix's path: $(head -n 3 "$WORK/run.err")"
  elif grep -q "shmget" "$WORK/run.err"; then pass "installed run preloads the prefix's libshmfault"
  else fail "installed run: no sign of libshmfault: $(cat "$WORK/run.err")"; fi
else
  echo "skip: the installed run needs IPC and mount namespaces (root)"
fi
for c in "bench --quick" "demo --no-deps" "ci"; do
  # shellcheck disable=SC2086 # the command and its option, split on purpose
  run_sfz $c
  expect_status 2 "installed $c: needs the source tree"
  expect_in "$err" "in a checkout" "installed $c says to use a checkout (no traceback)"
done
if command -v valgrind >/dev/null; then
  run_sfz run --valgrind -- /bin/true
  expect_status 0 "installed run --valgrind (memcheck's suppressions are installed)"
else
  echo "skip: valgrind is not installed"
fi
[[ -z $(ls -A "$TMPDIR") ]] && pass "no temporary directory left" ||
  fail "left in TMPDIR: $(ls -A "$TMPDIR")"
finish
