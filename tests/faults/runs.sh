#!/usr/bin/env bash
# runs.sh ENUM LIB BINDIR: one image run several times by a driver script (tests/faults/runs/:
# `chain create; chain use; chain remove`, like a control tool's chain). run=N (libshmfault)
# faults only the N-th process of the image; enumerate gives each run its own cells, finds a
# bug planted only in the 2nd run's error path and leaves the correct twin clean; runs that
# overlap are not told apart. Run inside tests/targets/in-namespace.sh (private IPC namespace).
set -uo pipefail
enum=${1:?usage: runs.sh ENUM LIB BINDIR} lib=${2:?} bin=${3:?}
here=$(cd "$(dirname "$0")" && pwd)
if [[ "${SHMFUZZ_PRIVATE_IPC:-}" != 1 ]]; then
  echo "runs.sh: run me through in-namespace.sh (I remove every IPC object)" >&2
  exit 2
fi
# shellcheck source=tests/lib/need.sh
. "$here/../lib/need.sh"
# shellcheck source=tests/lib/check.sh
. "$here/../lib/check.sh"
need_tool python3
need_pid_namespace
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 2 # chain keeps its set's id in ./chain.id
fail=0
chain=$bin/runs-chain bug=$bin/runs-chain-bug driver=$here/runs/driver.sh

# pre RULES TRACE ARGS...: ARGS under the preload with RULES, trace into TRACE; $out, $status
pre() {
  local rules=$1 trace=$2; shift 2
  reset_ns
  out=$(SHMFAULT_RULES="$rules" SHMFAULT_TRACE="$trace" LD_PRELOAD="$lib" "$@" 2>&1)
  status=$?
}

# trace_check TRACE PYTHON: PYTHON's asserts over the trace's lines (a list named lines)
trace_check() {
  python3 -c 'import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
'"$2" "$1"
}

# 1. run=2 fires in the second chain process only, and it is numbered 2 in the trace.
pre "semget@1=EINVAL,image=runs-chain,run=2" "$work/t1" "$driver" "$chain"
same "run=2: the driver fails as the use step reports" "1 chain use: semget: Invalid argument" \
  "$status $out"
check "run=2: one injection, in the 2nd of three processes, runs 1..3 in order" trace_check \
  "$work/t1" '
runs = {}
for l in lines:
    runs.setdefault(l["run"], set()).add(l["pid"])
assert sorted(runs) == [1, 2, 3] and all(len(p) == 1 for p in runs.values()), runs
pids = [l["pid"] for l in lines]
order = sorted(runs, key=lambda r: pids.index(next(iter(runs[r]))))
assert order == [1, 2, 3], order
inj = [l for l in lines if l["injected"]]
assert len(inj) == 1 and inj[0]["run"] == 2 and inj[0]["fn"] == "semget", inj
assert inj[0]["call"] == 1 and not any(l["overlap"] for l in lines), inj'
pre "semctl@1=EPERM,image=runs-chain,run=3" "$work/t3" "$driver" "$chain"
same "run=3: only the removal fails" "1 chain remove: semctl: Operation not permitted" \
  "$status $out"
pre "semget@1=EINVAL,image=runs-chain,run=4" "$work/t4" "$driver" "$chain"
same "run=4 (no 4th run): nothing fails" "0 " "$status $out"

# 2. Bad run= rules stop the program before main, exit 2, with the reason.
refused() { [[ $status == 2 && $out == *"bad rule"*run=N* ]]; }
for rule in "semget@1=EINVAL,image=runs-chain,run=0" "semget@1=EINVAL,image=runs-chain,run=x" \
  "semget@1=EINVAL,run=2" "semget@1=EINVAL,image=runs-chain,run=99999999"; do
  pre "$rule" "$work/tbad" "$chain" create
  check "bad rule '$rule': exit 2 with a reason" refused
done

