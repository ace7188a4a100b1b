# fig-enumeration.sh - figure 3: fault points tested per second on a black-box program, by
# shmfuzz (LD_PRELOAD=libshmfault.so; `shmfuzz enumerate` when that command exists) and by
# strace -e inject=SYSCALL:error=E:when=N, the tool users reach for today, on the same matrix.
# The black box: bench-ceiling-kv lifecycle for 16 rounds (64 SysV calls: shmget, shmat,
# shmdt, shmctl, 16 each); cells: every call x {its errno, SIGKILL before the call}.
# shellcheck shell=bash

ENUM_FUNCS=(shmget shmat shmdt shmctl)
declare -A ENUM_ERRNO=([shmget]=ENOMEM [shmat]=ENOMEM [shmdt]=EINVAL [shmctl]=EINVAL)

enum_prog() { printf '%s\n' "$(preset_dir release)/bin/bench-ceiling-kv" lifecycle 1e-9; }

# enum_count FUNC: how many times the black box calls FUNC (one traced run).
enum_count() {
  local log prog=()
  mapfile -t prog < <(enum_prog)
  log=$BENCH_OUT/tmp/enum-count.log
  strace -f -qq -o "$log" -e trace="$(IFS=,; echo "${ENUM_FUNCS[*]}")" "${prog[@]}" >/dev/null 2>&1 || return 1
  grep -c "^[0-9]* *$1(" "$log"
}

# The cells, one per line: FUNC N errno|kill. At most LIMIT per function.
enum_cells() {
  local limit=$1 f n count
  for f in "${ENUM_FUNCS[@]}"; do
    count=$(enum_count "$f") || return 1
    ((count > limit)) && count=$limit
    for ((n = 1; n <= count; n++)); do
      printf '%s %s errno\n%s %s kill\n' "$f" "$n" "$f" "$n"
    done
  done
}

# enum_strace CELLS_FILE -> cells per second
enum_strace() {
  local cells=$1 f n kind inject start total=0 prog=()
  mapfile -t prog < <(enum_prog)
  start=$(now)
  while read -r f n kind; do
    if [[ $kind == errno ]]; then inject="$f:error=${ENUM_ERRNO[$f]}:when=$n"; else inject="$f:signal=SIGKILL:when=$n"; fi
    strace -f -qq -o /dev/null -e trace=none -e inject="$inject" "${prog[@]}" >/dev/null 2>&1 || true
    total=$((total + 1))
  done <"$cells"
  div "$total" "$(elapsed "$start")"
}

# enum_plain CELLS_FILE -> runs per second of the black box alone, one run per cell: the
# ceiling of any tool that runs the program once per cell.
enum_plain() {
  local cells=$1 start total=0 prog=() _f _n _k
  mapfile -t prog < <(enum_prog)
  start=$(now)
  while read -r _f _n _k; do
    "${prog[@]}" >/dev/null 2>&1 || return 1
    total=$((total + 1))
  done <"$cells"
  div "$total" "$(elapsed "$start")"
}

# enum_preload CELLS_FILE -> cells per second, one run per cell under libshmfault's rules.
enum_preload() {
  local cells=$1 lib f n kind rule start total=0 rc prog=()
  lib=$(preset_dir release)/lib/libshmfault.so
  mapfile -t prog < <(enum_prog)
  start=$(now)
  while read -r f n kind; do
    if [[ $kind == errno ]]; then rule="$f@$n=${ENUM_ERRNO[$f]}"; else rule="$f@$n=SIGKILL"; fi
    rc=0
    LD_PRELOAD=$lib SHMFAULT_RULES=$rule "${prog[@]}" >/dev/null 2>"$BENCH_OUT/tmp/enum-preload.err" || rc=$?
    # libshmfault refusing the rule is a set-up error (2), not an outcome of the program.
    if ((rc == 2)) && grep -q 'shmfault' "$BENCH_OUT/tmp/enum-preload.err"; then
      bench_log "libshmfault refused '$rule': $(head -n 1 "$BENCH_OUT/tmp/enum-preload.err")"
      return 1
    fi
    total=$((total + 1))
  done <"$cells"
  div "$total" "$(elapsed "$start")"
}

