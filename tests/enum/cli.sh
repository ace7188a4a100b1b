#!/usr/bin/env bash
# cli.sh SOURCE_DIR BUILD_DIR: shmfuzz enumerate and run --isolate from the command line:
# --suppressions (objects kept by design are no leak), more than 40 non-ok cells (exit 1, not a
# broken pipe), a clean run that fails (exit 2 before the matrix), which errnos an open by key
# gets (--errnos peer, clean runs that disagree).
set -uo pipefail
src=$1 build=$2
unshare -ipmf --mount-proc true 2>/dev/null || { echo "skipped: needs namespaces (root)"; exit 77; }
export SHMFUZZ_BUILD_dev=$build
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
sfz() { "$src/scripts/shmfuzz" "$@" >"$work/out" 2>"$work/err" </dev/null; }
keeper=$build/tests/enum/programs/e-keeper many=$build/tests/enum/programs/e-many
printf '# kept for the programs that come after it\nsysv-shm key=0x5ea1\nposix-shm name=/keeper.*\n' >"$work/supp"

sfz run --isolate --fail-on-leak -- "$keeper"
rc=$?
[[ $rc == 1 ]] && grep -q 'left in the namespace: 1 shm segment(s), 0 semaphore set(s), 1 /dev/shm' "$work/err" &&
  ok "run --isolate: what the keeper leaves is listed (exit 1)" || bad "run --isolate: exit $rc: $(cat "$work/err")"
sfz run --isolate --fail-on-leak --suppressions "$work/supp" -- "$keeper"
rc=$?
[[ $rc == 0 ]] && grep -q '2 object(s) left as SHMFAULT_SUPPRESSIONS allows' "$work/err" &&
  ! grep -q 'shmfault: leak' "$work/err" && ok "run --isolate --suppressions: nothing reported (exit 0)" ||
  bad "run --isolate --suppressions: exit $rc: $(cat "$work/err")"

sfz enumerate --report "$work/k1" -- "$keeper"
rc=$?
[[ $rc == 1 ]] && ok "enumerate: the keeper's clean run leaves objects (exit 1)" || bad "enumerate keeper: exit $rc"
sfz enumerate --suppressions "$work/supp" --report "$work/k2" -- "$keeper"
rc=$?
[[ $rc == 0 ]] && ok "enumerate --suppressions: every cell ok" ||
  bad "enumerate --suppressions: exit $rc: $(awk -F '\t' '$5 != "ok"' "$work/k2/cells.tsv" | head -n 3)"
sfz enumerate --suppressions "$work/none" -- "$keeper"
[[ $? == 2 ]] && ok "enumerate --suppressions of a missing file: exit 2" || bad "missing suppressions file accepted"

sfz enumerate --errnos first --report "$work/many" -- "$many"
rc=$?
n=$(awk -F '\t' 'NR > 1 && $5 == "swallowed"' "$work/many/cells.tsv" | wc -l)
[[ $rc == 1 && $n -ge 50 ]] && grep -q 'and [0-9]* more' "$work/err" &&
  ok "enumerate with $n non-ok cells: exit 1 (not 141) and the summary says how many more" ||
  bad "many: exit $rc, $n swallowed cells: $(tail -n 2 "$work/err")"

sfz enumerate --report "$work/false" -- /bin/false
rc=$?
[[ $rc == 2 ]] && grep -q 'fails without any fault' "$work/err" && [[ ! -d $work/false/runs/1 ]] &&
  ok "a failing clean run: exit 2 before any cell" || bad "failing clean run: exit $rc: $(tail -n 2 "$work/err")"
# keyed's client opens by key what its server made (tests/enum/programs.tsv: no EACCES, EINVAL,
# creation errno there, no ENOENT/EACCES on an ftok of a path already resolved): a peer's rm
# still reaches ftok (--errnos peer), and clean runs that disagree keep the errnos.
keyed=$build/tests/enum/programs/e-keyed
has() { awk -F '\t' -v f="$2" -v c="$3" -v x="$4" '$2 == f && $3 == c && $4 == x' "$1/cells.tsv" | grep -q .; }
sfz enumerate --errnos peer --report "$work/peer" -- "$keyed"
has "$work/peer" ftok 1 ENOENT,proc=children && ! has "$work/peer" shmget 1 EACCES,proc=children &&
  ok "enumerate --errnos peer: ftok of a resolved path gets ENOENT, the open by key no EACCES" ||
  bad "keyed --errnos peer: $(cut -f 2-4 "$work/peer/cells.tsv" | grep -v SIGKILL | tr '\n' ' ')"
sfz enumerate --report "$work/alt" -- "$keyed" "$work/count"
has "$work/alt" semget 1 ENOSPC,proc=children && ! has "$work/alt" shmget 1 EACCES,proc=children &&
  ok "enumerate: clean runs that disagree on who made the set keep semget's ENOSPC" ||
  bad "keyed, alternating: $(cut -f 2-4 "$work/alt/cells.tsv" | grep -v SIGKILL | tr '\n' ' ')"
exit $fail
