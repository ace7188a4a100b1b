#!/usr/bin/env bash
# sanitizers.sh SOURCE_DIR BUILD_DIR PROGRAM_DIR CC PROGRAM_SOURCES: programs built with
# -fsanitize=address or undefined: their reports are findings of `shmfuzz enumerate` and `shmfuzz run`
# with no --valgrind (LeakSanitizer's leak at the shmat cells, ASan's use after free, UBSan's
# overflow), and the correct twin stays clean.
set -uo pipefail
SFZ_SRC=$1
# shellcheck source=tests/cli/lib.sh
. "$SFZ_SRC/tests/cli/lib.sh"
build=$2 cc=$4 src=$5
[[ -f $build/lib/libshmfault.so && -x $build/bin/shmfault-memcheck ]] || { echo "skipped: not built"; exit 77; }
unshare -ipmf --mount-proc true 2>/dev/null || { echo "skipped: needs namespaces (root)"; exit 77; }
export SHMFUZZ_BUILD_dev=$build SHMFAULT_LIB=$build/lib/libshmfault.so
unset ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS
"$cc" -g -O1 -fsanitize=address -o "$WORK/ctx-asan" "$src/ctx-leak.c" 2>"$WORK/cc.log" ||
  { echo "skipped: $cc cannot build with -fsanitize=address: $(head -3 "$WORK/cc.log")"; exit 77; }
"$cc" -g -O1 -fsanitize=address -DFREES_CTX -o "$WORK/ctx-asan-frees" "$src/ctx-leak.c"
"$cc" -g -O1 -fsanitize=address -DFREES_CTX -DLEAKS_ALWAYS -o "$WORK/ctx-asan-always" "$src/ctx-leak.c"
"$cc" -g -O0 -fsanitize=address -o "$WORK/uaf-asan" "$src/uaf-on-error.c"
"$cc" -g -O0 -fsanitize=undefined -o "$WORK/ub-ubsan" "$src/ub-on-error.c"

not_ok() { awk -F '\t' 'NR > 1 && $5 != "ok" { print $2 "@" $3 "=" $4, $5 }' "$1/cells.tsv" | sort; }
shmat_cells() { printf "shmat@1=ENOMEM %s\n" "$1"; } # the realistic errno of an attach to its own 0600 segment

run_sfz enumerate --report "$WORK/leak" -- "$WORK/ctx-asan"
expect_status 1 "enumerate (no --valgrind) on the ASan build of ctx-leak"
[[ $(not_ok "$WORK/leak") == "$(shmat_cells leak-heap)" ]] && pass "LeakSanitizer's leak at exactly the shmat cells" ||
  fail "ctx-asan: non-ok cells: $(not_ok "$WORK/leak")"
expect_in "$(cat "$WORK/leak/cells.tsv")" "Direct leak of 88 byte.*calloc.* < open_ctx \(ctx-leak.c:[0-9]+\)" \
  "with the allocating function"
run_sfz enumerate --report "$WORK/frees" -- "$WORK/ctx-asan-frees"
expect_status 0 "the ASan build of the correct twin: every cell ok"

# A leak of every run: one program-level finding; LeakSanitizer leaves the exit status alone.
run_sfz enumerate --report "$WORK/always" -- "$WORK/ctx-asan-always"
expect_status 1 "the ASan build that leaks on every run"
[[ $(not_ok "$WORK/always") == "-@-=none (clean run) leak-heap" ]] && pass "one program-level finding (the clean run), no cell" ||
  fail "ctx-asan-always: non-ok cells: $(not_ok "$WORK/always")"
expect_in "$(sed -n 2p "$WORK/always/cells.tsv")" "leak-heap	0	program-level .*load_banner" \
  "the clean run keeps its own exit status 0 and names the leak"

run_sfz enumerate --report "$WORK/uaf" -- "$WORK/uaf-asan"
expect_status 1 "enumerate on the ASan build of uaf-on-error"
[[ $(not_ok "$WORK/uaf") == "$(shmat_cells memory-error)" ]] && pass "ASan's heap-use-after-free at exactly the shmat cells" ||
  fail "uaf-asan: non-ok cells: $(not_ok "$WORK/uaf")"
expect_in "$(cat "$WORK/uaf/cells.tsv")" "heap-use-after-free \(WRITE of size 4\) in pid [0-9]+: main \(uaf-on-error.c:[0-9]+\)" "named with where"

run_sfz enumerate --report "$WORK/ub" -- "$WORK/ub-ubsan"
expect_status 1 "enumerate on the UBSan build of ub-on-error"
[[ $(not_ok "$WORK/ub") == "$(shmat_cells undefined)" ]] && pass "UBSan's overflow at exactly the shmat cells" ||
  fail "ub-ubsan: non-ok cells: $(not_ok "$WORK/ub")"
expect_in "$(cat "$WORK/ub/cells.tsv")" "undefined	1	signed integer overflow: .*: ub-on-error.c:[0-9]+:[0-9]+(	|$)" \
  "named with its location"

run_sfz run --fault shmat@1=ENOMEM -- "$WORK/ctx-asan"
expect_status 1 "run on the ASan build with the fault: a finding"
expect_in "$err" "FINDING leak-heap: Direct leak of 88 byte" "run names it"
expect_in "$err" "ERROR: LeakSanitizer" "and shows the sanitizer's report"
rm -rf "${err##*every report: }" 2>/dev/null
run_sfz run -- "$WORK/ctx-asan"
expect_status 0 "run on the ASan build without a fault: clean"
finish
