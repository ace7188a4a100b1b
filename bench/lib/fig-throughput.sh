# fig-throughput.sh - figure 2: executions per second of each engine on one single-process and
# one multi-process program of the shmipc-kv target, next to the bare loop of the same calls
# (bench/ceiling_kv.c) built the same way (release, ASan for libFuzzer, afl-clang-fast for AFL++).
# shellcheck shell=bash

# Programs: the seed it starts from, and the ceiling program that makes the same calls.
THROUGHPUT_PROGRAMS=(lifecycle writer-reader)
declare -A THROUGHPUT_KIND=([lifecycle]="1 process" [writer-reader]="2 processes")

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
  dir=$(preset_dir "$1")
  input=$dir/corpus/shmipc-kv/$prog
  [[ -f $input ]] || return 1
  for ((i = 0; i < 500; i++)); do args+=("$input"); done
  start=$(now)
  while awk -v e="$(elapsed "$start")" -v s="$secs" 'BEGIN { exit !(e < s) }'; do
    "$dir/bin/sfz-shmipc-kv-replay" --quiet "${args[@]}" >/dev/null || return 1
    n=$((n + ${#args[@]}))
  done
  div "$n" "$(elapsed "$start")"
}

# libFuzzer on one fixed input (-runs=N FILE runs it N times): the engine's per-input cost
# without mutation, so the workload is exactly the ceiling's.
tp_libfuzzer_fixed() {
  local dir prog=$1 runs=$2 work ms
  dir=$(preset_dir libfuzzer)
  work=$(scratch)
  (cd "$work" && "$dir/bin/sfz-shmipc-kv-libfuzzer" -runs="$runs" -artifact_prefix="$work/" \
     "$dir/corpus/shmipc-kv/$prog" >"$work/log" 2>&1) || { tail -n 5 "$work/log" >&2; return 1; }
  ms=$(sed -n 's/^Executed .* in \([0-9]*\) ms$/\1/p' "$work/log")
  [[ -n $ms ]] || return 1
  div "$runs" "$(div "$ms" 1000 %.6f)"
}

# libFuzzer fuzzing from the one seed for SECONDS: mutated programs, so only near the ceiling's
# workload (mutations change the ops and process counts).
tp_libfuzzer_fuzz() {
  local dir prog=$1 secs=$2 work
  dir=$(preset_dir libfuzzer)
  work=$(scratch)
  mkdir "$work/c" && cp "$dir/corpus/shmipc-kv/$prog" "$work/c/"
  if ! (cd "$work" && "$dir/bin/sfz-shmipc-kv-libfuzzer" -seed=1 -max_total_time="$secs" \
          -print_final_stats=1 -artifact_prefix="$work/" "$work/c" >"$work/log" 2>&1); then
    # libFuzzer stops at the first finding: a finding on the hardened target is worth reporting.
    local why
    why=$(grep -m1 -oE 'shmfuzz: FINDING .{0,100}|ERROR: [A-Za-z]+: .{0,60}' "$work/log" || echo "exit status")
    meta throughput "$prog/libfuzzer-fuzzing" failed "stopped after $(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log") executions on a finding in the hardened target: $why"
    return 1
  fi
  sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log"
}

# AFL++ from the one seed for SECONDS: TARGET... is the command line after "--".
tp_afl() {
  local prog=$1 secs=$2 work dir rate
  shift 2
  dir=$(preset_dir afl)
  work=$(scratch)
  mkdir "$work/in" && cp "$dir/corpus/shmipc-kv/$prog" "$work/in/"
  afl_env timeout $((secs + 60)) afl-fuzz -V "$secs" -s 1 -i "$work/in" -o "$work/out" -- "$@" \
    >"$work/log" 2>&1 || { tail -n 5 "$work/log" >&2; return 1; }
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

fig_throughput() {
  local secs=3 reps=3 runs=10000 rep prog have_lf=0 have_afl=0 afl_dir
  if ((BENCH_QUICK)); then secs=1 reps=1 runs=2000; fi
  ensure_preset release || { note throughput "release preset not built: figure skipped"; return 0; }
  ensure_preset libfuzzer && have_lf=1
  if command -v afl-fuzz >/dev/null && ensure_preset afl; then have_afl=1; fi
  afl_dir=$(preset_dir afl)
  for prog in "${THROUGHPUT_PROGRAMS[@]}"; do
    ratio_to throughput "$prog/replay" "$prog/ceiling"
    ratio_to throughput "$prog/ceiling-fork" "$prog/ceiling"
    ratio_to throughput "$prog/libfuzzer-fixed" "$prog/ceiling-asan"
    ratio_to throughput "$prog/libfuzzer-fuzzing" "$prog/ceiling-asan"
    ratio_to throughput "$prog/afl-persistent" "$prog/ceiling-afl"
    ratio_to throughput "$prog/afl-forkserver" "$prog/ceiling-afl"
    meta throughput "$prog/ceiling" program "kv $prog (${THROUGHPUT_KIND[$prog]})"
  done
  for ((rep = 1; rep <= reps; rep++)); do
    for prog in "${THROUGHPUT_PROGRAMS[@]}"; do
      tp_measure "$prog/ceiling" tp_ceiling release "$prog" "$secs"
      [[ $prog == writer-reader ]] && tp_measure "$prog/ceiling-fork" tp_ceiling release writer-reader-fork "$secs"
      tp_measure "$prog/replay" tp_replay release "$prog" "$secs"
      if ((have_lf)); then
        tp_measure "$prog/ceiling-asan" tp_ceiling libfuzzer "$prog" "$secs"
        tp_measure "$prog/libfuzzer-fixed" tp_libfuzzer_fixed "$prog" "$runs"
        tp_measure "$prog/libfuzzer-fuzzing" tp_libfuzzer_fuzz "$prog" "$secs"
      fi
      if ((have_afl)); then
        tp_measure "$prog/ceiling-afl" tp_ceiling afl "$prog" "$secs"
        tp_measure "$prog/afl-persistent" tp_afl "$prog" $((secs + 1)) "$afl_dir/bin/sfz-shmipc-kv-afl"
        tp_measure "$prog/afl-forkserver" tp_afl "$prog" $((secs + 1)) \
          "$afl_dir/bin/sfz-shmipc-kv-replay" --quiet @@
      fi
    done
  done
  ((have_lf)) || note throughput "libfuzzer preset not built: libFuzzer rows missing"
  ((have_afl)) || note throughput "afl-fuzz or the afl preset missing: AFL++ rows missing"
  note throughput "ceiling: bench/ceiling_kv.c, the same libshmipc calls in a bare loop, built by the same preset as the engine it is compared with (ceiling: release gcc -O2; ceiling-asan: libfuzzer preset, clang ASan+UBSan; ceiling-afl: afl preset, afl-clang-fast); ceiling-fork forks the second process every round"
  note throughput "libfuzzer-fixed runs the seed unchanged (-runs=N FILE), the ceiling's exact workload; libfuzzer-fuzzing and both AFL++ rows fuzz from that seed, so their programs drift from it: compare them with care"
  note throughput "afl-persistent: sfz-shmipc-kv-afl (__AFL_LOOP, shared-memory test cases); afl-forkserver: the afl preset's replay driver with @@ (one fork and one file per input)"
}
