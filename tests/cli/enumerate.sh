#!/usr/bin/env bash
# enumerate.sh SOURCE_DIR DEV_BUILD CORRECT IGNORES_SHMAT LEAKS_ON_ERROR SWALLOWS_SEMOP: the
# planted bugs of the test programs are reported (crash, leak, swallowed), nothing on the
# correct one.
set -uo pipefail
SFZ_SRC=$1
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
need_dir "$2/bin"
[[ -f $2/lib/libshmfault.so ]] || need_skip "$2/lib/libshmfault.so is not built"
need_built "$2/bin/shmfault-info"
need_pid_namespace
export SHMFUZZ_BUILD_dev=$2
correct=$3 ignores=$4 leaks=$5 swallows=$6

# outcomes REPORT_DIR: "function@call=fault outcome" of every non-ok cell, sorted
outcomes() { awk -F '\t' 'NR > 1 && $5 != "ok" { print $2 "@" $3 "=" $4, $5 }' "$1/cells.tsv" | sort; }

run_sfz enumerate --crash --report "$WORK/correct" -- "$correct"
expect_status 0 "enumerate of the correct program: every cell ok"
expect_in "$(cat "$WORK/correct/report.md")" "^Outcomes: ok [0-9]+$" "its report has only ok cells"
cells=$(($(wc -l <"$WORK/correct/cells.tsv") - 1))
[[ $cells -gt 30 ]] && pass "correct: $cells cells (every point x realistic errnos + crashes)" || fail "correct: only $cells cells"

run_sfz enumerate --crash --report "$WORK/ignores" -- "$ignores"
expect_status 1 "enumerate of ignores-shmat finds its bug"
# realistic: ENOMEM only (EACCES cannot happen on a segment the program created 0600 itself)
want="shmat@1=ENOMEM crash"
[[ $(outcomes "$WORK/ignores") == "$want" ]] && pass "ignores-shmat: exactly the realistic shmat errno crashes" ||
  fail "ignores-shmat: non-ok cells: $(outcomes "$WORK/ignores")"

run_sfz enumerate --crash --report "$WORK/leaks" -- "$leaks"
expect_status 1 "enumerate of leaks-on-error finds its bug"
want="shmat@1=ENOMEM leak"
[[ $(outcomes "$WORK/leaks") == "$want" ]] && pass "leaks-on-error: exactly the realistic shmat errno leaks" ||
  fail "leaks-on-error: non-ok cells: $(outcomes "$WORK/leaks")"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["counts"]["leak"] == 1; assert all(c["reproducer"] for c in d["cells"] if c["outcome"] != "ok")' \
  "$WORK/leaks/report.json" && pass "report.json: counts and a reproducer per non-ok cell" || fail "report.json"

# --errnos documented: every errno of the man page, also those only garbage arguments get.
run_sfz enumerate --errnos documented --report "$WORK/ignores-doc" -- "$ignores"
want=$(printf 'shmat@1=%s crash\n' EACCES EIDRM EINVAL ENOMEM)
[[ $(outcomes "$WORK/ignores-doc") == "$want" ]] && pass "--errnos documented: all four shmat errnos" ||
  fail "--errnos documented: non-ok cells: $(outcomes "$WORK/ignores-doc")"
run_sfz enumerate --errnos bogus -- "$ignores"
expect_status 2 "--errnos with an unknown mode"

# A clean run that fails stops enumerate before the matrix (exit 2) and says why.
run_sfz enumerate --report "$WORK/false" -- /bin/false
expect_status 2 "enumerate of a program that fails without any fault"
expect_in "$err" "fails without any fault" "it says the clean run fails"

run_sfz enumerate --report "$WORK/swallows" -- "$swallows"
expect_status 1 "enumerate of swallows-semop finds its bug"
others=$(outcomes "$WORK/swallows" | grep -cv '^semop@1=[A-Z0-9]* swallowed$')
n=$(outcomes "$WORK/swallows" | grep -c '^semop@1=[A-Z0-9]* swallowed$')
[[ $n -gt 0 && $others -eq 0 ]] && pass "swallows-semop: $n semop cells swallowed, nothing else" ||
  fail "swallows-semop: non-ok cells: $(outcomes "$WORK/swallows")"

# The reproducer the report gives: one cell, everything shown, same outcome.
run_sfz enumerate --rule 'shmat@1=ENOMEM' --report "$WORK/one" -- "$leaks"
expect_status 1 "enumerate --rule (the reproducer) on leaks-on-error"
expect_in "$out" "^== outcome: leak" "the single cell is a leak"
expect_in "$out" "shmfault: leak sysv-shm" "with libshmfault's ledger line"
run_sfz enumerate --rule 'shmat@1=EBADF' -- "$leaks"
expect_status 2 "a rule libshmfault refuses (EBADF is not a shmat errno)"

# Harness inputs: each cell is a fault line added to the program, judged by the harness.
seed=$SFZ_SRC/corpus/shmipc-kv/seeds/lifecycle.txt
run_sfz enumerate --crash --report "$WORK/hk" --target shmipc-kv "$seed"
expect_status 0 "harness input on the hardened shmipc-kv: every cell ok"
run_sfz enumerate --report "$WORK/hb" --target bug-leak-on-error "$seed"
expect_status 1 "the same input on bug-leak-on-error"
expect_in "$(outcomes "$WORK/hb")" "^shmat@1=[A-Z]+ leak-ipc$" "its failed shmat leaks the new segment (leak-ipc)"
finish
