#!/bin/bash -eu
# build.sh: OSS-Fuzz / ClusterFuzzLite build of shmfuzz's fuzz targets.
# Inputs (set by the OSS-Fuzz builder, or by hand for a local check): CC, CFLAGS,
# LIB_FUZZING_ENGINE (e.g. -fsanitize=fuzzer), OUT, SRC (default: this checkout's parent).
# For each hardened target NAME it writes $OUT/NAME (the libFuzzer driver),
# NAME_seed_corpus.zip (the encoded seeds), NAME.dict and NAME.options. The bug catalogue
# (bug-*) is not shipped: those targets exist to be found, not fuzzed forever.
# SFZ_CFL_TARGETS="raw shmipc-kv" limits the build (local tests); the default is all of them.
set -o pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=${SRC:-$(dirname "$here")}
[[ -f $src/shmfuzz/CMakeLists.txt ]] && src=$src/shmfuzz
[[ -f $src/CMakeLists.txt ]] || { echo "build.sh: no shmfuzz checkout at $src" >&2; exit 2; }
: "${CC:?set CC (OSS-Fuzz does)}" "${OUT:?set OUT}" "${LIB_FUZZING_ENGINE:?set LIB_FUZZING_ENGINE}"
CFLAGS=${CFLAGS:-}
build=${WORK:-$(mktemp -d)}/shmfuzz-build
targets=${SFZ_CFL_TARGETS:-raw shmipc-kv shmipc-record shmipc-ring shmipc-file}

# The sanitizers come from $CFLAGS (OSS-Fuzz picks them); the engine from $LIB_FUZZING_ENGINE.
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER="$CC" \
  -DCMAKE_C_FLAGS="$CFLAGS" -DSHMFUZZ_ENGINE=libfuzzer -DSHMFUZZ_SANITIZE= \
  -DSHMFUZZ_ENGINE_LINK="$LIB_FUZZING_ENGINE" -DSHMFUZZ_BUILD_TESTS=OFF
make_targets=()
for t in $targets; do make_targets+=("sfz-$t-libfuzzer" "sfz-$t-replay"); done
cmake --build "$build" -j"$(nproc)" --target "${make_targets[@]}"
# Seeds: the build-time encoded corpus, else the text seeds encoded by the replay driver.
for t in $targets; do cmake --build "$build" --target "corpus-$t" >/dev/null 2>&1 || true; done

mkdir -p "$OUT"
for t in $targets; do
  cp "$build/bin/sfz-$t-libfuzzer" "$OUT/$t"
  seeds=$(mktemp -d)
  if compgen -G "$build/corpus/$t/*" >/dev/null; then
    cp "$build/corpus/$t"/* "$seeds"/
  else
    for s in "$src/corpus/$t/seeds"/*.txt; do
      "$build/bin/sfz-$t-replay" --encode -o "$seeds/$(basename "$s" .txt)" "$s"
    done
  fi
  rm -f "$OUT/${t}_seed_corpus.zip"
  (cd "$seeds" && zip -q -j "$OUT/${t}_seed_corpus.zip" ./*)
  rm -rf "$seeds"
  options="[libfuzzer]\ntimeout = 10\nrss_limit_mb = 2560\n"
  if [[ -f $src/corpus/$t.dict ]]; then
    cp "$src/corpus/$t.dict" "$OUT/$t.dict"
    options+="dict = $t.dict\n"
  fi
  printf '%b' "$options" >"$OUT/$t.options"
done
echo "build.sh: $targets -> $OUT"
