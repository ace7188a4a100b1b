#!/usr/bin/env bash
# inside.sh BUG_REPLAY HARD_REPLAY WILD_REPLAY DIR: the hostile peer inside a call (issue 13) on the test
# box (tests/harness/inside_adapter.c), whose take fetches the peer's length twice (BUG) or
# once (HARD), or has a null write too (WILD). Checks, each able to fail:
#   - every DIR/*.txt gives its "# expect:" verdict on BUG; the double fetch crashes the same
#     way 20 times in one process and in 3 fresh ones, and as a binary input too;
#   - HARD is clean on every DIR/*.txt (but wild.txt, WILD's); without its peer.inside line
#     the double fetch program is clean on BUG;
#   - SHMFUZZ_INSIDE=lint names one site pair on BUG's take and nothing on HARD's, and a
#     suppression of that site silences it; a bad SHMFUZZ_INSIDE is exit 2;
#   - the SIGSEGV of wild.txt is the same crash with and without the peer, and under lint;
#   - a write(2) from shared memory fails with EFAULT under protection, and that is said;
#   - futex calls on shared words under protection (pshared semaphore, mutex) give the same
#     results as without it (glibc aborted on EFAULT before the futex layer);
#   - shmfuzz minimize's op pass keeps the peer.inside that matters and drops the others.
set -uo pipefail
bug=$1 hard=$2 wild=$3 dir=$4
# shellcheck source=tests/lib/need.sh
. "$(dirname "$0")/../lib/need.sh"
need_built "$bug" "$hard" "$wild"
need_namespaces
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
export SHMFUZZ_OP_TIMEOUT_MS=2000

bad() {
  echo "FAIL: $*"
  fail=1
}

# verdict REPLAY FILE...: the verdict lines, one per input.
verdicts() { "$@" 2>/dev/null | grep '^verdict: '; }

# matches VERDICT PROGRAM: VERDICT starts with the program's "# expect:" and ends with its
# "# expect-where:" (how a crash shows differs by build: a SIGSEGV, or a sanitizer's exit 1).
matches() {
  local want where
  want=$(sed -n 's/^# expect: //p' "$2" | head -n 1)
  where=$(sed -n 's/^# expect-where: //p' "$2" | head -n 1)
  [[ $1 == "verdict: $want"* && $1 == *"$where" ]]
}

df=$dir/double-fetch.txt

for p in "$dir"/*.txt; do
  [[ $(basename "$p") == wild.txt ]] && continue
  got=$(verdicts "$bug" "$p")
  matches "$got" "$p" || bad "$p on the buggy box: '$got'"
  got=$(verdicts "$hard" "$p")
  [[ $got == "verdict: ok" ]] || bad "$p on the hardened twin: '$got', want ok"
done

# Deterministic: 20 runs in one process (workers reused), 3 in fresh processes.
want=$(verdicts "$bug" "$df")
args=()
for ((i = 0; i < 20; i++)); do args+=("$df"); done
n=$(verdicts "$bug" "${args[@]}" | grep -cxF -- "$want")
[[ $n == 20 ]] || bad "the double fetch gave '$want' $n times in 20 runs"
for ((i = 0; i < 3; i++)); do
  got=$(verdicts "$bug" "$df")
  [[ $got == "$want" ]] || bad "fresh run $i: '$got'"
done

# The same finding as the binary input the engines save.
if "$bug" --encode -o "$work/df.bin" "$df" >/dev/null 2>&1; then
  got=$(verdicts "$bug" --binary "$work/df.bin")
  [[ $got == "$want" ]] || bad "binary form: '$got'"
else
  bad "cannot encode $df"
fi

# Without the peer inside, the same program is clean.
grep -v '^p0 peer.inside' "$df" | grep -v '^# expect' >"$work/no-peer.txt"
got=$(verdicts "$bug" "$work/no-peer.txt")
[[ $got == "verdict: ok" ]] || bad "without peer.inside: '$got', want ok"

# Lint: the buggy take's two fetches of len, nothing on the twin's single fetch.
SHMFUZZ_INSIDE=lint "$bug" "$work/no-peer.txt" >"$work/lint-bug" 2>&1
SHMFUZZ_INSIDE=lint "$hard" "$work/no-peer.txt" >"$work/lint-hard" 2>&1
lines=$(grep -c 'shmfuzz: lint double-fetch: take ' "$work/lint-bug")
[[ $lines == 1 ]] || bad "lint on the buggy box: $lines double-fetch lines, want 1"
grep -q 'lint double-fetch' "$work/lint-hard" && bad "lint on the hardened twin: $(grep lint "$work/lint-hard")"
grep -q '^verdict: ok' "$work/lint-bug" || bad "lint mode changed the verdict: $(grep verdict "$work/lint-bug")"
# Suppressed by its first site (module+offset, as the line prints it).
first=$(sed -n 's/.*first at \([^ ,]*\).*/\1/p' "$work/lint-bug" | head -n 1)
printf '# the box is a test\ndouble-fetch:%s\n' "$first" >"$work/supp"
SHMFUZZ_INSIDE=lint SHMFUZZ_INSIDE_SUPPRESS=$work/supp "$bug" "$work/no-peer.txt" >"$work/lint-supp" 2>&1
grep -q 'lint double-fetch' "$work/lint-supp" && bad "suppression of $first did not hold"
# Both sites are named (static functions too, from the module's .symtab), and a function
# name suppresses.
grep -qE 'first at [^ ]+ \(box_take\+0x[0-9a-f]+\), again at [^ ]+ \(box_take\+0x[0-9a-f]+\)' \
  "$work/lint-bug" || bad "the lint does not name box_take twice: $(grep lint "$work/lint-bug")"
