# fig-time-to-find.sh - figure 4: seconds until each bug-catalogue entry is found, per engine,
# over fixed engine seeds 1..N, against two baselines: the raw-bytes harness (bench/rawbytes_*.c:
# bytes straight to library calls, one process, no fault plan, sanitizers only) and random fault
# injection at a fixed probability (libshmfault "p" rules on the replay driver, no fuzzing).
# Runs go seed by seed over every entry, so a run cut by the figure's deadline costs every
# entry the same late seed rather than whole entries.
# shellcheck shell=bash

# What an engine's log must show for FINDING (as tests/targets/bug-check.sh reads it).
ttf_pattern() {
  case $1 in
    crash) echo "shmfuzz: FINDING crash|ERROR: AddressSanitizer|deadly signal" ;;
    leak-heap) echo "shmfuzz: FINDING leak-heap|ERROR: LeakSanitizer" ;;
    hang) echo "shmfuzz: FINDING hang|ERROR: libFuzzer: timeout" ;;
    *) echo "shmfuzz: FINDING $1" ;;
  esac
}

# What the raw-bytes baseline can observe at all: only what a sanitizer or a timeout reports.
ttf_raw_observes() { [[ $1 == crash || $1 == leak-heap || $1 == hang ]]; }

# ttf_libfuzzer FUZZER CORPUS_DIR|"" DICT|"" ID FINDING SEED BUDGET -> seconds or inf
ttf_libfuzzer() {
  local fuzzer=$1 corpus=$2 dict=$3 id=$4 finding=$5 seed=$6 budget=$7 work start args=()
  work=$(scratch)
  mkdir "$work/c"
  [[ -n $corpus ]] && cp "$corpus"/* "$work/c/" 2>/dev/null
  [[ -n $dict ]] && args+=(-dict="$dict")
  start=$(now)
  # -print_final_stats: libFuzzer prints its executions at the finding too (crash callback).
  (cd "$work" && timeout $((budget + 30)) "$fuzzer" -seed="$seed" -max_total_time="$budget" \
     -timeout=5 -print_final_stats=1 "${args[@]}" -artifact_prefix="$work/" "$work/c" >"$work/log" 2>&1) || true
  local t execs
  t=$(elapsed "$start")
  if grep -qE "$(ttf_pattern "$finding")" "$work/log"; then
    # Seconds move with the machine's load; executions do not: the log keeps both, so a
    # slowdown can be told from a busy machine (docs/bench.md, time to find).
    execs=$(grep -m1 -oE 'number_of_executed_units: [0-9]+' "$work/log" | grep -oE '[0-9]+$')
    bench_log "$id seed $seed: ${fuzzer##*/} found it after ${execs:-?} executions"
    printf '%s\n' "$t"
  else
    grep -qE 'ERROR: |shmfuzz: FINDING' "$work/log" &&
      bench_log "$id seed $seed: stopped on another finding: $(grep -m1 -oE '(ERROR: |shmfuzz: FINDING ).{0,60}' "$work/log")"
    echo inf
  fi
  rm -rf "$work"
}

# ttf_afl ID FINDING PATTERN SEED BUDGET -> seconds or inf (a saved crash whose replay by the
# afl preset's replay driver gives FINDING).
ttf_afl() {
  local id=$1 finding=$2 seed=$4 budget=$5 dir work start saved verdict t s
  dir=$(preset_dir afl)
  work=$(scratch)
  start=$(now)
  # A seed that already gives the finding is what afl-fuzz's dry run meets first; afl-fuzz then
  # skips it (or stops when every seed crashes) and never saves it, so time the seeds' replay.
  for s in "$dir/corpus/bug-$id"/*; do
    # (captured first: under pipefail the replay's exit 1 on a finding would fail the pipe)
    verdict=$("$dir/bin/sfz-bug-$id-replay" "$s" 2>&1 || true)
    if grep -q "^verdict: FINDING $finding:" <<<"$verdict"; then
      elapsed "$start"; echo
      rm -rf "$work"
      return 0
    fi
  done
  # As shmfuzz fuzz runs it: the target's program-level mutator, and -t above the harness's
  # op timeout so hangs are judged by the harness.
  local mutator=()
  [[ -f $dir/bin/sfz-bug-$id-afl-mutator.so ]] &&
    mutator=(AFL_CUSTOM_MUTATOR_LIBRARY="$dir/bin/sfz-bug-$id-afl-mutator.so")
  afl_env AFL_BENCH_UNTIL_CRASH=1 "${mutator[@]}" timeout $((budget + 30)) afl-fuzz -V "$budget" \
    -s "$seed" -t 5000 -x "$BENCH_ROOT/corpus/shmipc-$3.dict" -i "$dir/corpus/bug-$id" -o "$work/out" -- \
    "$dir/bin/sfz-bug-$id-afl" >"$work/log" 2>&1 || true
  t=$(elapsed "$start")
  saved=$(find "$work/out" -path '*/crashes/id:*' -type f 2>/dev/null | head -n 1)
  verdict=""
  [[ -n $saved ]] && verdict=$("$dir/bin/sfz-bug-$id-replay" "$saved" 2>&1 | grep -m1 '^verdict:' || true)
  if [[ $verdict == "verdict: FINDING $finding:"* ]]; then
    printf '%s\n' "$t"
  else
    echo inf
  fi
  rm -rf "$work"
}

