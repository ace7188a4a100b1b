# fig-throughput.sh - figure 2: CPU time per input (the whole process tree's, bench/lib/cpu.sh)
# of each engine on one-, two- and four-process programs of the shmipc-kv target, next to the bare loop of the same calls
# (bench/ceiling_kv.c) built the same way (release, ASan for libFuzzer, afl-clang-fast for AFL++),
# and while fuzzing the kv and ring targets. With --before DIR every harness row is measured a
# second time with the preset builds in DIR (say, of the previous commit), interleaved in the
# same repetitions: "<program>/before/<row>".
# shellcheck shell=bash

# shellcheck source=bench/lib/cpu.sh
. "$BENCH_DIR/lib/cpu.sh"

# Programs: the seed it starts from, and the ceiling program that makes the same calls.
THROUGHPUT_PROGRAMS=(lifecycle writer-reader four-procs)
declare -A THROUGHPUT_KIND=([lifecycle]="1 process" [writer-reader]="2 processes"
                            [four-procs]="4 processes")
# Ops per input, for the cost per op.
declare -A THROUGHPUT_OPS=([lifecycle]=6 [writer-reader]=8 [four-procs]=14)
# The fuzzing-only programs of other targets: target and seed.
THROUGHPUT_FUZZ_ONLY=(ring-pingpong)
declare -A THROUGHPUT_TARGET=([ring-pingpong]=shmipc-ring [inside-off]=inside-bug
                              [inside-peer]=inside-bug)
# The hostile peer inside a call (issue 13), replay rows only (tp_inside_rows): the test box
# without it (inside-off), with a peer.inside before every take (inside-peer: 4 of 9 adapter
# ops protected), and every op protected (SHMFUZZ_INSIDE=lint on inside-off).

tp_target() { printf '%s\n' "${THROUGHPUT_TARGET[$1]:-shmipc-kv}"; }

# The text form of PROGRAM's input: a corpus seed, or bench/programs/ for the four processes.
tp_source() {
  case $1 in
    four-procs | inside-*) printf '%s\n' "$BENCH_ROOT/bench/programs/$1.txt" ;;
    ring-*) printf '%s\n' "$BENCH_ROOT/corpus/shmipc-ring/seeds/${1#ring-}.txt" ;;
    *) printf '%s\n' "$BENCH_ROOT/corpus/shmipc-kv/seeds/$1.txt" ;;
  esac
}

# tp_input PROG [PRESET]: the binary input of PROG for a row run with PRESET (release by
# default) of the current builds or --before's (TP_BUILDS), encoded once per run by that
# build's own replay driver: builds of different commits may read different format versions.
tp_input() {
  local prog=$1 preset=${2:-release} set=now f
  [[ -n ${TP_BUILDS:-} ]] && set=before
  f=$BENCH_OUT/tmp/inputs/$set/$preset/$prog
  if [[ ! -f $f ]]; then
    mkdir -p "${f%/*}"
    "$(tp_dir "$preset")/bin/sfz-$(tp_target "$prog")-replay" --encode -o "$f" "$(tp_source "$prog")" \
      >/dev/null || { bench_log "throughput: $prog did not encode with the $set $preset build"; return 1; }
  fi
  printf '%s\n' "$f"
}
tp_encode_inputs() {
  local prog
  for prog in "${THROUGHPUT_PROGRAMS[@]}" "${THROUGHPUT_FUZZ_ONLY[@]}"; do
    tp_input "$prog" >/dev/null || return 1
  done
}

# The preset builds a harness row runs: the current ones, or --before's (TP_BUILDS).
tp_dir() { printf '%s/%s\n' "${TP_BUILDS:-$BENCH_BUILDS}" "$1"; }

# Every row prints one line "SUFFIX US CS EPS" per variant it measured (SUFFIX "-": the row
# itself): CPU microseconds of the whole process tree per input, context switches per input
# (bench/lib/cpu.sh), and the wall-clock executions per second ("-" when not measured), kept
# as a secondary column only: on a loaded shared machine it measures the neighbours.

