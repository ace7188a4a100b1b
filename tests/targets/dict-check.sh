#!/usr/bin/env bash
# dict-check.sh SOURCE_DIR BIN_DIR: every fuzzing dictionary corpus/shmipc-<pattern>.dict is in
# step with its adapter. corpus/make-dict.sh regenerates the tokens of a copy from its
# "# step:" lines with sfz-shmipc-<pattern>-replay --encode; the copy must equal the file. A
# step the parser rejects (an op or argument renamed since) or a token that no longer encodes
# its step fails: the engines would be fed stale bytes (the ring and record dictionaries were,
# until 2026-12-06). Exit 0 all in step, 1 not, 77 skipped (a replay binary missing).
set -uo pipefail
# shellcheck source=tests/lib/src-bin.sh
. "$(dirname "$0")/../lib/src-bin.sh" "$@"
for dict in "$src"/corpus/shmipc-*.dict; do
  pattern=$(basename "$dict" .dict)
  need_built "$bin/sfz-$pattern-replay"
  cp "$dict" "$work/copy.dict"
  if ! out=$("$src/corpus/make-dict.sh" "$bin/sfz-$pattern-replay" "$work/copy.dict" 2>&1); then
    echo "FAIL: $dict: a step does not parse: $out"
    fail=1
  elif ! diff -u "$dict" "$work/copy.dict" >"$work/diff"; then
    echo "FAIL: $dict: tokens out of step with the format (regenerate with corpus/make-dict.sh):"
    head -n 20 "$work/diff"
    fail=1
  else
    echo "ok: $dict ($out)"
  fi
done
exit $fail