# The CLI's own enumerate on the same points (the first LIMIT calls of each function are the
# first 4*LIMIT points in call order): its own cells, {first errno, SIGKILL before, SIGKILL
# after} per point, each a fork-server cell in fresh namespaces with a trace and a judgement. Timed from its
# clean run on, so building the preset (its first step) is not counted; rate = its cells
# (report.json) over that time.
enum_cli() {
  local points=$1 report start="" line cells
  report=$(scratch)/report
  local prog=()
  mapfile -t prog < <(enum_prog)
  while IFS= read -r line; do
    [[ -z $start && $line == *"enumerate: clean run"* ]] && start=$(now)
  done < <("$BENCH_ROOT/scripts/shmfuzz" enumerate --preset release --errnos first --crash \
             --max-points "$points" --report "$report" -- "${prog[@]}" 2>&1 >/dev/null)
  [[ -n $start && -f $report/report.json ]] || return 1
  local t
  t=$(elapsed "$start")
  cells=$(python3 -c 'import json, sys
print(sum(1 for c in json.load(open(sys.argv[1]))["cells"] if str(c.get("cell")) != "0"))' \
            "$report/report.json" 2>/dev/null) || return 1
  [[ $cells -gt 0 ]] || return 1
  div "$cells" "$t"
}

fig_enumeration() {
  local reps=3 limit=16 cells rep have_lib=0 have_cli=0 value v
  if ((BENCH_QUICK)); then reps=1 limit=4; fi
  command -v strace >/dev/null || { note enumeration "strace is not installed: figure skipped"; return 0; }
  ensure_preset release || { note enumeration "release preset not built: figure skipped"; return 0; }
  cells=$BENCH_OUT/tmp/enum-cells
  enum_cells "$limit" >"$cells" || { note enumeration "the black box did not run under strace: figure skipped"; return 0; }
  [[ -f $(preset_dir release)/lib/libshmfault.so ]] && have_lib=1
  # shmfuzz enumerate builds and uses build/<preset>: only comparable with the same builds.
  if [[ -f $BENCH_ROOT/scripts/shmfuzz_cli/cmd_enumerate.py && $BENCH_BUILDS == "$BENCH_ROOT/build" ]]; then
    have_cli=1
  elif [[ -f $BENCH_ROOT/scripts/shmfuzz_cli/cmd_enumerate.py ]]; then
    note enumeration "shmfuzz-enumerate row skipped: --builds is not build/, and shmfuzz enumerate builds and uses build/<preset>"
  fi
  ratio_to enumeration strace-inject plain-run
  ratio_to enumeration shmfuzz-preload strace-inject
  ratio_to enumeration shmfuzz-enumerate strace-inject
  for ((rep = 1; rep <= reps; rep++)); do
    for v in plain-run strace-inject shmfuzz-preload shmfuzz-enumerate; do
      case $v in
        plain-run) value=$(enum_plain "$cells") || value="" ;;
        strace-inject) value=$(enum_strace "$cells") || value="" ;;
        shmfuzz-preload) ((have_lib)) || continue; value=$(enum_preload "$cells") || value="" ;;
        shmfuzz-enumerate) ((have_cli)) || continue; value=$(enum_cli $((limit * ${#ENUM_FUNCS[@]}))) || value="" ;;
      esac
      if [[ -n $value ]]; then sample enumeration "$v" points/s "$value"; else meta enumeration "$v" failed "the run failed (bench log)"; fi
    done
  done
  note enumeration "black box: bench-ceiling-kv lifecycle, 16 rounds of libshmipc kv create/put/get/destroy; matrix: $(wc -l <"$cells") cells = up to $limit calls of each of ${ENUM_FUNCS[*]} x {errno ($(for f in "${ENUM_FUNCS[@]}"; do printf '%s:%s ' "$f" "${ENUM_ERRNO[$f]}"; done)), SIGKILL}; one process run per cell for both tools; plain-run: the program alone, as often (the ceiling)"
  ((have_lib)) || note enumeration "shmfuzz rows missing: libshmfault.so is not built yet (faults/)"
  if ((have_cli)) || [[ -f $BENCH_ROOT/scripts/shmfuzz_cli/cmd_enumerate.py ]]; then
    note enumeration "shmfuzz-enumerate: scripts/shmfuzz enumerate --preset release --errnos first --crash on the same points: 3 cells per point (first documented errno, SIGKILL before and after the call), each a fork of the program stopped in libshmfault's constructor (the fork server: one exec per matrix), in a fresh IPC namespace and /dev/shm, with a trace and a judgement of the outcome (more work per cell than strace's bare run); timed from its clean run, so its preset build is not counted"
  else
    note enumeration "shmfuzz enumerate is not there yet (scripts/shmfuzz_cli/cmd_enumerate.py): shmfuzz-preload is bench/run's own loop, one LD_PRELOAD run per cell"
  fi
}
