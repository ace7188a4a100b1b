#!/usr/bin/env bash
# clusterfuzzlite.sh SOURCE_DIR: .clusterfuzzlite/build.sh run the way the OSS-Fuzz builder
# runs it (CC, CFLAGS with ASan and fuzzer-no-link, LIB_FUZZING_ENGINE, OUT), for two targets:
# the OSS-Fuzz layout comes out and each fuzzer runs its seed corpus.
set -uo pipefail
SFZ_SRC=$1
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
need_tool clang zip
mkdir -p "$WORK/out"
export WORK # build.sh builds in $WORK/shmfuzz-build, removed with it
if CC=clang CFLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only -fsanitize=address -fsanitize=fuzzer-no-link" \
   LIB_FUZZING_ENGINE=-fsanitize=fuzzer OUT=$WORK/out SRC=$SFZ_SRC \
   SFZ_CFL_TARGETS="raw shmipc-kv" "$SFZ_SRC/.clusterfuzzlite/build.sh" >"$WORK/build.log" 2>&1; then
  pass "build.sh"
else
  fail "build.sh failed"; tail -n 30 "$WORK/build.log"; finish
fi
for t in raw shmipc-kv; do
  [[ -x $WORK/out/$t ]] && pass "\$OUT/$t" || fail "no \$OUT/$t"
  [[ -s $WORK/out/${t}_seed_corpus.zip ]] && pass "\$OUT/${t}_seed_corpus.zip" || fail "no seed corpus zip for $t"
  grep -q '^\[libfuzzer\]' "$WORK/out/$t.options" && pass "\$OUT/$t.options" || fail "no options for $t"
  mkdir -p "$WORK/seeds-$t"
  (cd "$WORK/seeds-$t" && unzip -q "$WORK/out/${t}_seed_corpus.zip")
  if (cd "$WORK" && "$WORK/out/$t" -runs=200 -seed=1 "$WORK/seeds-$t" >"$WORK/run-$t.log" 2>&1); then
    pass "$t runs its seeds under libFuzzer + ASan"
  else
    fail "$t failed on its seeds"; tail -n 20 "$WORK/run-$t.log"
  fi
done
[[ -f $WORK/out/shmipc-kv.dict ]] && grep -q '^dict = shmipc-kv.dict' "$WORK/out/shmipc-kv.options" &&
  pass "shmipc-kv ships its dictionary" || fail "no dictionary for shmipc-kv"
[[ ! -e $WORK/out/bug-unchecked-shmat ]] && pass "catalogue targets are not shipped" || fail "bug-* shipped"
finish
