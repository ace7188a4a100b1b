# cpu.sh - CPU time of a command's whole process tree, for figure 2 (sourced, not run).
# shellcheck shell=bash
# The machines bench/ runs on are shared 2-core VMs where the load is often above the core
# count: wall-clock rates there measure the neighbours. CPU time (user + system) of every
# process the command starts does not, and neither does its count of context switches.
#
# Two ways, chosen once per run (cpu_method):
#   perf    perf stat -e task-clock,context-switches (counters inherited by every descendant,
#           reaped or not); with --self a second, non-inherited perf stat inside gives the
#           command's own process alone (afl-fuzz without its target)
#   rusage  the command's rusage from wait4 (python3): itself and every descendant that was
#           waited for; no --self split (it prints "-")
# BENCH_CPU=perf|rusage forces one. CPU_TIMEOUT=SECONDS (optional) stops a runaway command.
#
# Every measured command runs pinned to one CPU (taskset; BENCH_PIN=N picks it, the last one
# by default; BENCH_PIN=none does not pin). Why: two processes handing work back and forth
# cost 2.5x the CPU when they sit on different CPUs of this VM (each wake-up is a cross-CPU
# interrupt and an idle exit) than on one, and which of the two happens depends on the
# machine's load: bench-ceiling-kv writer-reader measured 24-25 us per round pinned, 24 or
# 61-74 unpinned depending on the neighbours. Pinned, every row pays the same-CPU hand-off,
# the bare loops too. Nothing in the harness spins, so one CPU takes nothing from it.

cpu_method() {
  if [[ -z ${BENCH_CPU_METHOD:-} ]]; then
    case ${BENCH_CPU:-} in
      perf | rusage) BENCH_CPU_METHOD=$BENCH_CPU ;;
      "") if perf stat -x, -e task-clock,context-switches -o /dev/null true >/dev/null 2>&1; then
            BENCH_CPU_METHOD=perf
          else
            BENCH_CPU_METHOD=rusage
          fi ;;
      *) bench_log "BENCH_CPU must be perf or rusage (got '$BENCH_CPU')"; return 2 ;;
    esac
  fi
  printf '%s\n' "$BENCH_CPU_METHOD"
}

# cpu_pin: the CPU measured commands run on ("" when not pinned).
cpu_pin() {
  local pin=${BENCH_PIN:-}
  [[ $pin == none ]] && return 0
  command -v taskset >/dev/null || return 0
  if [[ -z $pin ]]; then
    # The last CPU this shell may run on.
    pin=$(taskset -cp $$ 2>/dev/null | sed 's/.*: //; s/.*[,-]//')
  fi
  [[ $pin =~ ^[0-9]+$ ]] || { bench_log "BENCH_PIN must be a CPU number or none (got '$pin')"; return 2; }
  printf '%s\n' "$pin"
}

# perf_field CSV EVENT: the count of EVENT in a perf stat -x, file ("" when not counted).
perf_field() {
  awk -F, -v e="$2" '$3 == e && $1 ~ /^[0-9.]+$/ { print $1 }' "$1"
}

# cpu_run FILE [--self] COMMAND...: run COMMAND (its output untouched) and write
# "TREE_MS TREE_CS SELF_MS SELF_CS" to FILE (SELF_*: "-" without --self or under rusage).
# Returns COMMAND's exit status; 125 when the counters could not be read.
cpu_run() {
  local file=$1 self=0 rc=0 method tree_ms tree_cs self_ms=- self_cs=- guard=()
  shift
  [[ $1 == --self ]] && { self=1; shift; }
  method=$(cpu_method) || return 125
  [[ -n ${CPU_TIMEOUT:-} ]] && guard=(timeout --kill-after=10 "$CPU_TIMEOUT")
  local pin
  pin=$(cpu_pin) && [[ -n $pin ]] && guard+=(taskset -c "$pin")
  if [[ $method == perf ]]; then
    if ((self)); then
      "${guard[@]}" perf stat -x, -e task-clock,context-switches -o "$file.tree" -- \
        perf stat -x, --no-inherit -e task-clock,context-switches -o "$file.self" -- "$@" || rc=$?
      self_ms=$(perf_field "$file.self" task-clock) self_cs=$(perf_field "$file.self" context-switches)
    else
      "${guard[@]}" perf stat -x, -e task-clock,context-switches -o "$file.tree" -- "$@" || rc=$?
    fi
    tree_ms=$(perf_field "$file.tree" task-clock) tree_cs=$(perf_field "$file.tree" context-switches)
  else
    # wait4 on the command itself: its own usage and that of every descendant it reaped
    # (RUSAGE_CHILDREN of python3 would also count whatever python3 ran at its start).
    "${guard[@]}" python3 -c 'import os, sys
pid = os.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, status, r = os.wait4(pid, 0)
with open(sys.argv[1], "w") as f:
    f.write(f"{(r.ru_utime + r.ru_stime) * 1000:.3f} {r.ru_nvcsw + r.ru_nivcsw}\n")
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 128 - code)' "$file.tree" "$@" || rc=$?
    read -r tree_ms tree_cs <"$file.tree" 2>/dev/null || true
  fi
  [[ -n ${tree_ms:-} && -n ${tree_cs:-} && -n $self_ms && -n $self_cs ]] || return 125
  printf '%s %s %s %s\n' "$tree_ms" "$tree_cs" "$self_ms" "$self_cs" >"$file"
  return "$rc"
}

# cpu_per_unit UNITS MS CS [MS0 CS0]: "US CS" per unit of MS milliseconds and CS context
# switches, less MS0 and CS0 when given (a run with fewer units, so the start-up is not
# counted, or a process whose own share is not wanted). Fails when no time is left.
cpu_per_unit() {
  awk -v n="$1" -v m="$2" -v c="$3" -v m0="${4:-0}" -v c0="${5:-0}" \
    'BEGIN { cs = c > c0 ? (c - c0) / n : 0  # a few switches either way at the start
             if (n > 0 && m > m0) printf "%.3f %.4f\n", (m - m0) * 1000 / n, cs; else exit 1 }'
}

# cpu_per FILE_N FILE_1 UNITS: "US CS" per unit of the difference of two cpu_run files
# (N units minus a run of the same command with fewer, so the start-up is not counted).
cpu_per() {
  local a b
  read -r -a a <"$1" && read -r -a b <"$2" || return 1
  cpu_per_unit "$3" "${a[0]}" "${a[1]}" "${b[0]}" "${b[1]}"
}
