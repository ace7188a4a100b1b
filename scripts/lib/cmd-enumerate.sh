# summary: systematic fault enumeration: fail every shm call of a program, report the matrix
# shellcheck shell=bash
# Black box: shmfault-enum (tools/) starts the program once under LD_PRELOAD=libshmfault.so, as
# PID 1 of its own PID, IPC and mount namespaces, and runs every cell as a fork of it (the
# library's fork server) in a fresh IPC namespace and /dev/shm: one clean run lists the fault
# points (function, per-process call number) from libshmfault's trace; then every point is
# failed with each documented errno (and, with --crash, killed before and after the real call),
# bounded in time, and judged from the exit status, the trace and the objects left (docs/cli.md
# "enumerate: the matrix" defines the outcomes). Harness inputs (--target) go through the same
# matrix driver and judge with another cell runner: one replay per cell, the fault line added
# to the input's program, judged by the harness's verdict. This file parses the options and
# writes the report; shmfault-enum runs and judges every cell.

# shellcheck source=scripts/lib/memcheck.sh
. "$SHMFUZZ_SCRIPTS/lib/memcheck.sh"

sfz_enumerate_usage() {
  cat <<'USAGE'
usage: shmfuzz enumerate [OPTIONS] -- PROGRAM [ARGS...]
       shmfuzz enumerate [OPTIONS] --target T FILE

  Fails every intercepted shm/semaphore call of PROGRAM in turn and reports what the program
  did: ok, error-exit, swallowed, crash, leak or hang (docs/cli.md). With --target, FILE is a
  harness input of target T and each cell is a fault line added to its program, judged by the
  harness's oracles (verdict ok or a finding kind).

  --errnos MODE       realistic (default): what the kernel can return for a valid call of
                      that class on a live object; peer: also "a peer removed it";
                      documented (or all): every errno of the man page; first: one realistic
  --baseline N        run the clean run N times (default 3; 1..8): a failing clean run stops
                      enumerate (exit 2), an unstable one is reported
  --suppressions FILE objects the program keeps by design, not leaks (SHMFAULT_SUPPRESSIONS
                      format, docs/faults.md)
  --crash             also SIGKILL each point, before and after the real call
  --timeout S         a run longer than S seconds is a hang (default 5)
  --report DIR        where report.md, report.json and the non-ok cells go
                      (default shmfuzz-out/enumerate-NAME-DATE)
  --rule RULE         run one cell only (RULE as libshmfault takes it, e.g. 'shmat@1=ENOMEM')
                      and show everything about it: the reproducer the report gives
  --max-points N      only the first N fault points (default: all)
  --jobs N            N cells run side by side (fork servers, or replays; default 1)
  --preset P          the build whose libshmfault.so and tools are used (default dev)
  --valgrind          every cell under Valgrind memcheck (one start, then forks): a heap leak
                      the clean run does not have, or a memory error, is leak-heap or
                      memory-error, with its stack (black box only)
  --valgrind-supp F   more memcheck suppressions (repeatable; ci/valgrind.supp always applies)
  --valgrind-reachable  still-reachable blocks count as leaks too
  Sanitizer reports (-fsanitize=address/leak/undefined builds) are findings without --valgrind.

exit status: 0 every cell ok, 1 a non-ok cell (or the clean run leaves objects),
             2 usage or set-up error, or the clean run fails, 77 namespaces unavailable
USAGE
}

sfz_cmd_enumerate() {
  local errnos=realistic crash=0 tmo=5 report="" rule="" maxp=0 preset=dev target="" input="" jobs=1
  local baseline=3 supp=${SHMFAULT_SUPPRESSIONS:-}
  local -a prog=()
  while [[ $# -gt 0 ]]; do
    case $1 in
      -h|--help) sfz_enumerate_usage; return 0 ;;
      --errnos) sfz_need_arg enumerate "$1" $#; errnos=$2; shift
        [[ $errnos =~ ^(realistic|peer|documented|all|first)$ ]] ||
          sfz_die_usage "enumerate: --errnos is realistic, peer, documented (or all) or first" ;;
      --baseline) sfz_need_arg enumerate "$1" $#; sfz_need_uint enumerate "$1" "$2"; baseline=$((10#$2)); shift
        [[ $baseline -ge 1 && $baseline -le 8 ]] || sfz_die_usage "enumerate: --baseline is 1..8" ;;
      --suppressions) sfz_need_arg enumerate "$1" $#; supp=$2; shift ;;
      --crash) crash=1 ;;
      --timeout) sfz_need_arg enumerate "$1" $#; sfz_need_uint enumerate "$1" "$2"; tmo=$((10#$2)); shift ;;
      --report) sfz_need_arg enumerate "$1" $#; report=$2; shift ;;
      --rule) sfz_need_arg enumerate "$1" $#; rule=$2; shift ;;
      --max-points) sfz_need_arg enumerate "$1" $#; sfz_need_uint enumerate "$1" "$2"; maxp=$((10#$2)); shift ;;
      --preset) sfz_need_arg enumerate "$1" $#; preset=$2; shift ;;
      --jobs) sfz_need_arg enumerate "$1" $#; sfz_need_uint enumerate "$1" "$2"; jobs=$((10#$2)); shift
        [[ $jobs -ge 1 && $jobs -le 64 ]] || sfz_die_usage "enumerate: --jobs is 1..64" ;;
      --target) sfz_need_arg enumerate "$1" $#; target=$2; shift ;;
      --valgrind|--valgrind-supp|--valgrind-reachable) sfz_mc_option enumerate "$@"; shift $((SFZ_MC_SHIFT - 1)) ;;
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
  if [[ -n $supp ]]; then
    [[ -f $supp && -r $supp ]] || sfz_die_usage "enumerate: --suppressions $supp: no such readable file"
    supp=$(readlink -f "$supp")
    export SHMFAULT_SUPPRESSIONS=$supp
  fi
  sfz_mc_prepare enumerate "$target"
  if ! unshare -ipmf --mount-proc true >/dev/null 2>&1; then
    sfz_info "enumerate: skipped: IPC, mount and PID namespaces are needed (run as root)"
    return "$SFZ_EXIT_SKIP"
  fi
  sfz_need_tool python3
  local build
  build=$(sfz_build_quiet "$preset") || exit "$SFZ_EXIT_USAGE"
  SFZ_ENUM_LIB=$build/lib/libshmfault.so
  SFZ_ENUM_TOOL=$build/bin/shmfault-enum
  [[ -f $SFZ_ENUM_LIB && -x $SFZ_ENUM_TOOL ]] ||
    sfz_die "enumerate: $SFZ_ENUM_LIB or $SFZ_ENUM_TOOL is not built (preset $preset)"
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

  # one matrix driver and one judge for both modes (shmfault-enum); only the cell runner differs
  local -a opts=(--errnos "$errnos" --timeout "$tmo" --jobs "$jobs" --baseline "$baseline") run=()
  [[ -n $supp ]] && opts+=(--suppressions "$supp")
  [[ $crash == 1 ]] && opts+=(--crash)
  [[ $maxp -gt 0 ]] && opts+=(--max-points "$maxp")
  [[ -n $rule ]] && opts+=(--rule "$rule")
  opts+=("${SFZ_MC_OPTS[@]}")
  if [[ $SFZ_ENUM_MODE == harness ]]; then
    run=(--replay "${SFZ_ENUM_PROG[0]}" --input "$SFZ_ENUM_INPUT")
  else
    run=(--lib "$SFZ_ENUM_LIB" -- "${SFZ_ENUM_PROG[@]}")
  fi
  sfz_enum_run "$report" "$rule" "${opts[@]}" "${run[@]}"
}

