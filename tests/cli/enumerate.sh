#!/usr/bin/env bash
# enumerate.sh SOURCE_DIR DEV_BUILD CORRECT IGNORES_SHMAT LEAKS_ON_ERROR SWALLOWS_SEMOP: the
# planted bugs of the test programs are reported (crash, leak, swallowed), nothing on the
# correct one.
set -uo pipefail
SFZ_SRC=$1
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
use_build dev "$2"
[[ -f $2/lib/libshmfault.so ]] || need_skip "$2/lib/libshmfault.so is not built"
need_built "$2/bin/shmfault-info"
need_pid_namespace
correct=$3 ignores=$4 leaks=$5 swallows=$6

# outcomes REPORT_DIR: "function@call=fault outcome" of every non-ok cell, sorted
outcomes() { awk -F '\t' 'NR > 1 && $5 != "ok" { print $2 "@" $3 "=" $4, $5 }' "$1/cells.tsv" | sort; }

run_sfz enumerate --crash --report "$WORK/correct" -- "$correct"
expect_status 0 "enumerate of the correct program: every cell ok"
expect_in "$(cat "$WORK/correct/report.md")" "^Outcomes: ok [0-9]+$" "its report has only ok cells"
cells=$(($(wc -l <"$WORK/correct/cells.tsv") - 1))
# (no EINTR at its V nor at a P that finds the token: neither sleeps; docs/faults.md)
[[ $cells -gt 25 ]] && pass "correct: $cells cells (every point x realistic errnos + crashes)" || fail "correct: only $cells cells"

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
# The --target matrix is shmfault-enum's: the same points and per-point faults as the black box
# (the realistic errnos of each call's class, no EACCES/EPERM on the segment the harness created
# 0600 itself), every cell judged by the harness's verdict, the process column of the C driver.
cells() { awk -F '\t' 'NR > 2 { print $2 "@" $3 "=" $4, $5, $8 }' "$1/cells.tsv"; }
want=$(printf 'shmget@1=%s ok -\n' EEXIST ENOSPC ENOMEM EINVAL ENFILE; echo "shmat@1=ENOMEM leak-ipc -")
[[ $(cells "$WORK/hb") == "$want" ]] && pass "bug-leak-on-error: the matrix of the black box's per-point decision" ||
  fail "bug-leak-on-error cells: $(cells "$WORK/hb")"
expect_in "$(awk -F '\t' '$5 == "leak-ipc" { print $7 }' "$WORK/hb/cells.tsv")" "^System V segment .* left behind$" \
  "the finding's why is the harness's own"
[[ -f $WORK/hb/runs/clean3/input.txt && -f $WORK/hb/runs/6/trace.jsonl ]] &&
  pass "three clean replays (--baseline 3) and the non-ok cell's files kept" || fail "runs/: $(ls "$WORK/hb/runs")"
run_sfz enumerate --jobs 2 --report "$WORK/hb2" --target bug-leak-on-error "$seed"
[[ $(cells "$WORK/hb2") == "$want" ]] && pass "--jobs 2 with --target: the same matrix" || fail "--jobs 2: $(cells "$WORK/hb2")"
# the reproducer of the report: one cell, the fault line shown in the input, the same outcome
repro=$(python3 -c 'import json,sys; print([c["reproducer"] for c in json.load(open(sys.argv[1]))["cells"] if c["outcome"] != "ok"][0])' "$WORK/hb/report.json")
[[ $repro == "scripts/shmfuzz enumerate --target bug-leak-on-error $seed --rule shmat@1=ENOMEM" ]] &&
  pass "report.json: the --target reproducer" || fail "reproducer: $repro"
run_sfz enumerate --rule shmat@1=ENOMEM --report "$WORK/hone" --target bug-leak-on-error "$seed"
expect_status 1 "the reproducer's cell"
expect_in "$out" "^fault all shmat@1=ENOMEM$" "it shows the input with the fault line"
expect_in "$out" "^== outcome: leak-ipc: System V segment" "and the same outcome"
# the clean-run rule of the black box holds here too: an input that is a finding without any
# fault stops enumerate (exit 2) and says why
run_sfz enumerate --report "$WORK/hw" --target bug-world-writable "$SFZ_SRC/corpus/regressions/shmipc-kv/world-writable.txt"
expect_status 2 "--target on an input whose clean replay is a finding"
expect_in "$err" "input fails without any fault \(clean run 1 of 3: data: .*created with mode 666" "it says why"

# The verdict rules of the judge (tools/enum/judge.c), through a stand-in replay driver that
# answers each cell as its fault line says: a finding kind is the outcome, ok is ok, no verdict
# within the time box is a hang, no verdict at all is an error.
cat >"$WORK/fake-replay" <<'SH'
#!/bin/sh
[ "$1" = --decode ] && { printf 'procs 1\np0 attach\n'; exit 0; }
echo '{"pid":1,"fn":"shmat","call":1,"args":"shmid=7 addr=0x0 flags=0x0","ret":"0x1000","errno":null}' >"$3"
case $(grep '^fault all' "$4") in
  "") echo "verdict: ok" ;;
  *EACCES) echo "verdict: ok" ;;
  *EIDRM) exec sleep 60 ;;
  *EINVAL) echo boom >&2; exit 3 ;;
  *ENOMEM) echo "verdict: FINDING bad-error: attach returned 0 after ENOMEM"; exit 1 ;;
esac
SH
chmod +x "$WORK/fake-replay"
"$2/bin/shmfault-enum" --replay "$WORK/fake-replay" --input "$seed" --runs "$WORK/fake" --timeout 1 \
  --errnos documented >/dev/null 2>&1
rc=$?
want="shmat@1=EACCES ok verdict ok
shmat@1=EIDRM hang no verdict in 1 s
shmat@1=EINVAL error replay exit 3: boom 
shmat@1=ENOMEM bad-error attach returned 0 after ENOMEM"
got=$(awk -F '\t' 'NR > 2 { print $2 "@" $3 "=" $4, $5, $7 }' "$WORK/fake/cells.tsv")
[[ $rc == 1 && $got == "$want" ]] && pass "the judge's verdict rules: ok, hang, error, a finding kind" ||
  fail "verdict rules (exit $rc): $got"
finish
