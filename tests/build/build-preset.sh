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
# shellcheck source=tests/lib/need.sh
. "$(dirname "$0")/../lib/need.sh"
need_tool "$need"
cd "$src"
cmake --preset "$preset" -B "$bin" -DSHMFUZZ_WERROR=ON
cmake --build "$bin" -j 2
echo "preset $preset built in $bin"