# The random-fault baseline: replay the entry's seeds again and again with every intercepted
# call failing with probability P (a new generator seed each pass) until FINDING or BUDGET.
ttf_random() {
  local id=$1 finding=$2 seed=$3 budget=$4 dir lib start pass=0 out
  dir=$(preset_dir release)
  lib=$dir/lib/libshmfault.so
  start=$(now)
  while awk -v e="$(elapsed "$start")" -v b="$budget" 'BEGIN { exit !(e < b) }'; do
    pass=$((pass + 1))
    out=$(LD_PRELOAD=$lib SHMFAULT_RULES="$TTF_RANDOM_RULES" SHMFAULT_SEED=$((seed * 100000 + pass)) \
      timeout 30 "$dir/bin/sfz-bug-$id-replay" --quiet "$dir/corpus/bug-$id"/* 2>&1 || true)
    if grep -q "^verdict: FINDING $finding:" <<<"$out"; then
      elapsed "$start"; echo
      return 0
    fi
  done
  echo inf
}
TTF_RANDOM_P=0.05
TTF_RANDOM_RULES="shmget@p$TTF_RANDOM_P=ENOMEM;shmat@p$TTF_RANDOM_P=ENOMEM;shmdt@p$TTF_RANDOM_P=EINVAL;shmctl@p$TTF_RANDOM_P=EINVAL;semop@p$TTF_RANDOM_P=EINTR;shm_open@p$TTF_RANDOM_P=EMFILE;ftruncate@p$TTF_RANDOM_P=EFBIG;mmap@p$TTF_RANDOM_P=ENOMEM"

# ttf_record ENTRY ENGINE SECONDS|inf
ttf_record() { sample time-to-find "$1/$2" s "$3"; }

fig_time_to_find() {
  # Engine seeds: libFuzzer 1..5; the rest fewer, so the deadline leaves libFuzzer its five.
  local seeds=5 raw_seeds=3 afl_seeds=2 random_seeds=1 budget=10 deadline=540 entries=() engines=()
  if ((BENCH_QUICK)); then seeds=1 raw_seeds=1 afl_seeds=1 random_seeds=1 budget=10 deadline=90; fi
  # BENCH_TTF_SEEDS=N: libFuzzer seeds 1..N (and N times 108 s of deadline). Five seeds are too
  # few to compare two commits: executions to find spread over two orders of magnitude, and
  # the median of 5 seeds of one build ranged 555-7983 (10-90 %) on size-mismatch.
  if [[ -n ${BENCH_TTF_SEEDS:-} ]]; then
    [[ $BENCH_TTF_SEEDS =~ ^[1-9][0-9]{0,2}$ ]] ||
      { bench_log "BENCH_TTF_SEEDS: '$BENCH_TTF_SEEDS' is not a number of seeds (1..999)"; return 2; }
    seeds=$BENCH_TTF_SEEDS deadline=$((BENCH_TTF_SEEDS * 108))
  fi
  local have_lf=0 have_afl=0 have_random=0
  ensure_preset release || true
  ensure_preset libfuzzer && have_lf=1
  if command -v afl-fuzz >/dev/null && ensure_preset afl; then have_afl=1; fi
  [[ -f $(preset_dir release)/lib/libshmfault.so ]] && have_random=1
  ((have_lf)) || { note time-to-find "libfuzzer preset not built: figure skipped"; return 0; }

  # Entries: every catalogue line; --quick takes two that need no fault injection.
  declare -A finding=() pattern=()
  while IFS=$'\t' read -r id _ fnd _ _ pat; do
    [[ $id == \#* || -z $id ]] && continue
    finding[$id]=$fnd pattern[$id]=$pat
    entries+=("$id")
  done <"$BENCH_ROOT/targets/bugs/catalogue.tsv"
  ((BENCH_QUICK)) && entries=(missing-nul use-after-shmdt)
  # BENCH_TTF_ENTRIES="id ...": time only these entries (a new entry's rows without the whole
  # figure's quarter hour); an id the catalogue does not have is a set-up error.
  if [[ -n ${BENCH_TTF_ENTRIES:-} ]]; then
    local want
    for want in $BENCH_TTF_ENTRIES; do
      [[ -n ${finding[$want]:-} ]] || { bench_log "BENCH_TTF_ENTRIES: no catalogue entry '$want'"; return 2; }
    done
    read -r -a entries <<<"$BENCH_TTF_ENTRIES"
  fi

  local lfdir id seed engine t start cut=0 skipped_faults=()
  lfdir=$(preset_dir libfuzzer)
  # Without libshmfault the harness has no fault plan: entries that only a fault exposes (their
  # reproducer in corpus/regressions has a "fault" line) cannot be found; say so, burn no time.
  local runnable=()
  for id in "${entries[@]}"; do
    if [[ ! -f $lfdir/lib/libshmfault.so ]] &&
       grep -q '^fault ' "$BENCH_ROOT/corpus/regressions/shmipc-${pattern[$id]}/$id.txt" 2>/dev/null; then
      skipped_faults+=("$id")
      sample time-to-find "$id/libfuzzer" s nan
      meta time-to-find "$id/libfuzzer" note "not run: needs fault injection and libshmfault is not built"
    else
      runnable+=("$id")
    fi
  done

  start=$(now)
  for ((seed = 1; seed <= seeds; seed++)); do
    for id in "${runnable[@]}"; do
      engines=(libfuzzer)
      ((seed <= raw_seeds)) && engines+=(rawbytes)
      ((have_afl && seed <= afl_seeds)) && engines+=(afl)
      ((have_random && seed <= random_seeds)) && engines+=(random-faults)
      for engine in "${engines[@]}"; do
        if awk -v e="$(elapsed "$start")" -v d="$deadline" 'BEGIN { exit !(e >= d) }'; then
          cut=$((cut + 1))
          continue
        fi
        case $engine in
          libfuzzer)
            t=$(ttf_libfuzzer "$lfdir/bin/sfz-bug-$id-libfuzzer" "$lfdir/corpus/bug-$id" \
                  "$BENCH_ROOT/corpus/shmipc-${pattern[$id]}.dict" "$id" "${finding[$id]}" "$seed" "$budget") ;;
          rawbytes)
            if ! ttf_raw_observes "${finding[$id]}"; then
              ((seed == 1)) && { sample time-to-find "$id/rawbytes" s nan
                meta time-to-find "$id/rawbytes" note "cannot observe ${finding[$id]}: no oracle beyond sanitizers and timeouts"; }
              continue
            fi
            t=$(ttf_libfuzzer "$lfdir/bin/bench-rawbytes-$id-libfuzzer" "" "" "$id" "${finding[$id]}" "$seed" "$budget") ;;
          afl)
            if [[ ${finding[$id]} == leak-heap ]]; then
              ((seed == 1)) && { sample time-to-find "$id/afl" s nan
                meta time-to-find "$id/afl" note "not run: the afl preset has no LeakSanitizer"; }
              continue
            fi
            t=$(ttf_afl "$id" "${finding[$id]}" "${pattern[$id]}" "$seed" "$budget") ;;
          random-faults)
            t=$(ttf_random "$id" "${finding[$id]}" "$seed" "$budget") ;;
        esac
        ttf_record "$id" "$engine" "$t"
      done
    done
  done
  note time-to-find "engine seeds: libFuzzer 1..$seeds, rawbytes 1..$raw_seeds, AFL++ 1..$afl_seeds, random-faults 1..$random_seeds (time forces fewer seeds for AFL++ and the baselines); budget $budget s per run (the issue allows 60 s; bounded to keep the whole run under 15 min on 2 cores), figure deadline $deadline s; median over seeds with 'not found' counted as longer than any time"
  note time-to-find "libfuzzer: sfz-bug-<id>-libfuzzer from the pattern's seed corpus with its dictionary; afl: sfz-bug-<id>-afl (persistent) from the same seeds, a saved crash counts when its replay gives the entry's finding, and a seed that already gives it counts at the time its replay takes (afl-fuzz's dry run meets it first but never saves it); rawbytes: bench/rawbytes_<pattern>.c from an empty corpus"
  if ((have_random)); then
    note time-to-find "random-faults: the release replay driver on the entry's seeds under LD_PRELOAD=libshmfault.so with every listed call failing at p=$TTF_RANDOM_P, a new seed per pass"
  else
    note time-to-find "random-faults baseline not run: libshmfault.so is not built yet (faults/)"
  fi
  ((cut == 0)) || note time-to-find "$cut runs were not started: the figure's deadline ($deadline s) passed; their entries show fewer seeds"
  ((${#skipped_faults[@]} == 0)) || note time-to-find "not run without libshmfault: ${skipped_faults[*]}"
}
