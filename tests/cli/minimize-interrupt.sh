#!/usr/bin/env bash
# minimize-interrupt.sh SOURCE_DIR DEV_BUILD: Ctrl-C in the middle of `shmfuzz minimize` keeps
# what was already shown to give the finding (FILE.min.partial.txt and its binary form), never a
# half-checked program as the finished FILE.min, and exits 130. The replay driver is the real
# one behind a wrapper that stops at the op pass's first trial, so the signal always lands
# mid-pass (no timing luck).
set -uo pipefail
SFZ_SRC=$1
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
use_build dev "$2"
target=bug-ring-off-by-one
real=$2/bin/sfz-$target-replay
[[ -x $real ]] || need_skip "$real is not built"

# A build directory with the real manifest and a replay wrapper that parks on trial.txt.
mkdir -p "$WORK/build/bin"
cp "$2/shmfuzz-targets.tsv" "$WORK/build/"
cat >"$WORK/build/bin/sfz-$target-replay" <<WRAP
#!/usr/bin/env bash
for a in "\$@"; do
  if [[ \$a == */trial.txt ]]; then echo \$\$ >"$WORK/parked"; exec sleep 600; fi
done
exec "$real" "\$@"
WRAP
chmod +x "$WORK/build/bin/sfz-$target-replay"

cp "$SFZ_SRC/corpus/regressions/shmipc-ring/ring-off-by-one.txt" "$WORK/finding.txt"
# Job control: the command gets its own process group that does not ignore SIGINT, and the
# signal goes to the whole group, as a terminal's Ctrl-C does.
set -m
"$SFZ" minimize "$WORK/finding.txt" --target "$target" --engine none --build-dir "$WORK/build" \
  >"$WORK/stdout" 2>"$WORK/stderr" </dev/null &
pid=$!
for ((i = 0; i < 600; i++)); do
  [[ -e $WORK/parked ]] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
if [[ -e $WORK/parked ]]; then
  kill -INT -- "-$pid"
  wait "$pid"; status=$?
  err=$(cat "$WORK/stderr"); out=$(cat "$WORK/stdout")
  expect_status 130 "minimize interrupted in its op pass"
  expect_in "$err" "interrupted: the smallest program checked so far" "minimize says what it kept"
  if [[ -f $WORK/finding.txt.min.partial.txt && -f $WORK/finding.txt.min.partial ]]; then
    pass "the partial result is saved, text and binary"
  else fail "no partial result: $(ls "$WORK")"; fi
  if [[ ! -e $WORK/finding.txt.min ]]; then pass "no finished-looking FILE.min"
  else fail "FILE.min written"; fi
  # the replay it was waiting for ran under timeout(1), in a process group of its own that
  # Ctrl-C does not reach: it must be stopped, not orphaned
  parked=$(cat "$WORK/parked")
  if kill -0 "$parked" 2>/dev/null; then fail "the interrupted replay ($parked) still runs"
    kill "$parked"
  else pass "the interrupted replay was stopped"; fi
  run_sfz repro "$WORK/finding.txt.min.partial" --target "$target"
  expect_status 1 "the partial result still gives the finding"
  expect_in "$out" "^verdict: FINDING data:" "the same finding kind"
else
  wait "$pid"
  fail "minimize never reached its op pass: $(tail -n 5 "$WORK/stderr")"
fi
finish
