#!/usr/bin/env bash
# house-rules.sh SOURCE_DIR: cheap checks of the rules in shared/STYLE.md that a compiler misses.
#  - interposers (faults/src) never use stdio or malloc: they run inside async-signal contexts
#  - no "#ifdef E..." around errno names: a typo must fail to compile, not vanish
#  - every C source opens with a purpose comment
set -uo pipefail
cd "$1" || exit 2
fail=0
complain() { echo "house-rules: $*"; fail=1; }

if [[ -d faults/src ]]; then
  while IFS= read -r hit; do complain "stdio/malloc in the fault layer: $hit"; done < <(
    grep -nE '\b(printf|fprintf|fputs|puts|snprintf|sprintf|malloc|calloc|realloc|strdup)\s*\(' \
      faults/src/*.c 2>/dev/null | grep -vE '^[^:]+:[0-9]+:\s*(/\*|\*|//)' |
      grep -vE 'house-rules: allow')
fi
while IFS= read -r hit; do complain "errno behind #ifdef: $hit"; done < <(
  grep -rnE '^\s*#\s*if(n)?def\s+E[A-Z]+\b' --include='*.c' --include='*.h' . 2>/dev/null | grep -v '^./build/')
while IFS= read -r f; do
  head -n 3 "$f" | grep -qE '^\s*(/\*|//)' || complain "$f does not open with a purpose comment"
done < <(find faults harness targets bench tests -name '*.c' -o -name '*.h' 2>/dev/null | grep -v '/build/')

[[ $fail -eq 0 ]] && echo "house rules: ok"
exit $fail
