#!/usr/bin/env bash
# valgrind.sh SOURCE_DIR BUILD_DIR PROGRAM_DIR: `shmfuzz enumerate --valgrind` and `shmfuzz run
# --valgrind` on the tests/memcheck programs: each planted error-path bug is found at exactly
# its cells with its stack, the correct twin stays clean, a leak of every run is judged once,
# and an exec'd child's leak is the child's.
set -uo pipefail
SFZ_SRC=$1
# shellcheck source=tests/cli/lib.sh
. "$SFZ_SRC/tests/cli/lib.sh"
build=$2 progs=$3
[[ -f $build/lib/libshmfault.so && -x $build/bin/shmfault-memcheck ]] || { echo "skipped: not built"; exit 77; }
command -v valgrind >/dev/null || { echo "skipped: valgrind is not installed"; exit 77; }
unshare -ipmf --mount-proc true 2>/dev/null || { echo "skipped: needs namespaces (root)"; exit 77; }
export SHMFUZZ_BUILD_dev=$build SHMFAULT_LIB=$build/lib/libshmfault.so

# not_ok REPORT_DIR: "function@call=fault outcome" of every non-ok cell (clean run: "clean")
not_ok() {
  awk -F '\t' 'NR > 1 && $5 != "ok" { print ($1 == 0 ? "clean" : $2 "@" $3 "=" $4), $5 }' "$1/cells.tsv" | sort
}
shmat_cells() { printf "shmat@1=ENOMEM %s\n" "$1"; } # the realistic errno of an attach to its own 0600 segment
shmat_first() { printf 'shmat@1=ENOMEM,proc=first %s\n' "$1"; } # with --errnos first (a quicker matrix)
why_of() { awk -F '\t' -v c="$2" '$1 == c { print $7 }' "$1/cells.tsv"; }

# The issue's program: the context is lost when shmat fails.
run_sfz enumerate --valgrind --report "$WORK/leak" -- "$progs/mc-ctx-leak"
expect_status 1 "enumerate --valgrind on ctx-leak finds its bug"
[[ $(not_ok "$WORK/leak") == "$(shmat_cells leak-heap)" ]] && pass "ctx-leak: exactly the shmat cells are leak-heap" ||
  fail "ctx-leak: non-ok cells: $(not_ok "$WORK/leak")"
cell=$(awk -F '\t' '$2 == "shmat" && $4 == "ENOMEM" { print $1 }' "$WORK/leak/cells.tsv")
expect_in "$(why_of "$WORK/leak" "$cell")" "88 bytes in 1 blocks are definitely lost .*calloc < open_ctx \(ctx-leak.c:[0-9]+\)" \
  "the why names the allocating function and its line"
expect_in "$(cat "$WORK/leak/runs/$cell/memcheck.txt")" "open_ctx" "the cell keeps memcheck.txt with the stack"
# Valgrind starts once: the fork server itself (PID 1, the program's image, not valgrind's
# launcher script) runs under memcheck, and every cell is a fork of it.
expect_in "$(cat "$WORK/leak/runs/.memcheck-0/vg.1.1" 2>/dev/null)" "<exe>[^<]*mc-ctx-leak</exe>" \
  "the fork server is the program under memcheck (one Valgrind start for the matrix)"
expect_in "$(cat "$WORK/leak/report.md")" "enumerate --valgrind --rule shmat@1=ENOMEM -- " "the reproducer carries --valgrind"
run_sfz enumerate --valgrind --rule shmat@1=ENOMEM --report "$WORK/one" -- "$progs/mc-ctx-leak"
expect_status 1 "the reproducer reproduces"
expect_in "$out" "^== outcome: leak-heap: .*open_ctx" "one cell: leak-heap with its stack"

# Two fork servers, each under its own memcheck: the same cells.
run_sfz enumerate --valgrind --jobs 2 --errnos first --report "$WORK/jobs" -- "$progs/mc-ctx-leak"
expect_status 1 "enumerate --valgrind --jobs 2"
[[ $(not_ok "$WORK/jobs") == "$(shmat_cells leak-heap)" ]] && pass "--jobs 2: the same leak-heap cells" ||
  fail "--jobs 2: non-ok cells: $(not_ok "$WORK/jobs")"