# ceiling PRESET PROGRAM SECONDS: the bare loop for SECONDS (its start is a few ms of those).
tp_ceiling() {
  local bin work rounds eps ms cs
  bin=$(preset_dir "$1")/bin/bench-ceiling-kv
  [[ -x $bin ]] || return 1
  work=$(scratch)
  cpu_run "$work/cpu" "$bin" "$2" "$3" >"$work/json" || return 1
  rounds=$(json_field rounds <"$work/json") eps=$(json_field per_sec <"$work/json")
  read -r ms cs _ <"$work/cpu"
  printf -- '- %s %s\n' "$(cpu_per_unit "$rounds" "$ms" "$cs")" "$eps"
}

# replay: the release replay driver given the encoded input TP_COPIES times in one process,
# minus the same driver given it once (its start and the namespace set-up are not counted).
tp_replay() {
  local dir prog=$2 input work replay start wall args=() i per
  dir=$(tp_dir "$1")
  input=$(tp_input "$prog")
  replay=$dir/bin/sfz-$(tp_target "$prog")-replay
  [[ -f $input && -x $replay ]] || return 1
  work=$(scratch)
  for ((i = 0; i < TP_COPIES; i++)); do args+=("$input"); done
  start=$(now)
  cpu_run "$work/n" "$replay" --quiet "${args[@]}" >/dev/null || return 1
  wall=$(elapsed "$start")
  cpu_run "$work/1" "$replay" --quiet "$input" >/dev/null || return 1
  per=$(cpu_per "$work/n" "$work/1" $((TP_COPIES - 1))) || return 1
  printf -- '- %s %s\n' "$per" "$(div "$TP_COPIES" "$wall")"
}

# The inside rows' replays, without the double-fetch lint lines the test box prints; lint:
# every adapter op protected and watched.
tp_replay_inside() { tp_replay "$@" 2>/dev/null; }
tp_replay_lint() { SHMFUZZ_INSIDE=lint tp_replay "$@" 2>/dev/null; }

# The inside rows of one repetition (release replay driver, x86-64 builds only).
tp_inside_rows() {
  [[ -x $(preset_dir release)/bin/sfz-inside-bug-replay ]] || return 0
  tp_measure inside-off/replay tp_replay_inside release inside-off
  tp_measure inside-peer/replay tp_replay_inside release inside-peer
  tp_measure inside-lint/replay tp_replay_lint release inside-off
}

# libFuzzer on one fixed input (-runs=N FILE runs it N times): the engine's per-input cost
# without mutation, so the workload is exactly the ceiling's; minus -runs=1, so the engine's
# start is not counted. BINARY (optional): another fuzz target of the libfuzzer preset.
tp_libfuzzer_fixed() {
  local dir prog=$1 runs=$2 work ms per r bin
  dir=$(tp_dir libfuzzer)
  bin=${3:-$dir/bin/sfz-$(tp_target "$prog")-libfuzzer}
  work=$(scratch)
  for r in "$runs" 1; do
    (cd "$work" && cpu_run "$work/cpu$r" "$bin" -runs="$r" \
       -artifact_prefix="$work/" "$(tp_input "$prog" libfuzzer)" >"$work/log$r" 2>&1) ||
      { tail -n 5 "$work/log$r" >&2; return 1; }
  done
  ms=$(sed -n 's/^Executed .* in \([0-9]*\) ms$/\1/p' "$work/log$runs")
  per=$(cpu_per "$work/cpu$runs" "$work/cpu1" $((runs - 1))) || return 1
  printf -- '- %s %s\n' "$per" "$(div "$runs" "$(div "${ms:-0}" 1000 %.6f)")"
}

