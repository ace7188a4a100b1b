#!/usr/bin/env bash
# cppcheck.sh SOURCE_DIR: the project's C code is clean under cppcheck's warning and
# portability checks (whole program: it also follows values across files). A finding that is
# wrong gets an inline "// cppcheck-suppress ID" with a reason, never a global switch-off.
set -euo pipefail
# shellcheck source=tests/lib/need.sh
. "$(dirname "$0")/../lib/need.sh"
cd "$1"
need_tool cppcheck
cppcheck --quiet --error-exitcode=1 --enable=warning,portability --inline-suppr --std=c11 \
  -D_GNU_SOURCE -Ifaults/include -Iharness/include -Itargets/shmipc/include \
  faults tools harness targets bench examples tests
echo "ok: cppcheck clean"