# ---- the matrix: shmfault-enum -----------------------------------------------------------------
# sfz_enum_run REPORT RULE SHMFAULT-ENUM-OPTIONS...: the whole matrix (RULE "") or the one cell
# of RULE in one run of shmfault-enum (black box: through the fork server; harness input: one
# replay per cell); then the report, or everything about the cell.
sfz_enum_run() {
  local report=$1 rule=$2 runs=$1/runs rc=0 how="through the fork server"
  shift 2
  rm -rf "$runs"
  [[ $SFZ_ENUM_MODE == harness ]] && how="one replay each"
  sfz_info "enumerate: clean run of ${SFZ_ENUM_PROG[*]} (then every cell, $how)"
  "$SFZ_ENUM_TOOL" --runs "$runs" "$@" || rc=$?
  [[ $rc -le 1 && -f $runs/cells.tsv ]] || exit "$SFZ_EXIT_USAGE"
  mv "$runs/cells.tsv" "$report/cells.tsv"
  if [[ -n $rule ]]; then
    local row
    row=$(sed -n 2p "$report/cells.tsv")
    sfz_enum_show_cell "$runs/cell" "$(cut -f4 <<<"$row")" "$(cut -f6 <<<"$row")" \
      "$(cut -f5 <<<"$row")" "$(cut -f7 <<<"$row")" input.txt stdout stderr left ledger \
      trace.jsonl memcheck.txt
    return "$rc"
  fi
  sfz_enum_summary "$report" "$report/cells.tsv"
}

# sfz_enum_show_cell DIR RULE STATUS OUTCOME WHY FILE...: what --rule prints about its cell.
sfz_enum_show_cell() {
  local dir=$1 f
  echo "== rule: $2"
  echo "== exit status: $3"
  for f in "${@:6}"; do
    [[ -s $dir/$f ]] || continue
    echo "== $f"
    cat "$dir/$f"
  done
  echo "== outcome: $4: $5"
}

# The report files and the summary on stderr; the exit status says whether every cell is ok.
sfz_enum_summary() {
  local report=$1 tsv=$2 cells bad
  sfz_enum_write_report "$report" "$tsv"
  cells=$(($(wc -l <"$tsv") - 2))
  bad=$(awk -F '\t' 'NR > 1 && $5 != "ok"' "$tsv" | wc -l)
  sfz_info "enumerate: $cells cell(s), $bad not ok; report: $report/report.md"
  # awk stops at 40 itself: `| head` would close the pipe under it (exit 141 with pipefail)
  awk -F '\t' 'NR > 1 && $5 != "ok" && ++n <= 40 { printf "  %-10s %-22s %s\n", $5, ($4 ~ /clean/ ? "clean run" : $2 "@" $3 "=" $4), $7 }
    END { if (n > 40) printf "  ... and %d more (report.md)\n", n - 40 }' "$tsv" >&2
  [[ $bad == 0 ]] && return "$SFZ_EXIT_OK"
  return "$SFZ_EXIT_FINDING"
}

# report.md and report.json from cells.tsv, with a reproducer command for each non-ok cell.
sfz_enum_write_report() {
  local report=$1 tsv=$2 repro
  if [[ $SFZ_ENUM_MODE == harness ]]; then
    repro="scripts/shmfuzz enumerate --target ${SFZ_ENUM_PROG[0]##*/sfz-} $(printf '%q' "$SFZ_ENUM_INPUT")"
    repro=${repro/-replay / } # "--target T FILE": the driver name without its suffix
  else
    repro="scripts/shmfuzz enumerate${SFZ_MC_REPRO}$(printf ' %q' -- "${SFZ_ENUM_PROG[@]}")"
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