# tp_libfuzzer_corpus ROW PROG RUNS BINARY [ARGS]: BINARY fuzzing from a corpus holding PROG's
# input, -runs=RUNS minus -runs=1, per executed unit (stat::number_of_executed_units); exec/s
# from the wall clock of the longer run (libFuzzer's own figure is in whole seconds). A run that
# stops early (libFuzzer stops at the first finding, which on a hardened target is worth
# reporting) is noted on ROW.
tp_libfuzzer_corpus() {
  local row=$1 prog=$2 runs=$3 bin=$4 work r units=() per start wall=0 why
  shift 4
  [[ -x $bin ]] || return 1
  work=$(scratch)
  for r in "$runs" 1; do
    mkdir "$work/c$r" && cp "$(tp_input "$prog" libfuzzer)" "$work/c$r/"
    start=$(now)
    if ! (cd "$work" && cpu_run "$work/cpu$r" "$bin" "$@" -runs="$r" -print_final_stats=1 \
            -artifact_prefix="$work/" "$work/c$r" >"$work/log$r" 2>&1); then
      why=$(grep -m1 -oE 'shmfuzz: FINDING .{0,100}|ERROR: [A-Za-z]+: .{0,60}' "$work/log$r" || echo "exit status")
      meta throughput "$row" failed "stopped after $(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log$r") executions on a finding in the hardened target: $why"
      return 1
    fi
    [[ $r == 1 ]] || wall=$(elapsed "$start")
    units+=("$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log$r")")
  done
  per=$(cpu_per "$work/cpu$runs" "$work/cpu1" $((units[0] - units[1]))) || return 1
  printf -- '- %s %s\n' "$per" "$(div "${units[0]}" "$wall")"
}

# libFuzzer's own fuzzing loop on the input unchanged: bench-libfuzzer-loop-kv (the current
# libfuzzer preset's, or --before's when it has one) or the empty target's
# bench-libfuzzer-loop-floor, with an identity custom mutator: what a campaign pays per input
# without -runs=N FILE's read of the file for every run.
tp_libfuzzer_loop_kv() {
  tp_libfuzzer_corpus "$1/${TP_BUILDS:+before/}libfuzzer-loop" "$1" "$2" \
    "$(tp_dir libfuzzer)/bin/bench-libfuzzer-loop-kv"
}
tp_libfuzzer_loop_floor() {
  tp_libfuzzer_corpus libfuzzer-loop-floor lifecycle "$1" \
    "$(preset_dir libfuzzer)/bin/bench-libfuzzer-loop-floor"
}

# libFuzzer fuzzing from the one seed (-seed=1 -runs=N, a fresh corpus directory each time):
# mutated programs, so only near the ceiling's workload (mutations change the ops and process
# counts); their programs drift from the seed.
tp_libfuzzer_fuzz() {
  tp_libfuzzer_corpus "$1/${TP_BUILDS:+before/}libfuzzer-fuzzing" "$1" "$2" \
    "$(tp_dir libfuzzer)/bin/sfz-$(tp_target "$1")-libfuzzer" -seed=1
}

