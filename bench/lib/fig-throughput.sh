# fig-throughput.sh - figure 2: executions per second of each engine on one-, two- and
# four-process programs of the shmipc-kv target, next to the bare loop of the same calls
# (bench/ceiling_kv.c) built the same way (release, ASan for libFuzzer, afl-clang-fast for AFL++),
# and while fuzzing the kv and ring targets. With --before DIR every harness row is measured a
# second time with the preset builds in DIR (say, of the previous commit), interleaved in the
# same repetitions: "<program>/before/<row>".
# shellcheck shell=bash

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
# The hostile peer inside a call (issue 13), replay rows only: the test box without it, with a
# peer.inside before every take (4 of 9 adapter ops protected), and every op protected
# (SHMFUZZ_INSIDE=lint on inside-off).
THROUGHPUT_INSIDE=(inside-off inside-peer)

tp_target() { printf '%s\n' "${THROUGHPUT_TARGET[$1]:-shmipc-kv}"; }

# The text form of PROGRAM's input: a corpus seed, or bench/programs/ for the four processes.
tp_source() {
  case $1 in
    four-procs | inside-*) printf '%s\n' "$BENCH_ROOT/bench/programs/$1.txt" ;;
    ring-*) printf '%s\n' "$BENCH_ROOT/corpus/shmipc-ring/seeds/${1#ring-}.txt" ;;
    *) printf '%s\n' "$BENCH_ROOT/corpus/shmipc-kv/seeds/$1.txt" ;;
  esac
}

# The binary input every row runs, encoded once by the release replay driver.
tp_input() { printf '%s\n' "$BENCH_OUT/tmp/inputs/$1"; }
tp_encode_inputs() {
  local prog dir
  dir=$(preset_dir release)
  mkdir -p "$BENCH_OUT/tmp/inputs"
  for prog in "${THROUGHPUT_PROGRAMS[@]}" "${THROUGHPUT_FUZZ_ONLY[@]}" "${THROUGHPUT_INSIDE[@]}"; do
    [[ $prog == inside-* && ! -x $dir/bin/sfz-inside-bug-replay ]] && continue # not x86-64
    "$dir/bin/sfz-$(tp_target "$prog")-replay" --encode -o "$(tp_input "$prog")" \
      "$(tp_source "$prog")" || return 1
  done
}

# The preset builds a harness row runs: the current ones, or --before's (TP_BUILDS).
tp_dir() { printf '%s/%s\n' "${TP_BUILDS:-$BENCH_BUILDS}" "$1"; }

# ceiling PRESET PROGRAM SECONDS -> executions/s of the bare loop
tp_ceiling() {
  local bin
  bin=$(preset_dir "$1")/bin/bench-ceiling-kv
  [[ -x $bin ]] || return 1
  "$bin" "$2" "$3" | json_field per_sec
}