pre "shmat@1=ENOMEM,image=runs-chain,run=2" "$work/tun" "$chain" create
check "a run= rule is spelled back with image= and run= when it never fired" grep -qF \
  "rule 0 'shmat@1=ENOMEM,image=runs-chain,run=2' never fired: shmat was never called" <<<"$out"

# 3. Two runs alive at once: the second one to start says it overlapped.
pre "" "$work/to" "$here/runs/overlap.sh" "$chain" "$work"
check "overlap: both runs ran ($status)" test "$status" = 0
check "overlap: the run that started second says so" trace_check "$work/to" '
by_run = {l["run"]: l["overlap"] for l in lines}
assert by_run == {1: False, 2: True}, by_run'

# 4. enumerate: a cell per run; the correct chain is clean, the bug only in run 2 is found.
# cells DIR: "function@call<TAB>fault<TAB>outcome<TAB>process" of every cell
cells() { awk -F '\t' 'NR > 1 { print $2 "@" $3 "\t" $4 "\t" $5 "\t" $8 }' "$1/cells.tsv"; }
"$enum" --lib "$lib" --runs "$work/ok" --crash -- "$driver" "$chain" >"$work/ok.log" 2>&1
rc=$?
check "enumerate correct chain: every cell ok (exit $rc)" test "$rc" = 0
for pt in semget@1:1 semget@1:2 semctl@1:3; do
  n=${pt#*:}
  check "enumerate: cells for ${pt%:*} in run $n" grep -q \
    "^${pt%:*}"$'\t[A-Z]*,image=runs-chain,run='"$n"$',proc=first\tok\truns-chain run '"$n"' (child)' \
    <(cells "$work/ok")
done
# --errnos peer: run 2's open by key of the set run 1 created 0600 cannot meet the realistic
# EACCES/EINVAL (enumerate drops them); only a peer removing the set (ENOENT) reaches its
# error path, where the planted defect is.
"$enum" --lib "$lib" --runs "$work/bug" --crash --errnos peer -- "$driver" "$bug" >"$work/bug.log" 2>&1
rc=$?
check "enumerate buggy chain: exit 1 ($rc)" test "$rc" = 1
check "enumerate buggy chain: crash found at semget@1 of run 2" grep -q \
  $'^semget@1\t[A-Z]*,image=runs-chain-bug,run=2,proc=first\tcrash\truns-chain-bug run 2 (child)' \
  <(cells "$work/bug")
same "enumerate buggy chain: no other cell is non-ok" "" \
  "$(awk -F '\t' 'NR > 1 && $5 != "ok" && $4 !~ /,run=2,/' "$work/bug/cells.tsv")"
check "enumerate buggy chain: run 1 and 3 have ok cells" test "$(cells "$work/bug" |
  grep -c -e ',run=1,proc=first'$'\tok' -e ',run=3,proc=first'$'\tok')" -ge 2

# 5. enumerate on overlapping runs: not told apart, and it says why.
"$enum" --lib "$lib" --runs "$work/ov" -- "$here/runs/overlap.sh" "$chain" "$work" \
  >"$work/ov.log" 2>&1
check "enumerate overlapping runs: warned, not numbered" grep -q \
  'runs-chain ran 2 times, and a run started while an earlier one still ran' "$work/ov.log"
check "enumerate overlapping runs: no run= cell" test -z "$(grep -F ',run=' "$work/ov/cells.tsv")"
# 6. Clean runs that disagree on what the runs did: not told apart either.
"$enum" --lib "$lib" --runs "$work/un" -- "$here/runs/unstable.sh" "$chain" "$work" \
  >"$work/un.log" 2>&1
check "enumerate unstable runs: warned, not numbered" grep -q \
  'runs-chain ran 2 times, but the clean runs disagree on what each run did' "$work/un.log"
check "enumerate unstable runs: no run= cell" test -z "$(grep -F ',run=' "$work/un/cells.tsv")"
[[ $fail == 0 ]] || tail -n 5 "$work"/*.log
exit "$fail"