# AFL++ from the one seed for SECONDS: the afl preset's BINARY (a name under bin/, with the
# arguments after it) is the command line after "--". CPU per execution (execs_done) of the whole tree (afl-fuzz and
# the target), and with perf, "-target": the tree minus afl-fuzz's own process (the
# forkserver and the target's processes alone). BINARY may be an absolute path.
tp_afl() {
  local dir prog=$1 secs=$2 bin=$3 work execs tree_ms tree_cs self_ms self_cs eps
  shift 3
  dir=$(tp_dir afl)
  [[ $bin == /* ]] || bin=$dir/bin/$bin
  work=$(scratch)
  mkdir "$work/in" && cp "$(tp_input "$prog" afl)" "$work/in/"
  # env(1) execs afl-fuzz in the process perf's --no-inherit counter follows.
  CPU_TIMEOUT=$((secs + 60)) cpu_run "$work/cpu" --self env "${BENCH_AFL_ENV[@]}" "${TP_AFL_ENV[@]}" afl-fuzz -V "$secs" \
    -s 1 -i "$work/in" -o "$work/out" -- "$bin" "$@" >"$work/log" 2>&1 || { tail -n 5 "$work/log" >&2; return 1; }
  execs=$(afl_stat "$work/out" execs_done) eps=$(afl_stat "$work/out" execs_per_sec)
  read -r tree_ms tree_cs self_ms self_cs <"$work/cpu"
  printf -- '- %s %s\n' "$(cpu_per_unit "$execs" "$tree_ms" "$tree_cs")" "${eps:--}"
  [[ $self_ms == - ]] && return 0
  printf -- '-target %s %s\n' "$(cpu_per_unit "$execs" "$tree_ms" "$tree_cs" "$self_ms" "$self_cs")" \
    "${eps:--}"
}

# tp_afl_identity PROG SECONDS BINARY [ARGS]: tp_afl with bench-afl-identity.so as afl-fuzz's only
# mutator (the current afl preset's), so the target runs the seed unchanged.
TP_AFL_ENV=()
tp_afl_identity() {
  local lib
  lib=$(preset_dir afl)/bin/bench-afl-identity.so
  [[ -f $lib ]] || return 1
  TP_AFL_ENV=(AFL_CUSTOM_MUTATOR_LIBRARY="$lib" AFL_CUSTOM_MUTATOR_ONLY=1 AFL_DISABLE_TRIM=1)
  tp_afl "$@"
  local rc=$?
  TP_AFL_ENV=()
  return "$rc"
}

# afl-fixed: the persistent driver on the seed unchanged: the ceiling's exact workload plus the engine.
tp_afl_fixed() { tp_afl_identity "$1" "$2" "sfz-$(tp_target "$1")-afl"; }

# ceiling-afl-loop: the bare loop as a persistent target (bench-afl-ceiling-kv PROGRAM, the current
# afl preset's), one round per input, run as afl-fixed is: afl-fuzz's cost per input on the
# ceiling's own workload, so afl-fixed can also be read against a bare loop in the same engine.
tp_afl_ceiling() {
  local bin
  bin=$(preset_dir afl)/bin/bench-afl-ceiling-kv
  [[ -x $bin ]] || return 1
  tp_afl_identity "$1" "$2" "$bin" "$1"
}

# afl-floor: afl-fuzz on bench-afl-floor, a persistent target that does nothing (the afl
# preset of the current builds; compiled here with afl-clang-fast -O2 when those builds
# predate it): what afl-fuzz itself caps a persistent target at.
tp_afl_floor() {
  local bin
  bin=$(preset_dir afl)/bin/bench-afl-floor
  if [[ ! -x $bin ]]; then
    bin=$BENCH_OUT/tmp/bench-afl-floor
    [[ -x $bin ]] || afl-clang-fast -O2 -o "$bin" "$BENCH_ROOT/bench/afl_floor.c" \
      >>"$BENCH_OUT/logs/afl-floor.log" 2>&1 || return 1
  fi
  tp_afl lifecycle "$1" "$bin"
}

# libfuzzer-floor: bench-libfuzzer-floor (an empty fuzz target of the current libfuzzer preset)
# on the lifecycle input, as libfuzzer-fixed runs: libFuzzer's own cost per input in that mode.
tp_libfuzzer_floor() {
  local bin
  bin=$(preset_dir libfuzzer)/bin/bench-libfuzzer-floor
  [[ -x $bin ]] || return 1
  tp_libfuzzer_fixed lifecycle "$1" "$bin"
}

# tp_measure VARIANT COMMAND...: the samples of one run of a row, or a note when it fails.
tp_measure() {
  local variant=$1 out suffix us cs eps v
  shift
  if out=$("$@") && [[ -n $out && $out != *nan* ]]; then
    while read -r suffix us cs eps; do
      v=$variant
      [[ $suffix != - ]] && v+=$suffix
      sample throughput "$v" us/input "$us"
      meta throughput "$v" cs_per_input "$cs"
      [[ $eps != - ]] && meta throughput "$v" exec_per_s "$eps"
    done <<<"$out"
  else
    bench_log "throughput $variant: measurement failed"
    awk -F'\t' -v v="$variant" '$1 == "throughput" && $2 == v && $3 == "failed" { f = 1 } END { exit !f }' \
      "$BENCH_OUT/meta.tsv" ||
      meta throughput "$variant" failed "measurement failed (see bench log)"
  fi
  return 0
}

# tp_rows PREFIX PROG FUZZ_ONLY: the harness rows of one program, with the builds in TP_BUILDS.
tp_rows() {
  local pre=$1 prog=$2 fuzz_only=$3 target
  target=$(tp_target "$prog")
  if ((!fuzz_only)); then
    tp_measure "$prog/${pre}replay" tp_replay release "$prog"
    ((TP_HAVE_LF)) && tp_measure "$prog/${pre}libfuzzer-fixed" tp_libfuzzer_fixed "$prog" "$TP_RUNS"
    ((TP_HAVE_LF)) && [[ -x $(tp_dir libfuzzer)/bin/bench-libfuzzer-loop-kv ]] &&
      tp_measure "$prog/${pre}libfuzzer-loop" tp_libfuzzer_loop_kv "$prog" "$TP_RUNS"
  fi
  ((TP_HAVE_LF)) && tp_measure "$prog/${pre}libfuzzer-fuzzing" tp_libfuzzer_fuzz "$prog" "$TP_FUZZ_RUNS"
  if ((TP_HAVE_AFL)); then
    tp_measure "$prog/${pre}afl-persistent" tp_afl "$prog" "$TP_AFL_SECS" "sfz-$target-afl"
    ((fuzz_only)) || tp_measure "$prog/${pre}afl-fixed" tp_afl_fixed "$prog" "$TP_AFL_SECS"
    ((fuzz_only)) || tp_measure "$prog/${pre}afl-forkserver" tp_afl "$prog" "$TP_AFL_SECS" \
      "sfz-$target-replay" --quiet @@
  fi
  return 0
}

# The ratios of one program's rows (PRE: "" or "before/").
tp_ratios() {
  local prog=$1 pre=$2 row
  ratio_to throughput "$prog/${pre}replay" "$prog/ceiling"
  ratio_to throughput "$prog/${pre}libfuzzer-fixed" "$prog/ceiling-asan"
  ratio_to throughput "$prog/${pre}libfuzzer-loop" "$prog/ceiling-asan"
  ratio_to throughput "$prog/${pre}libfuzzer-fuzzing" "$prog/ceiling-asan"
  for row in afl-persistent afl-persistent-target afl-fixed afl-fixed-target afl-forkserver \
    afl-forkserver-target; do
    ratio_to throughput "$prog/$pre$row" "$prog/ceiling-afl"
  done
}

fig_throughput() {
  local rep prog before=${BENCH_BEFORE:-} reps=3
  # Sizes: the fixed rows' inputs per run, the fuzzing rows' executions, AFL++'s seconds.
  TP_SECS=3 TP_COPIES=2000 TP_RUNS=10000 TP_FUZZ_RUNS=4000 TP_AFL_SECS=4 TP_HAVE_LF=0 TP_HAVE_AFL=0
  if ((BENCH_QUICK)); then
    TP_SECS=1 reps=1 TP_COPIES=300 TP_RUNS=1000 TP_FUZZ_RUNS=300 TP_AFL_SECS=2
  fi
  cpu_method >/dev/null || { note throughput "BENCH_CPU is neither perf nor rusage: figure skipped"; return 0; }
  cpu_pin >/dev/null || { note throughput "BENCH_PIN is neither a CPU number nor none: figure skipped"; return 0; }
  ensure_preset release || { note throughput "release preset not built: figure skipped"; return 0; }
  ensure_preset libfuzzer && TP_HAVE_LF=1
  if command -v afl-fuzz >/dev/null && ensure_preset afl; then TP_HAVE_AFL=1; fi
  tp_encode_inputs || { note throughput "the inputs did not encode: figure skipped"; return 0; }
  for prog in "${THROUGHPUT_PROGRAMS[@]}"; do
    tp_ratios "$prog" ""
    [[ -n $before ]] && tp_ratios "$prog" before/
    ratio_to throughput "$prog/ceiling-fork" "$prog/ceiling"
    ratio_to throughput "$prog/ceiling-afl-loop" "$prog/ceiling-afl"
    ratio_to throughput "$prog/ceiling-afl-loop-target" "$prog/ceiling-afl"
    meta throughput "$prog/ceiling" program "kv $prog (${THROUGHPUT_KIND[$prog]})"
    meta throughput "$prog" ops "${THROUGHPUT_OPS[$prog]}"
  done
  for ((rep = 1; rep <= reps; rep++)); do
    for prog in "${THROUGHPUT_PROGRAMS[@]}"; do
      tp_measure "$prog/ceiling" tp_ceiling release "$prog" "$TP_SECS"
      [[ $prog == writer-reader ]] && tp_measure "$prog/ceiling-fork" tp_ceiling release writer-reader-fork "$TP_SECS"
      ((TP_HAVE_LF)) && tp_measure "$prog/ceiling-asan" tp_ceiling libfuzzer "$prog" "$TP_SECS"
      ((TP_HAVE_AFL)) && tp_measure "$prog/ceiling-afl" tp_ceiling afl "$prog" "$TP_SECS"
      ((TP_HAVE_AFL)) && [[ -x $(preset_dir afl)/bin/bench-afl-ceiling-kv ]] &&
        tp_measure "$prog/ceiling-afl-loop" tp_afl_ceiling "$prog" "$TP_AFL_SECS"
      TP_BUILDS="" tp_rows "" "$prog" 0
      [[ -n $before ]] && TP_BUILDS=$before tp_rows before/ "$prog" 0
    done
    for prog in "${THROUGHPUT_FUZZ_ONLY[@]}"; do
      TP_BUILDS="" tp_rows "" "$prog" 1
      [[ -n $before ]] && TP_BUILDS=$before tp_rows before/ "$prog" 1
    done
    ((TP_HAVE_AFL)) && tp_measure afl-floor tp_afl_floor "$TP_AFL_SECS"
    ((TP_HAVE_LF)) && tp_measure libfuzzer-floor tp_libfuzzer_floor "$TP_RUNS"
    ((TP_HAVE_LF)) && tp_measure libfuzzer-loop-floor tp_libfuzzer_loop_floor "$TP_RUNS"
    tp_inside_rows
  done
  ratio_to throughput inside-peer/replay inside-off/replay
  ratio_to throughput inside-lint/replay inside-off/replay
  meta throughput inside-off ops 9
  meta throughput inside-peer ops 13
  meta throughput inside-lint ops 9
  ((TP_HAVE_LF)) || note throughput "libfuzzer preset not built: libFuzzer rows missing"
  ((TP_HAVE_AFL)) || note throughput "afl-fuzz or the afl preset missing: AFL++ rows missing"
  tp_notes "$before"
  return 0
}

# The notes under the table: how each row was measured.
tp_notes() {
  local how
  if [[ $(cpu_method) == perf ]]; then
    how="perf stat -e task-clock,context-switches around each run (counters inherited by every process it starts)"
  else
    how="the rusage wait4 returns for each run (the command and every descendant it reaped; perf was not usable here)"
  fi
  local pin
  pin=$(cpu_pin) || pin=""
  how+=${pin:+, every command pinned to CPU $pin (taskset; BENCH_PIN)}
  [[ -n $pin ]] || how+=", not pinned (BENCH_PIN=none or no taskset)"
  note throughput "median: CPU time (user + system) of the whole process tree per input, in us, by $how; cs/input: context switches per input; exec/s: wall clock, secondary (it measures the machine's load too)"
  note throughput "ceiling: bench/ceiling_kv.c, the same libshmipc calls in a bare loop for ${TP_SECS} s, built by the same preset as the engine it is compared with (ceiling: release gcc -O2; ceiling-asan: libfuzzer preset, clang ASan+UBSan; ceiling-afl: afl preset, afl-clang-fast), CPU over its rounds; ceiling-fork forks the second process every round; the other processes are kept alive and driven over pipes"
  note throughput "replay: the release replay driver given the input $TP_COPIES times minus given it once; libfuzzer-fixed: -runs=$TP_RUNS FILE minus -runs=1 (the seed unchanged: the ceiling's exact workload, the engine's start not counted); libfuzzer-fuzzing: -seed=1 -runs=$TP_FUZZ_RUNS from the seed minus -runs=1, per executed unit; their programs drift from the seed: compare with care; libfuzzer-floor: bench/libfuzzer_floor.c, a fuzz target that does nothing, run as libfuzzer-fixed on the lifecycle input: libFuzzer's own cost per input in -runs mode (it reads the file again for every run), which libfuzzer-fixed pays on top of the harness; libfuzzer-loop: libFuzzer's fuzzing loop on the seed unchanged (bench-libfuzzer-loop-kv: the kv driver's entry points with bench/libfuzzer_identity.c, a custom mutator that gives the input back), -runs=$TP_RUNS from a corpus of the seed minus -runs=1, per executed unit: what a campaign pays per input, without -runs=N FILE's read of the file; missing for builds without it; libfuzzer-loop-floor: the empty target with the same mutator, libFuzzer's own cost per input in its fuzzing loop"
  note throughput "afl-*: afl-fuzz -V $TP_AFL_SECS -s 1 from the seed, CPU per execs_done; the row is the whole tree (afl-fuzz and the target), -target the tree minus afl-fuzz's own process (perf only: a second, non-inherited perf stat on afl-fuzz); afl-persistent: sfz-<target>-afl (__AFL_LOOP, shared-memory test cases, byte mutations); afl-fixed: the same driver with bench/afl_identity.c as the only mutator (AFL_CUSTOM_MUTATOR_ONLY), the seed unchanged: the ceiling's exact workload; afl-forkserver: the afl preset's replay driver with @@ (one fork and one file per input); afl-floor: bench/afl_floor.c, a persistent target that does nothing: afl-fuzz's own cap; ceiling-afl-loop: the bare loop as a persistent target (bench-afl-ceiling-kv, ceiling_kv.c with the AFL++ driver's loop, one round per input) run as afl-fixed: its ratio to ceiling-afl is what afl-fuzz's loop leaves of the bare loop, and afl-fixed's ratio divided by it is afl-fixed against the bare loop in the same engine"
  note throughput "ratio: the baseline's CPU per input / the row's (the share of the bare loop's speed); us/op: us/input / the program's ops; added: us/input minus the baseline's (what the harness and engine add per input)"
  note throughput "four-procs: bench/programs/four-procs.txt; ring-pingpong: the shmipc-ring seed pingpong.txt, fuzzing rows only (no bare loop)"
  note throughput "inside-*: the release replay driver on the test box of tests/harness/inside_adapter.c (target inside-bug; x86-64 only): inside-off (bench/programs/inside-off.txt, 9 ops, the hostile peer inside a call off: today's speed), inside-peer (inside-peer.txt: a peer.inside at=32 before each of the 4 takes, which never reaches it: the protected takes' cost), inside-lint (inside-off under SHMFUZZ_INSIDE=lint: every adapter op protected)"
  [[ -n $1 ]] && note throughput "before/: the same rows with the preset builds in $1 (bench/run --before), interleaved in the same repetitions"
  return 0
}
