#!/usr/bin/env bash
# build-preset.sh PRESET SOURCE_DIR BINARY_DIR: configure and build one CMake preset in a
# private binary directory. Exit 77 (skipped) when the preset's compiler is not installed.
set -euo pipefail
preset=$1 src=$2 bin=$3

case "$preset" in
  asan|libfuzzer) need=clang ;;
  afl) need=afl-clang-fast ;;
  *) need=gcc ;;
esac
if ! command -v "$need" >/dev/null 2>&1; then
  echo "skipped: $need is not installed (scripts/install-deps installs it)"
  exit 77
fi
cd "$src"
cmake --preset "$preset" -B "$bin" -DSHMFUZZ_WERROR=ON
cmake --build "$bin" -j 2
echo "preset $preset built in $bin"
