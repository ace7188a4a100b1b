#!/usr/bin/env bash
# catalogue-check.sh SOURCE_DIR: the bug catalogue is well-formed and complete. Every line of
# targets/bugs/catalogue.tsv has 6 fields with known values, a unique id, a BUG() macro in
# targets/shmipc/src/bug.h, a reproducer corpus/regressions/shmipc-<target>/<id>.txt whose
# header names the finding, and an entry in docs/bugs.md; there are at least 12 entries.
set -uo pipefail
src=${1:?usage: catalogue-check.sh SOURCE_DIR}
cat=$src/targets/bugs/catalogue.tsv
fail=0
complain() { echo "catalogue: $*"; fail=1; }

classes=" crash leak-ipc leak-heap bad-error hang data security double-fetch "
findings=" crash leak-ipc leak-heap bad-error hang data fd-leak "
found_bys=" fuzz enumerate both "
patterns=" kv record ring file "
declare -A seen=()
n=0
while IFS=$'\t' read -r id class finding desc found_by target extra; do
  [[ -z "$id" || "$id" == \#* ]] && continue
  n=$((n + 1))
  where="line for '$id'"
  [[ -n "$extra" || -z "$target" ]] && complain "$where: expected 6 tab-separated fields"
  [[ "$id" =~ ^[a-z][a-z0-9-]*$ ]] || complain "$where: id must be lower-case words joined by '-'"
  [[ -n "${seen[$id]:-}" ]] && complain "$where: duplicate id"
  seen[$id]=1
  [[ "$classes" == *" $class "* ]] || complain "$where: unknown class '$class'"
  [[ "$findings" == *" $finding "* ]] || complain "$where: unknown finding kind '$finding'"
  [[ "$found_bys" == *" $found_by "* ]] || complain "$where: found_by must be fuzz, enumerate or both"
  [[ "$patterns" == *" $target "* ]] || complain "$where: unknown target pattern '$target'"
  [[ ${#desc} -ge 20 ]] || complain "$where: description too short"
  macro="SHMIPC_BUG_$(tr 'a-z-' 'A-Z_' <<<"$id")"
  grep -q "define $macro " "$src/targets/shmipc/src/bug.h" || complain "$where: no $macro in bug.h"
  uses=$(grep -rhoE "BUG\($(tr 'a-z-' 'A-Z_' <<<"$id")\)" "$src/targets/shmipc/src" | wc -l)
  [[ $uses -ge 1 ]] || complain "$where: the library never tests BUG($(tr 'a-z-' 'A-Z_' <<<"$id"))"
  repro=$src/corpus/regressions/shmipc-$target/$id.txt
  if [[ ! -f "$repro" ]]; then
    complain "$where: no reproducer $repro"
  else
    grep -qE "^# *finding: *$finding\b" "$repro" || complain "$where: $repro does not say '# finding: $finding'"
    grep -qE "^# *target: *bug-$id\b" "$repro" || complain "$where: $repro does not say '# target: bug-$id'"
  fi
  grep -q "\*\*$id\*\*" "$src/docs/bugs.md" || complain "$where: no **$id** entry in docs/bugs.md"
done <"$cat"
[[ $n -ge 12 ]] || complain "only $n entries (at least 12 required)"
[[ $fail -eq 0 ]] && echo "catalogue: $n entries ok"
exit $fail
