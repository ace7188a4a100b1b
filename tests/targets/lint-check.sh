#!/usr/bin/env bash
# lint-check.sh SOURCE_DIR BIN_DIR: the double-fetch lint (SHMFUZZ_INSIDE=lint, docs/harness.md)
# on libshmipc. Every double-fetch entry of the catalogue is named by it on its own reproducer
# without the peer.inside (a pair whose second read is shmipc_refetch_u32), and the hardened
# library, over every seed of its four patterns, shows no pair but the one it means: the
# sequence lock's second read of seq in value_copy (kv and file), which exists to detect a
# writer. A new double read anywhere in the hardened library fails here.
# Exit 0 as expected, 1 not, 77 skipped (no namespaces or a binary missing).
set -uo pipefail
# shellcheck source=tests/lib/src-bin.sh
. "$(dirname "$0")/../lib/src-bin.sh" "$@"

# lint REPLAY FILE: the lint lines of one replay, one per pair.
lint() { SHMFUZZ_INSIDE=lint "$1" "$2" 2>&1 | grep '^shmfuzz: lint double-fetch:'; }

while IFS=$'\t' read -r id class _ _ _ pattern; do
  [[ $class == double-fetch ]] || continue
  need_built "$bin/sfz-bug-$id-replay"
  grep -v 'peer\.inside' "$src/corpus/regressions/shmipc-$pattern/$id.txt" >"$work/plain.txt"
  if lint "$bin/sfz-bug-$id-replay" "$work/plain.txt" | grep -q 'again at .*(shmipc_refetch_u32+'; then
    echo "ok: bug-$id: the lint names the second read"
  else
    echo "FAIL: bug-$id: no lint pair ending in shmipc_refetch_u32"; fail=1
  fi
done <"$src/targets/bugs/catalogue.tsv"

for pattern in kv file record ring; do
  need_built "$bin/sfz-shmipc-$pattern-replay"
  before=$fail
  for seed in "$src"/corpus/shmipc-"$pattern"/seeds/*.txt; do
    other=$(lint "$bin/sfz-shmipc-$pattern-replay" "$seed" |
      grep -vE 'first at [^ ]+ \(value_copy\+0x[0-9a-f]+\), again at [^ ]+ \(value_copy\+0x[0-9a-f]+\)$')
    if [[ -n $other ]]; then
      echo "FAIL: shmipc-$pattern $(basename "$seed"): a double read in the hardened library:"
      echo "$other"; fail=1
    fi
  done
  [[ $fail == "$before" ]] && echo "ok: shmipc-$pattern: no double read over its seeds but the sequence lock's"
done

# Suppressing the sequence lock by function hides its own pair (both reads in value_copy) and
# nothing else: double-fetch-len's pair starts in value_copy too and must stay printed.
printf 'double-fetch:value_copy\n' >"$work/supp"
need_built "$bin/sfz-bug-double-fetch-len-replay"
grep -v 'peer\.inside' "$src/corpus/regressions/shmipc-kv/double-fetch-len.txt" >"$work/plain.txt"
got=$(SHMFUZZ_INSIDE_SUPPRESS=$work/supp lint "$bin/sfz-bug-double-fetch-len-replay" "$work/plain.txt")
if grep -q 'again at .*(shmipc_refetch_u32+' <<<"$got" && ! grep -q 'again at .*(value_copy+' <<<"$got"; then
  echo "ok: a function suppression hides the pairs inside it, not the pair leaving it"
else
  echo "FAIL: with double-fetch:value_copy suppressed the lint printed: ${got:-nothing}"; fail=1
fi
exit $fail
