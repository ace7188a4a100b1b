#!/usr/bin/env bash
# programs.sh ENUM LIB BINDIR PROGRAMS.TSV: enumerate (shmfault-enum, realistic errnos, with
# crashes) on every program of PROGRAMS.TSV and its buggy twin: the correct one has every cell
# ok, the twin's documented defect is found with the right kind in the right process.
set -uo pipefail
enum=$1 lib=$2 bin=$3 list=$4
unshare -ipmf --mount-proc true 2>/dev/null || { echo "skipped: needs namespaces (root)"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
# nonok DIR: "point<TAB>outcome<TAB>process<TAB>why" of every non-ok cell
nonok() { awk -F '\t' 'NR > 1 && $5 != "ok" { print $2 "@" $3 "\t" $5 "\t" $8 "\t" $7 }' "$1/cells.tsv"; }

while IFS=$'\t' read -r name _args point kind process; do
  [[ -z $name || $name == \#* ]] && continue
  "$enum" --lib "$lib" --runs "$work/$name" --crash -- "$bin/e-$name" >"$work/$name.log" 2>&1
  rc=$?
  [[ $rc == 0 ]] && ok "$name: every cell ok" ||
    bad "$name: exit $rc: $(nonok "$work/$name" | head -n 5) $(tail -n 2 "$work/$name.log")"
  "$enum" --lib "$lib" --runs "$work/$name-bug" --crash -- "$bin/e-$name-bug" >"$work/$name-bug.log" 2>&1
  rc=$?
  found=$(nonok "$work/$name-bug" | awk -F '\t' -v p="$point" -v k="$kind" -v pr="$process" \
    '$1 == p && $2 == k && $3 == pr' | head -n 1)
  [[ $rc == 1 && -n $found ]] && ok "$name-bug: $kind at $point in $process (${found##*$'\t'})" ||
    bad "$name-bug: exit $rc, no $kind at $point in $process; non-ok: $(nonok "$work/$name-bug" | head -n 5)"
done <"$list"
exit $fail