printf 'double-fetch:box_take\n' >"$work/supp-fn"
SHMFUZZ_INSIDE=lint SHMFUZZ_INSIDE_SUPPRESS=$work/supp-fn "$bug" "$work/no-peer.txt" >"$work/lint-supp-fn" 2>&1
grep -q 'lint double-fetch' "$work/lint-supp-fn" && bad "suppression of box_take did not hold"
SHMFUZZ_INSIDE=bogus "$bug" "$work/no-peer.txt" >/dev/null 2>&1
rc=$?
[[ $rc == 2 ]] || bad "SHMFUZZ_INSIDE=bogus: exit $rc, want 2"

# A SIGSEGV outside shared memory: the same crash with the peer, without it, and under lint.
want_wild=$(verdicts "$wild" "$dir/wild.txt")
matches "$want_wild" "$dir/wild.txt" || bad "wild.txt: '$want_wild'"
grep -v '^p0 peer.inside' "$dir/wild.txt" >"$work/wild-alone.txt"
got=$(verdicts "$wild" "$work/wild-alone.txt")
[[ $got == "${want_wild/op 4 (/op 3 (}" ]] || bad "wild without peer.inside: '$got', with it: '$want_wild'"
got=$(SHMFUZZ_INSIDE=lint verdicts "$wild" "$dir/wild.txt")
[[ $got == "$want_wild" ]] || bad "wild under lint: '$got', without lint: '$want_wild'"

# A system call given protected shared memory fails with EFAULT: said on stderr, not hidden.
printf '# shmfuzz program\nprocs 1\np0 create slot=0\np0 put slot=0 len=8\np0 sink\n' >"$work/sink.txt"
"$wild" "$work/sink.txt" >"$work/sink-plain" 2>&1
grep -q '3 p0 sink => ok' "$work/sink-plain" || bad "sink without the peer: $(grep 'p0 sink =>' "$work/sink-plain")"
SHMFUZZ_INSIDE=lint "$wild" "$work/sink.txt" >"$work/sink-lint" 2>&1
grep -q 'shmfuzz: inside: sink failed with EFAULT' "$work/sink-lint" ||
  bad "no EFAULT notice for sink under lint: $(grep -E 'sink|inside' "$work/sink-lint")"