# Its correct twin frees the context: clean in every cell.
run_sfz enumerate --valgrind --report "$WORK/frees" -- "$progs/mc-ctx-frees"
expect_status 0 "enumerate --valgrind on the correct twin: every cell ok"
[[ -z $(not_ok "$WORK/frees") ]] && pass "ctx-frees: no finding" || fail "ctx-frees: $(not_ok "$WORK/frees")"

# A leak of every run is the program's, judged once (the clean run), not in each cell.
run_sfz enumerate --valgrind --errnos first --report "$WORK/always" -- "$progs/mc-ctx-always"
expect_status 1 "a leak in every run is a finding"
[[ $(not_ok "$WORK/always") == "clean leak-heap" ]] && pass "ctx-always: one program-level finding only" ||
  fail "ctx-always: non-ok cells: $(not_ok "$WORK/always")"
expect_in "$(why_of "$WORK/always" 0)" "^program-level .*load_banner" "named program-level, with its stack"

# A use after free on the error path only.
run_sfz enumerate --valgrind --report "$WORK/uaf" -- "$progs/mc-uaf"
expect_status 1 "enumerate --valgrind on uaf-on-error finds its bug"
[[ $(not_ok "$WORK/uaf") == "$(shmat_cells memory-error)" ]] && pass "uaf: exactly the shmat cells are memory-error" ||
  fail "uaf: non-ok cells: $(not_ok "$WORK/uaf")"
cell=$(awk -F '\t' '$2 == "shmat" && $4 == "ENOMEM" { print $1 }' "$WORK/uaf/cells.tsv")
expect_in "$(why_of "$WORK/uaf" "$cell")" "Invalid write of size 4 .*main \(uaf-on-error.c:[0-9]+\)" "the invalid write and where"
expect_in "$(cat "$WORK/uaf/runs/$cell/memcheck.txt")" "free'd: free < close_ctx \(uaf-on-error.c:[0-9]+\)" \
  "memcheck.txt says where the block was freed"

# The leak is in an exec'd child: attributed to it, not to the parent.
run_sfz enumerate --valgrind --errnos first --report "$WORK/exec" -- "$progs/mc-exec-child"
expect_status 1 "enumerate --valgrind on exec-child finds its bug"
[[ $(not_ok "$WORK/exec") == "$(shmat_first leak-heap)" ]] && pass "exec-child: exactly the shmat cells are leak-heap" ||
  fail "exec-child: non-ok cells: $(not_ok "$WORK/exec")"
cell=$(awk -F '\t' '$2 == "shmat" && $4 ~ /^ENOMEM/ { print $1 }' "$WORK/exec/cells.tsv")
expect_in "$(why_of "$WORK/exec" "$cell")" "in pid [0-9]+ \(mc-exec-child worker\): malloc < worker_attach" \
  "the leak is the exec'd worker's (its argv), with its stack"

# run --valgrind: one run, judged alone.
run_sfz run --valgrind --fault shmat@1=ENOMEM -- "$progs/mc-ctx-leak"
expect_status 1 "run --valgrind with the fault: a finding"
expect_in "$err" "FINDING leak-heap: .*open_ctx" "run prints the finding and its stack"
run_sfz run --valgrind -- "$progs/mc-ctx-leak"
expect_status 0 "run --valgrind without a fault: clean"
rm -rf "${err##*every report: }" 2>/dev/null
run_sfz enumerate --valgrind-reachable -- "$progs/mc-ctx-leak"
expect_status 2 "--valgrind-reachable without --valgrind is a usage error"
# Under Valgrind the kernel names every process "memcheck-amd64-"; the layer gives it back its
# program's name, so image= points and the accounting's names match what runs natively.
prog=$build/tests/faults/faults_prog
if [[ -x $prog ]]; then
  out=$(SHMFAULT_RULES="ftok@1=ENOENT,image=faults_prog" LD_PRELOAD=$SHMFAULT_LIB valgrind -q "$prog" call ftok 2>&1)
  expect_in "$out" "ftok failed ENOENT" "under Valgrind an image= rule matches the program's own name"
  out=$(SHMFAULT_RULES="ftok@1=ENOENT,image=faults_prog" LD_PRELOAD=$SHMFAULT_LIB "$prog" call ftok 2>&1)
  expect_in "$out" "ftok failed ENOENT" "natively the same rule matches (nothing renamed)"
else
  fail "no $prog to check image= rules under Valgrind"
fi
finish
