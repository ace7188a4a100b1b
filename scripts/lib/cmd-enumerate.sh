# summary: systematic fault enumeration: fail every shm call of a program, report the matrix
# shellcheck shell=bash
# Black box through LD_PRELOAD=libshmfault.so: one clean run lists the fault points (function,
# per-process call number) from libshmfault's trace; then every point is failed with each
# documented errno (and, with --crash, killed before and after the real call), each run in its
# own IPC + mount + PID namespace and scratch directory, bounded in time. The outcome of each
# cell is judged from the exit status, the trace and the objects left in the namespace
# (docs/cli.md "enumerate: the matrix" defines the outcomes). Harness inputs (--target) go
# through the harness's own fault plan and oracles instead.

# The faults tried at each point of FN: its documented errnos (or the first), and with CRASH=1
# a SIGKILL before and after the call. Sets SFZ_ENUM_FAULTS.
sfz_enum_faults() {
  local fn=$1 errnos=$2 crash=$3
  SFZ_ENUM_FAULTS=()
  mapfile -t SFZ_ENUM_FAULTS < <("$SFZ_ENUM_INFO" errnos "$fn")
  if [[ $errnos == first && ${#SFZ_ENUM_FAULTS[@]} -gt 1 ]]; then
    SFZ_ENUM_FAULTS=("${SFZ_ENUM_FAULTS[0]}")
  fi
  if [[ $crash == 1 ]]; then SFZ_ENUM_FAULTS+=(SIGKILL "SIGKILL,after"); fi
}

sfz_enumerate_usage() {
  cat <<'USAGE'
usage: shmfuzz enumerate [OPTIONS] -- PROGRAM [ARGS...]
       shmfuzz enumerate [OPTIONS] --target T FILE

  Fails every intercepted shm/semaphore call of PROGRAM in turn and reports what the program
  did: ok, error-exit, swallowed, crash, leak or hang (docs/cli.md). With --target, FILE is a
  harness input of target T and each cell is a fault line added to its program, judged by the
  harness's oracles (verdict ok or a finding kind).

  --errnos all|first  every documented errno of each function (default all), or its first
  --crash             also SIGKILL each point, before and after the real call
  --timeout S         a run longer than S seconds is a hang (default 5)
  --report DIR        where report.md, report.json and the non-ok cells go
                      (default shmfuzz-out/enumerate-NAME-DATE)
  --rule RULE         run one cell only (RULE as libshmfault takes it, e.g. 'shmat@1=ENOMEM')
                      and show everything about it: the reproducer the report gives
  --max-points N      only the first N fault points (default: all)
  --preset P          the build whose libshmfault.so and tools are used (default dev)

exit status: 0 every cell ok, 1 a non-ok cell (or the clean run itself is not ok),
             2 usage or set-up error, 77 namespaces unavailable (needs root)
USAGE
}

sfz_cmd_enumerate() {
  local errnos=all crash=0 tmo=5 report="" rule="" maxp=0 preset=dev target="" input=""
  local -a prog=()
  while [[ $# -gt 0 ]]; do
    case $1 in
      -h|--help) sfz_enumerate_usage; return 0 ;;
      --errnos) sfz_need_arg enumerate "$1" $#; errnos=$2; shift
        [[ $errnos == all || $errnos == first ]] || sfz_die_usage "enumerate: --errnos is all or first" ;;
      --crash) crash=1 ;;
      --timeout) sfz_need_arg enumerate "$1" $#; sfz_need_uint enumerate "$1" "$2"; tmo=$((10#$2)); shift ;;
      --report) sfz_need_arg enumerate "$1" $#; report=$2; shift ;;
      --rule) sfz_need_arg enumerate "$1" $#; rule=$2; shift ;;
      --max-points) sfz_need_arg enumerate "$1" $#; sfz_need_uint enumerate "$1" "$2"; maxp=$((10#$2)); shift ;;
      --preset) sfz_need_arg enumerate "$1" $#; preset=$2; shift ;;
      --target) sfz_need_arg enumerate "$1" $#; target=$2; shift ;;
      --) shift; prog=("$@"); break ;;
      -*) sfz_bad_option enumerate "$1" ;;
      *) [[ -n $target && -z $input ]] || sfz_die_usage "enumerate: put the program after '--' (shmfuzz enumerate --help)"
         input=$1 ;;
    esac
    shift
  done
  if [[ -n $target ]]; then
    [[ -n $input && ${#prog[@]} -eq 0 ]] || sfz_die_usage "enumerate: --target T takes one FILE and no '-- PROGRAM'"
    [[ -f $input ]] || sfz_die_usage "enumerate: $input: no such file"
    sfz_need_target "$target"
  else
    [[ ${#prog[@]} -gt 0 ]] || sfz_die_usage "enumerate: which program? (shmfuzz enumerate -- PROGRAM ARGS...)"
    local p0
    p0=$(command -v -- "${prog[0]}") || sfz_die_usage "enumerate: ${prog[0]}: no such program"
    prog[0]=$(readlink -f "$p0")
  fi
  if ! unshare -ipmf --mount-proc true >/dev/null 2>&1; then
    sfz_info "enumerate: skipped: IPC, mount and PID namespaces are needed (run as root)"
    return "$SFZ_EXIT_SKIP"
  fi
  sfz_need_tool python3 timeout
  local build
  build=$(sfz_build_quiet "$preset") || exit "$SFZ_EXIT_USAGE"
  SFZ_ENUM_LIB=$build/lib/libshmfault.so
  SFZ_ENUM_INFO=$build/bin/shmfault-info
  [[ -f $SFZ_ENUM_LIB && -x $SFZ_ENUM_INFO ]] ||
    sfz_die "enumerate: $SFZ_ENUM_LIB or $SFZ_ENUM_INFO is not built (preset $preset)"
  SFZ_ENUM_TIMEOUT=$tmo
  if [[ -n $target ]]; then
    local replay=$build/bin/sfz-$target-replay
    [[ -x $replay ]] || sfz_die "enumerate: $replay is not built"
    SFZ_ENUM_MODE=harness
    SFZ_ENUM_INPUT=$(readlink -f "$input")
    prog=("$replay" --quiet "$SFZ_ENUM_INPUT")
  else
    SFZ_ENUM_MODE=preload
  fi
  SFZ_ENUM_PROG=("${prog[@]}")
  local name=${prog[0]##*/}
  [[ $SFZ_ENUM_MODE == harness ]] && name=$target-${input##*/}
  [[ -n $report ]] || report="shmfuzz-out/enumerate-${name%%.*}-$(date +%Y%m%d-%H%M%S)"
  mkdir -p "$report" || sfz_die "enumerate: cannot create $report"
  report=$(cd "$report" && pwd)

  if [[ -n $rule ]]; then
    if [[ $SFZ_ENUM_MODE == preload ]]; then
      "$SFZ_ENUM_INFO" check "$rule" >/dev/null 2>&1 ||
        sfz_die_usage "enumerate: bad --rule: $("$SFZ_ENUM_INFO" check "$rule" 2>&1 | sed 's/^shmfault-info: //')"
    fi
    sfz_enum_one "$report" "$rule"
    return $?
  fi
  sfz_enum_matrix "$report" "$errnos" "$crash" "$maxp"
}

# ---- one run ---------------------------------------------------------------------------------
# sfz_enum_exec DIR RULE: run the program once with RULE ("" = none) in fresh namespaces and a
# scratch directory DIR/cwd. Leaves DIR/{status,stdout,stderr,trace.jsonl,ledger,left}:
# "left" lists the IPC objects still in the namespace when the program is done, one a line.
sfz_enum_exec() {
  local dir=$1 rule=$2
  mkdir -p "$dir/cwd"
  if [[ $SFZ_ENUM_MODE == harness ]]; then
    sfz_enum_harness_input "$dir" "$rule"
    unshare -ipmf --mount-proc --propagation private -- sh -c '
      dir=$1; tmo=$2; shift 2
      mount -t tmpfs -o mode=1777 shmfuzz /dev/shm || exit 125
      cd "$dir/cwd" || exit 125
      timeout -k 2 "$tmo" "$@" --trace "$dir/trace.jsonl" "$dir/input.txt" >"$dir/stdout" 2>"$dir/stderr"
      echo $? >"$dir/status"
      : >"$dir/left"
      exit 0' sfz-enum "$dir" "$SFZ_ENUM_TIMEOUT" "${SFZ_ENUM_PROG[@]:0:2}" || true
    return 0
  fi
  unshare -ipmf --mount-proc --propagation private -- sh -c '
    dir=$1; tmo=$2; lib=$3; rule=$4; shift 4
    mount -t tmpfs -o mode=1777 shmfuzz /dev/shm || exit 125
    cd "$dir/cwd" || exit 125
    timeout -s KILL "$tmo" env SHMFAULT_RULES="$rule" SHMFAULT_TRACE="$dir/trace.jsonl" \
      SHMFAULT_LEDGER="$dir/ledger" LD_PRELOAD="$lib" "$@" >"$dir/stdout" 2>"$dir/stderr" </dev/null
    echo $? >"$dir/status"
    # What is left in this namespace is exactly what the program left (SHM_DEST: removed).
    {
      # perms are octal: an odd thousands digit is SHM_DEST (removed, still attached)
      awk "NR > 1 && substr(\$3, length(\$3) - 3, 1) !~ /[1357]/ { printf \"sysv-shm key=0x%08x size=%s\\n\", \$1, \$4 }" /proc/sysvipc/shm
      awk "NR > 1 { printf \"sysv-sem key=0x%08x nsems=%s\\n\", \$1, \$4 }" /proc/sysvipc/sem
      for f in /dev/shm/*; do [ -e "$f" ] && echo "posix name=/${f#/dev/shm/}"; done
    } >"$dir/left" 2>/dev/null
    exit 0' sfz-enum "$dir" "$SFZ_ENUM_TIMEOUT" "$SFZ_ENUM_LIB" "$rule" \
    "${SFZ_ENUM_PROG[@]}" || true
}

# Harness mode: the input's program with one more fault line (rule "fn@N=ACTION" -> all workers).
sfz_enum_harness_input() {
  local dir=$1 rule=$2
  "${SFZ_ENUM_PROG[0]}" --decode "$SFZ_ENUM_INPUT" >"$dir/input.txt" 2>/dev/null || true
  if [[ -n $rule ]]; then
    # after "procs" (fault lines come before any step)
    awk -v f="fault all $rule" '!done && /^p[0-9]/ { print f; done = 1 } { print } END { if (!done) print f }' \
      "$dir/input.txt" >"$dir/input.tmp" && mv "$dir/input.tmp" "$dir/input.txt"
  fi
}

# ---- judging ---------------------------------------------------------------------------------
# sfz_enum_judge DIR RULE KIND BASE_DIR: prints "OUTCOME<TAB>why" for a run.
#   KIND: none (the clean run), errno, crash (SIGKILL planned)
sfz_enum_judge() {
  local dir=$1 rule=$2 kind=$3 base=$4 status fired new fn
  status=$(cat "$dir/status" 2>/dev/null || echo 125)
  if [[ $SFZ_ENUM_MODE == harness ]]; then
    local v
    v=$(grep -m1 '^verdict:' "$dir/stdout" || true)
    case $v in
      "verdict: ok") printf 'ok\tverdict ok\n' ;;
      "verdict: FINDING "*) v=${v#verdict: FINDING }; printf '%s\t%s\n' "${v%%:*}" "${v#*: }" ;;
      *) [[ $status == 124 ]] && { printf 'hang\tno verdict in %s s\n' "$SFZ_ENUM_TIMEOUT"; return; }
         printf 'error\treplay exit %s: %s\n' "$status" "$(head -c 200 "$dir/stderr" | tr '\n' ' ')" ;;
    esac
    return
  fi
  fired=0
  grep -q '"injected":"' "$dir/trace.jsonl" 2>/dev/null && fired=1
  fn=${rule%%@*}
  # objects left that the clean run does not leave (multiset difference)
  new=$(comm -23 <(sort "$dir/left" 2>/dev/null) <(sort "$base/left" 2>/dev/null) | head -n 3 | paste -sd ';' -)
  [[ $kind == none ]] && new=$(head -n 3 "$dir/left" | paste -sd ';' -)
  if [[ $status == 124 ]]; then printf 'hang\tstill running after %s s\n' "$SFZ_ENUM_TIMEOUT"; return; fi
  if [[ $status == 125 ]]; then printf 'error\tthe run could not be set up\n'; return; fi
  if [[ $status -gt 128 ]]; then
    local sig=$((status - 128))
    if [[ $kind == crash && $sig == 9 && $fired == 1 ]]; then
      printf 'ok\tkilled as planned%s\n' "${new:+; left behind (a killed process cannot clean up): $new}"
    else
      printf 'crash\tkilled by signal %s (%s)\n' "$sig" "$(kill -l "$sig" 2>/dev/null || echo '?')"
    fi
    return
  fi
  if [[ $kind != none && $fired == 0 ]]; then
    # The point was not reached this time (the program is not deterministic): nothing injected.
    printf 'ok\tnot reached: nothing injected (exit %s)\n' "$status"; return
  fi
  if [[ $status == 0 ]]; then
    if [[ -n $new ]]; then printf 'leak\texit 0, left behind: %s\n' "$new"; return; fi
    if [[ $kind == errno ]] && ! sfz_enum_retried "$dir/trace.jsonl" "$fn"; then
      printf 'swallowed\texit 0 although %s failed and was not retried\n' "$fn"; return
    fi
    if [[ $kind == none ]]; then printf 'ok\texit 0\n'; else printf 'ok\trecovered: retried %s, exit 0\n' "$fn"; fi
    return
  fi
  # A non-zero exit: correct after an injected failure if it says why and leaks nothing.
  if [[ $kind == none ]]; then printf 'error-exit\texit %s without any fault\n' "$status"; return; fi
  if [[ ! -s $dir/stderr ]]; then printf 'error-exit\texit %s without an error message\n' "$status"; return; fi
  if [[ -n $new ]]; then
    case $fn in
      shmctl|semctl|shm_unlink|sem_unlink)
        printf 'ok\tfailed cleanly (exit %s); the failed removal left: %s\n' "$status" "$new"; return ;;
    esac
    printf 'leak\texit %s, left behind: %s\n' "$status" "$new"; return
  fi
  printf 'ok\tfailed cleanly: exit %s, "%s"\n' "$status" "$(head -n 1 "$dir/stderr" | cut -c1-80)"
}

# True when, after the injected call, the same process called FN again (a retry or fallback).
sfz_enum_retried() {
  python3 - "$1" "$2" <<'PY'
import json, sys
path, fn = sys.argv[1], sys.argv[2]
seen = {}
retried = False
for line in open(path, errors="replace"):
    try:
        r = json.loads(line)
    except ValueError:
        continue
    if r.get("injected") and r.get("fn") == fn:
        seen[r.get("pid")] = True
    elif r.get("fn") == fn and seen.get(r.get("pid")):
        retried = True
sys.exit(0 if retried else 1)
PY
}

# ---- the matrix ------------------------------------------------------------------------------
# Fault points of the clean run: "fn<TAB>call" in order of first appearance.
sfz_enum_points() {
  python3 - "$1" <<'PY'
import json, sys
seen = []
for line in open(sys.argv[1], errors="replace"):
    try:
        r = json.loads(line)
    except ValueError:
        continue
    p = (r.get("fn"), r.get("call") or 0)
    if p[1] and p not in seen:
        seen.append(p)
for fn, call in seen:
    print(f"{fn}\t{call}")
PY
}

sfz_enum_matrix() {
  local report=$1 errnos=$2 crash=$3 maxp=$4 runs=$1/runs
  rm -rf "$runs"; mkdir -p "$runs"
  sfz_info "enumerate: clean run of ${SFZ_ENUM_PROG[*]}"
  sfz_enum_exec "$runs/clean" ""
  local base_judged
  base_judged=$(sfz_enum_judge "$runs/clean" "" none "$runs/clean")
  local -a points=()
  mapfile -t points < <(sfz_enum_points "$runs/clean/trace.jsonl" 2>/dev/null)
  [[ $SFZ_ENUM_MODE == harness ]] && mapfile -t points < <(printf '%s\n' "${points[@]}" | awk -F '\t' '$2 <= 8')
  [[ $maxp -gt 0 && ${#points[@]} -gt $maxp ]] && points=("${points[@]:0:maxp}")
  [[ ${#points[@]} -gt 0 && -n ${points[0]} ]] || points=()
  sfz_info "enumerate: ${#points[@]} fault point(s); clean run: ${base_judged%%$'\t'*}"

  local tsv=$report/cells.tsv
  printf 'cell\tfunction\tcall\tfault\toutcome\tstatus\twhy\n' >"$tsv"
  printf '0\t-\t-\tnone (clean run)\t%s\t%s\t%s\n' "${base_judged%%$'\t'*}" \
    "$(cat "$runs/clean/status" 2>/dev/null)" "${base_judged#*$'\t'}" >>"$tsv"

  local p fn call e cell=0 total=0 bad=0 judged outcome
  for p in "${points[@]}"; do
    fn=${p%%$'\t'*}; call=${p#*$'\t'}
    sfz_enum_faults "$fn" "$errnos" "$crash"
    total=$((total + ${#SFZ_ENUM_FAULTS[@]}))
  done
  for p in "${points[@]}"; do
    fn=${p%%$'\t'*}; call=${p#*$'\t'}
    sfz_enum_faults "$fn" "$errnos" "$crash"
    for e in "${SFZ_ENUM_FAULTS[@]}"; do
      cell=$((cell + 1))
      local rule="$fn@$call=$e" kind=errno
      [[ $e == SIGKILL* ]] && kind=crash
      sfz_status "enumerate: cell $cell/$total  $rule  (not ok so far: $bad)"
      sfz_enum_exec "$runs/$cell" "$rule"
      judged=$(sfz_enum_judge "$runs/$cell" "$rule" "$kind" "$runs/clean")
      outcome=${judged%%$'\t'*}
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$cell" "$fn" "$call" "$e" "$outcome" \
        "$(cat "$runs/$cell/status" 2>/dev/null)" "${judged#*$'\t'}" >>"$tsv"
      if [[ $outcome == ok ]]; then rm -rf "${runs:?}/$cell"; else bad=$((bad + 1)); fi
    done
  done
  sfz_status_end
  [[ ${base_judged%%$'\t'*} == ok ]] || bad=$((bad + 1))
  sfz_enum_write_report "$report" "$tsv"
  sfz_info "enumerate: $cell cell(s), $bad not ok; report: $report/report.md"
  awk -F '\t' 'NR > 1 && $5 != "ok" { printf "  %-10s %-22s %s\n", $5, ($4 ~ /clean/ ? "clean run" : $2 "@" $3 "=" $4), $7 }' "$tsv" | head -n 40 >&2
  [[ $bad == 0 ]] && return "$SFZ_EXIT_OK"
  return "$SFZ_EXIT_FINDING"
}

# report.md and report.json from cells.tsv, with a reproducer command for each non-ok cell.
sfz_enum_write_report() {
  local report=$1 tsv=$2 repro
  if [[ $SFZ_ENUM_MODE == harness ]]; then
    repro="scripts/shmfuzz enumerate --target ${SFZ_ENUM_PROG[0]##*/sfz-} $(printf '%q' "$SFZ_ENUM_INPUT")"
    repro=${repro/-replay /}
  else
    repro="scripts/shmfuzz enumerate$(printf ' %q' -- "${SFZ_ENUM_PROG[@]}")"
  fi
  python3 - "$tsv" "$report" "$repro" "$SFZ_ENUM_MODE" "${SFZ_ENUM_PROG[*]}" "$SFZ_ENUM_LIB" <<'PY'
import csv, json, sys, shlex
tsv, out, repro, mode, prog, lib = sys.argv[1:7]
rows = list(csv.DictReader(open(tsv), delimiter="\t"))
head, tail = repro.split(" -- ", 1) if " -- " in repro else (repro, "")
for r in rows:
    r["reproducer"] = ""
    if r["outcome"] == "ok":
        continue
    if r["fault"].startswith("none"):
        r["reproducer"] = repro.replace(" -- ", " --rule '' -- ", 1) if tail else repro
        continue
    rule = f'{r["function"]}@{r["call"]}={r["fault"]}'
    if tail:
        r["reproducer"] = f"{head} --rule {shlex.quote(rule)} -- {tail}"
        r["shell"] = ("unshare -ipmf --mount-proc sh -c 'mount -t tmpfs none /dev/shm && "
                      f"SHMFAULT_RULES={shlex.quote(rule)} SHMFAULT_LEDGER=stderr LD_PRELOAD={lib} {tail}'")
    else:
        r["reproducer"] = f"{repro} --rule {shlex.quote(rule)}"
counts = {}
for r in rows:
    counts[r["outcome"]] = counts.get(r["outcome"], 0) + 1
json.dump({"program": prog, "mode": mode, "counts": counts, "cells": rows},
          open(f"{out}/report.json", "w"), indent=1)
with open(f"{out}/report.md", "w") as f:
    f.write(f"# shmfuzz enumerate: `{prog}`\n\n")
    f.write("Outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) + "\n\n")
    f.write("| cell | point | fault | outcome | why |\n|---|---|---|---|---|\n")
    for r in rows:
        point = "-" if r["function"] == "-" else f'{r["function"]}@{r["call"]}'
        f.write(f'| {r["cell"]} | {point} | {r["fault"]} | {r["outcome"]} | {r["why"]} |\n')
    bad = [r for r in rows if r["outcome"] != "ok"]
    if bad:
        f.write("\n## Reproducers (non-ok cells; each run's files under runs/CELL/)\n\n")
        for r in bad:
            f.write(f'- cell {r["cell"]} ({r["outcome"]}): `{r["reproducer"]}`\n')
PY
}

# --rule: one cell, everything shown.
sfz_enum_one() {
  local report=$1 rule=$2 runs=$1/runs kind=errno judged f
  rm -rf "$runs"; mkdir -p "$runs"
  sfz_enum_exec "$runs/clean" ""
  [[ $rule == *SIGKILL* ]] && kind=crash
  [[ -z $rule ]] && kind=none
  sfz_enum_exec "$runs/cell" "$rule"
  judged=$(sfz_enum_judge "$runs/cell" "$rule" "$kind" "$runs/clean")
  echo "== rule: ${rule:-none}"
  echo "== exit status: $(cat "$runs/cell/status")"
  for f in stdout stderr left ledger trace.jsonl; do
    [[ -s $runs/cell/$f ]] || continue
    echo "== $f"
    cat "$runs/cell/$f"
  done
  echo "== outcome: ${judged%%$'\t'*}: ${judged#*$'\t'}"
  [[ ${judged%%$'\t'*} == ok ]] && return "$SFZ_EXIT_OK"
  return "$SFZ_EXIT_FINDING"
}