# ... but not when the plan injected the EFAULT itself.
printf '# shmfuzz program\nprocs 1\nfault p0 shmctl@1=EFAULT\np0 create slot=0\np0 stat\n' >"$work/stat.txt"
SHMFUZZ_INSIDE=lint "$wild" "$work/stat.txt" >"$work/stat-lint" 2>&1
grep -q '2 p0 stat => failed' "$work/stat-lint" || bad "stat with an injected EFAULT: $(grep 'stat =>' "$work/stat-lint")"
grep -q 'shmfuzz: inside: stat failed with EFAULT' "$work/stat-lint" &&
  bad "the inside notice blamed the plan's own EFAULT on the protection"

# futex on a protected page (a process-shared semaphore and mutex in the segment: sem_post to
# a waiter, sem_timedwait and a timed lock that time out, the contended unlock) works: the
# same results as without protection, under lint, with the peer inside the op, and in the ops
# after it (the worker keeps the filter); three runs in one process reuse the worker.
printf '# shmfuzz program\nprocs 1\np0 create slot=0\np0 sync\np0 peer.inside at=2 seg=0 off=0 len=4 byte=255\np0 sync\np0 sync\n' >"$work/sync.txt"
grep -v 'peer.inside' "$work/sync.txt" >"$work/sync-alone.txt"
sync_ok() { # OUTPUT LABEL: 3 runs, each sync op ok, verdict ok, glibc never complained
  grep -q 'unexpected error code' "$1" && bad "$2: glibc aborted on a futex error"
  n=$(grep -cE '^ +[0-9]+ p0 sync => ok$' "$1")
  [[ $n == 9 ]] || bad "$2: $n of 9 sync ops ok: $(grep -E 'sync =>' "$1" | sort -u | tr '\n' ';')"
  [[ $(grep -c '^verdict: ok$' "$1") == 3 ]] || bad "$2: $(grep '^verdict' "$1" | sort -u)"
}
"$wild" "$work/sync-alone.txt" "$work/sync-alone.txt" "$work/sync-alone.txt" >"$work/sync-plain" 2>&1
sync_ok "$work/sync-plain" "sync without the mechanism"
"$wild" "$work/sync.txt" "$work/sync.txt" "$work/sync.txt" >"$work/sync-peer" 2>&1
sync_ok "$work/sync-peer" "sync with peer.inside"
SHMFUZZ_INSIDE=trace "$wild" "$work/sync-alone.txt" "$work/sync.txt" "$work/sync-alone.txt" \
  >"$work/sync-trace" 2>&1
sync_ok "$work/sync-trace" "sync under SHMFUZZ_INSIDE=trace"
grep -qE 'inside: sync: [1-9][0-9]* shared accesses .*, the peer wrote' "$work/sync-trace" ||
  bad "sync was not protected with the peer inside: $(grep 'inside: sync' "$work/sync-trace" | head -n 1)"

# shmfuzz minimize's op pass keeps the one peer.inside that matters, and drops the others.
src=$(cd "$(dirname "$0")/../.." && pwd)
min=$(mktemp -d)
# the command's own op pass (scripts/shmfuzz_cli/cmd_minimize.py), called as minimize calls it
python3 - "$src/scripts" "$bug" "$dir/minimize-me.txt" "$min" <<'PY' 2>/dev/null
import sys
sys.path.insert(0, sys.argv[1])
from shmfuzz_cli import cmd_minimize
lines = cmd_minimize._op_pass(sys.argv[2], "crash", sys.argv[3], sys.argv[4])
with open(sys.argv[4] + "/ops.txt", "w") as fh:
    fh.write("".join(line + "\n" for line in lines))
PY
kept=$(grep '^p[0-9]' "$min/ops.txt" 2>/dev/null | grep -c 'peer\.')
if ! grep -qx 'p1 peer.inside at=3 seg=0 off=0 len=4 byte=255' "$min/ops.txt" 2>/dev/null ||
   [[ $kept != 1 ]]; then
  bad "minimize kept $kept peer ops: $(grep '^p' "$min/ops.txt" 2>/dev/null | tr '\n' ';')"
fi
rm -rf "$min"

[[ $fail == 0 ]] && echo "ok: the peer inside the call: crash x23 on the double fetch, clean twin, lint, suppression, wild crash, EFAULT notice, futex, minimize"
exit "$fail"