# replay rate: the release replay driver given the same encoded input over and over.
tp_replay() {
  local dir prog=$2 secs=$3 input start n=0 args=() i
  dir=$(tp_dir "$1")
  input=$(tp_input "$prog")
  [[ -f $input ]] || return 1
  for ((i = 0; i < 500; i++)); do args+=("$input"); done
  start=$(now)
  while awk -v e="$(elapsed "$start")" -v s="$secs" 'BEGIN { exit !(e < s) }'; do
    "$dir/bin/sfz-$(tp_target "$prog")-replay" --quiet "${args[@]}" >/dev/null || return 1
    n=$((n + ${#args[@]}))
  done
  div "$n" "$(elapsed "$start")"
}

# The inside rows' replays, without the double-fetch lint lines the test box prints; lint:
# every adapter op protected and watched.
tp_replay_inside() { tp_replay "$@" 2>/dev/null; }
tp_replay_lint() { SHMFUZZ_INSIDE=lint tp_replay "$@" 2>/dev/null; }

# The inside rows of one repetition (release replay driver, x86-64 builds only).
tp_inside_rows() {
  [[ -x $(preset_dir release)/bin/sfz-inside-bug-replay ]] || return 0
  tp_measure inside-off/replay tp_replay_inside release inside-off "$TP_SECS"
  tp_measure inside-peer/replay tp_replay_inside release inside-peer "$TP_SECS"
  tp_measure inside-lint/replay tp_replay_lint release inside-off "$TP_SECS"
}

# libFuzzer on one fixed input (-runs=N FILE runs it N times): the engine's per-input cost
# without mutation, so the workload is exactly the ceiling's.
tp_libfuzzer_fixed() {
  local dir prog=$1 runs=$2 work ms
  dir=$(tp_dir libfuzzer)
  work=$(scratch)
  (cd "$work" && "$dir/bin/sfz-$(tp_target "$prog")-libfuzzer" -runs="$runs" \
     -artifact_prefix="$work/" "$(tp_input "$prog")" >"$work/log" 2>&1) ||
    { tail -n 5 "$work/log" >&2; return 1; }
  ms=$(sed -n 's/^Executed .* in \([0-9]*\) ms$/\1/p' "$work/log")
  [[ -n $ms ]] || return 1
  div "$runs" "$(div "$ms" 1000 %.6f)"
}

# libFuzzer fuzzing from the one seed for SECONDS: mutated programs, so only near the ceiling's
# workload (mutations change the ops and process counts).
tp_libfuzzer_fuzz() {
  local dir prog=$1 secs=$2 work
  dir=$(tp_dir libfuzzer)
  work=$(scratch)
  mkdir "$work/c" && cp "$(tp_input "$prog")" "$work/c/"
  if ! (cd "$work" && "$dir/bin/sfz-$(tp_target "$prog")-libfuzzer" -seed=1 -max_total_time="$secs" \
          -print_final_stats=1 -artifact_prefix="$work/" "$work/c" >"$work/log" 2>&1); then
    # libFuzzer stops at the first finding: a finding on the hardened target is worth reporting.
    local why
    why=$(grep -m1 -oE 'shmfuzz: FINDING .{0,100}|ERROR: [A-Za-z]+: .{0,60}' "$work/log" || echo "exit status")
    meta throughput "${TP_BUILDS:+$prog/before/libfuzzer-fuzzing}${TP_BUILDS:-$prog/libfuzzer-fuzzing}" failed "stopped after $(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log") executions on a finding in the hardened target: $why"
    return 1
  fi
  sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log"
}

# AFL++ from the one seed for SECONDS: the afl preset's BINARY (a name under bin/, with the
# arguments after it) is the command line after "--".
tp_afl() {
  local prog=$1 secs=$2 bin=$3 work dir rate
  shift 3
  dir=$(tp_dir afl)
  work=$(scratch)
  mkdir "$work/in" && cp "$(tp_input "$prog")" "$work/in/"
  afl_env timeout $((secs + 60)) afl-fuzz -V "$secs" -s 1 -i "$work/in" -o "$work/out" -- \
    "$dir/bin/$bin" "$@" >"$work/log" 2>&1 || { tail -n 5 "$work/log" >&2; return 1; }
  rate=$(afl_stat "$work/out" execs_per_sec)
  [[ -n $rate ]] && printf '%s\n' "$rate"
}

# tp_measure VARIANT UNIT COMMAND...: one sample, or a note when the command fails.
tp_measure() {
  local variant=$1 value
  shift
  if value=$("$@") && [[ -n $value && $value != nan ]]; then
    sample throughput "$variant" exec/s "$value"
  else
    bench_log "throughput $variant: measurement failed"
    awk -F'\t' -v v="$variant" '$1 == "throughput" && $2 == v && $3 == "failed" { f = 1 } END { exit !f }' \
      "$BENCH_OUT/meta.tsv" ||
      meta throughput "$variant" failed "measurement failed (see bench log)"
  fi
}

# tp_rows PREFIX PROG: the harness rows of one program, with the builds in TP_BUILDS.
tp_rows() {
  local pre=$1 prog=$2 fuzz_only=$3
  if ((!fuzz_only)); then
    tp_measure "$prog/${pre}replay" tp_replay release "$prog" "$TP_SECS"
    ((TP_HAVE_LF)) && tp_measure "$prog/${pre}libfuzzer-fixed" tp_libfuzzer_fixed "$prog" "$TP_RUNS"
  fi
  ((TP_HAVE_LF)) && tp_measure "$prog/${pre}libfuzzer-fuzzing" tp_libfuzzer_fuzz "$prog" "$TP_SECS"
  if ((TP_HAVE_AFL)); then
    tp_measure "$prog/${pre}afl-persistent" tp_afl "$prog" $((TP_SECS + 1)) "sfz-$(tp_target "$prog")-afl"
    ((fuzz_only)) || tp_measure "$prog/${pre}afl-forkserver" tp_afl "$prog" $((TP_SECS + 1)) \
      "sfz-$(tp_target "$prog")-replay" --quiet @@
  fi
  return 0
}

# The ratios of one program's rows (PRE: "" or "before/").
tp_ratios() {
  local prog=$1 pre=$2
  ratio_to throughput "$prog/${pre}replay" "$prog/ceiling"
  ratio_to throughput "$prog/${pre}libfuzzer-fixed" "$prog/ceiling-asan"
  ratio_to throughput "$prog/${pre}libfuzzer-fuzzing" "$prog/ceiling-asan"
  ratio_to throughput "$prog/${pre}afl-persistent" "$prog/ceiling-afl"
  ratio_to throughput "$prog/${pre}afl-forkserver" "$prog/ceiling-afl"
}

fig_throughput() {
  local rep prog before=${BENCH_BEFORE:-}
  TP_SECS=3 TP_RUNS=10000 TP_HAVE_LF=0 TP_HAVE_AFL=0
  local reps=3
  if ((BENCH_QUICK)); then TP_SECS=1 reps=1 TP_RUNS=2000; fi
  ensure_preset release || { note throughput "release preset not built: figure skipped"; return 0; }
  ensure_preset libfuzzer && TP_HAVE_LF=1
  if command -v afl-fuzz >/dev/null && ensure_preset afl; then TP_HAVE_AFL=1; fi
  tp_encode_inputs || { note throughput "the inputs did not encode: figure skipped"; return 0; }
  for prog in "${THROUGHPUT_PROGRAMS[@]}"; do
    tp_ratios "$prog" ""
    [[ -n $before ]] && tp_ratios "$prog" before/
    ratio_to throughput "$prog/ceiling-fork" "$prog/ceiling"
    meta throughput "$prog/ceiling" program "kv $prog (${THROUGHPUT_KIND[$prog]})"
    meta throughput "$prog" ops "${THROUGHPUT_OPS[$prog]}"
  done
  for ((rep = 1; rep <= reps; rep++)); do
    for prog in "${THROUGHPUT_PROGRAMS[@]}"; do
      tp_measure "$prog/ceiling" tp_ceiling release "$prog" "$TP_SECS"
      [[ $prog == writer-reader ]] && tp_measure "$prog/ceiling-fork" tp_ceiling release writer-reader-fork "$TP_SECS"
      ((TP_HAVE_LF)) && tp_measure "$prog/ceiling-asan" tp_ceiling libfuzzer "$prog" "$TP_SECS"
      ((TP_HAVE_AFL)) && tp_measure "$prog/ceiling-afl" tp_ceiling afl "$prog" "$TP_SECS"
      TP_BUILDS="" tp_rows "" "$prog" 0
      [[ -n $before ]] && TP_BUILDS=$before tp_rows before/ "$prog" 0
    done
    for prog in "${THROUGHPUT_FUZZ_ONLY[@]}"; do
      TP_BUILDS="" tp_rows "" "$prog" 1
      [[ -n $before ]] && TP_BUILDS=$before tp_rows before/ "$prog" 1
    done
    tp_inside_rows
  done
  ratio_to throughput inside-peer/replay inside-off/replay
  ratio_to throughput inside-lint/replay inside-off/replay
  meta throughput inside-off ops 9
  meta throughput inside-peer ops 13
  meta throughput inside-lint ops 9
  ((TP_HAVE_LF)) || note throughput "libfuzzer preset not built: libFuzzer rows missing"
  ((TP_HAVE_AFL)) || note throughput "afl-fuzz or the afl preset missing: AFL++ rows missing"
  note throughput "ceiling: bench/ceiling_kv.c, the same libshmipc calls in a bare loop, built by the same preset as the engine it is compared with (ceiling: release gcc -O2; ceiling-asan: libfuzzer preset, clang ASan+UBSan; ceiling-afl: afl preset, afl-clang-fast); ceiling-fork forks the second process every round; the other processes are kept alive and driven over pipes"
  note throughput "libfuzzer-fixed runs the seed unchanged (-runs=N FILE), the ceiling's exact workload; libfuzzer-fuzzing and both AFL++ rows fuzz from that seed, so their programs drift from it: compare them with care"
  note throughput "afl-persistent: sfz-<target>-afl (__AFL_LOOP, shared-memory test cases, byte mutations); afl-forkserver: the afl preset's replay driver with @@ (one fork and one file per input)"
  note throughput "four-procs: bench/programs/four-procs.txt; ring-pingpong: the shmipc-ring seed pingpong.txt, fuzzing rows only (no bare loop)"
  note throughput "us/input = 10^6 / median; us/op = us/input / the program's ops; added: us/input minus the bare loop's (what the harness and engine add per input)"
  note throughput "inside-*: the release replay driver on the test box of tests/harness/inside_adapter.c (target inside-bug; x86-64 only): inside-off (bench/programs/inside-off.txt, 9 ops, the hostile peer inside a call off: today's speed), inside-peer (inside-peer.txt: a peer.inside at=32 before each of the 4 takes, which never reaches it: the protected takes' cost), inside-lint (inside-off under SHMFUZZ_INSIDE=lint: every adapter op protected)"
  [[ -n $before ]] && note throughput "before/: the same rows with the preset builds in $before (bench/run --before), interleaved in the same repetitions"
  return 0
}
