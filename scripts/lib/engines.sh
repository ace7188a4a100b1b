# engines.sh: how shmfuzz drives libFuzzer and AFL++ (sourced by fuzz, demo, ci, minimize, cmin).
# shellcheck shell=bash
# A campaign is an out dir with a fixed layout, so every other command can read it:
#   campaign.txt        target=, preset=, engine=, jobs=, seconds=, seed=, started=; written
#                       first, so every finding lies in a dir that says what found it: repro,
#                       triage and minimize replay with that target and preset by default
#   seeds/              the binary seeds the campaign started from (+ the encoded text seeds)
#   corpus/             libFuzzer's growing corpus      afl/<instance>/  AFL++'s -o tree
#   findings/           every saved finding, engine-independent names (what triage reads)
#   logs/               engine output                   summary.md       the end report
# Engines write their findings to disk themselves, before anything else looks at them; the
# summary only replays copies.

# sfz_engine_preset ENGINE: the CMake preset whose drivers the engine runs.
sfz_engine_preset() {
  case $1 in
    libfuzzer) echo libfuzzer ;;
    afl) echo afl ;;
    *) return 1 ;;
  esac
}

# sfz_campaign_of PATH: the campaign.txt of the fuzz out dir PATH (a file or a dir) lies in,
# or nothing.
sfz_campaign_of() {
  local d=$1
  [[ -d $d ]] || d=$(dirname -- "$d")
  d=$(cd -- "$d" 2>/dev/null && pwd) || return 0
  while :; do
    [[ -f $d/campaign.txt ]] && { printf '%s\n' "$d/campaign.txt"; return 0; }
    [[ $d == / || -z $d ]] && return 0
    d=$(dirname -- "$d")
  done
}

# sfz_campaign_preset PATH: the preset whose build found what lies at PATH: campaign.txt's
# preset= (or, for campaigns older than that line, its engine's preset); nothing if unknown.
sfz_campaign_preset() {
  local c p
  c=$(sfz_campaign_of "$1")
  [[ -n $c ]] || return 0
  p=$(sed -n 's/^preset=//p' "$c" | head -n 1)
  [[ -n $p ]] || p=$(sfz_engine_preset "$(sed -n 's/^engine=//p' "$c" | head -n 1)") || p=""
  printf '%s\n' "$p"
}

# sfz_replay_preset CMD PATH GIVEN: the preset CMD replays PATH with: GIVEN (--preset), else
# the campaign's (said on stderr: a sanitizer finding replays ok on another build), else dev.
sfz_replay_preset() {
  local cmd=$1 path=$2 given=$3 p
  [[ -n $given ]] && { printf '%s\n' "$given"; return 0; }
  p=$(sfz_campaign_preset "$path")
  if [[ -n $p ]]; then
    sfz_info "$cmd: replaying with preset '$p', the build that found it (campaign.txt; --preset P to change)"
    printf '%s\n' "$p"
  else
    printf 'dev\n'
  fi
}

# sfz_engine_binary ENGINE BUILD_DIR TARGET
sfz_engine_binary() { printf '%s/bin/sfz-%s-%s\n' "$2" "$3" "$1"; }

# sfz_seed_dir BUILD_DIR TARGET DEST: binary seeds into DEST: the build's encoded corpus, or the
# text seeds encoded with the replay driver (raw has no build-time corpus). Never leaves DEST
# empty: AFL++ refuses an empty input directory.
sfz_seed_dir() {
  local build=$1 target=$2 dest=$3 s n=0
  mkdir -p "$dest"
  if [[ -d $build/corpus/$target ]] && compgen -G "$build/corpus/$target/*" >/dev/null; then
    cp "$build/corpus/$target"/* "$dest"/
    n=$(find "$dest" -type f | wc -l)
  else
    local src
    src="$SHMFUZZ_ROOT/corpus/$(sfz_hardened_of "$target")/seeds"
    for s in "$src"/*.txt; do
      [[ -f $s ]] || continue
      "$build/bin/sfz-$target-replay" --encode -o "$dest/$(basename "$s" .txt)" "$s" >/dev/null 2>&1 &&
        n=$((n + 1))
    done
  fi
  [[ $n -gt 0 ]] || printf 'SFZ' >"$dest/empty"
}

# ---- running ---------------------------------------------------------------------------------
SFZ_ENGINE_PIDS=()

# sfz_engine_start_libfuzzer OUT BINARY SECONDS JOBS SEED DICT KEEP_GOING
sfz_engine_start_libfuzzer() {
  local out=$1 bin=$2 secs=$3 jobs=$4 seed=$5 dict=$6 keep=$7
  local args=(-seed="$seed" -max_total_time="$secs" -timeout=10 -rss_limit_mb=4096
              -artifact_prefix="$out/findings/" -print_final_stats=1 -reload=1)
  [[ -n $dict ]] && args+=(-dict="$dict")
  if [[ $jobs -gt 1 || $keep == 1 ]]; then
    args+=(-fork="$jobs")
    [[ $keep == 1 ]] && args+=(-ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
  fi
  # Its own session: a terminal's Ctrl-C comes to us, and we stop the whole engine tree.
  (cd "$out/logs" && exec setsid "$bin" "${args[@]}" "$out/corpus" "$out/seeds") \
    >"$out/logs/libfuzzer.log" 2>&1 &
  SFZ_ENGINE_PIDS=($!)
}

# sfz_engine_start_afl OUT BINARY SECONDS JOBS SEED DICT KEEP_GOING: one -M and JOBS-1 -S.
sfz_engine_start_afl() {
  local out=$1 bin=$2 secs=$3 jobs=$4 seed=$5 dict=$6 keep=$7 i name role
  local args=(-V "$secs" -t 10000 -i "$out/seeds" -o "$out/afl")
  [[ -n $dict ]] && args+=(-x "$dict")
  SFZ_ENGINE_PIDS=()
  # AFL_BENCH_UNTIL_CRASH stops an instance at its first crash; any value (even 0) sets it.
  local envs=(AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1)
  [[ $keep == 1 ]] || envs+=(AFL_BENCH_UNTIL_CRASH=1)
  # The program-level mutator built next to the target (harness/drivers/driver_afl_mutator.c).
  local mutator=${bin%-afl}-afl-mutator.so
  [[ -f $mutator ]] && envs+=(AFL_CUSTOM_MUTATOR_LIBRARY="$mutator")
  for ((i = 0; i < jobs; i++)); do
    if [[ $i -eq 0 ]]; then name=main; role=-M; else name=s$i; role=-S; fi
    # A private IPC namespace per instance: afl-fuzz's coverage map and test-case segments
    # vanish with it even when the instance is killed. The target's drivers isolate each input.
    env "${envs[@]}" setsid "${SFZ_AFL_WRAP[@]}" afl-fuzz "$role" "$name" -s $((seed + i)) \
      "${args[@]}" -- "$bin" >"$out/logs/afl-$name.log" 2>&1 &
    SFZ_ENGINE_PIDS+=($!)
  done
}
# unshare -i when we may (root): prefixed to every afl-fuzz.
SFZ_AFL_WRAP=()
if [[ $(id -u) -eq 0 ]] && unshare -i true 2>/dev/null; then SFZ_AFL_WRAP=(unshare -i --); fi

# True while any engine process lives.
sfz_engine_running() {
  local p
  for p in "${SFZ_ENGINE_PIDS[@]}"; do kill -0 "$p" 2>/dev/null && return 0; done
  return 1
}

# Stop every engine (TERM to each process group: they save state and exit; KILL if they linger).
sfz_engine_stop() {
  local p t
  for p in "${SFZ_ENGINE_PIDS[@]}"; do kill -TERM -- "-$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null || true; done
  for ((t = 0; t < 50; t++)); do sfz_engine_running || break; sleep 0.2; done
  for p in "${SFZ_ENGINE_PIDS[@]}"; do kill -KILL -- "-$p" 2>/dev/null || true; done
  for p in "${SFZ_ENGINE_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
}

# ---- progress --------------------------------------------------------------------------------
# sfz_engine_stats ENGINE OUT: "EXECS EXECS_PER_S COVERAGE" from the engine's own reports.
sfz_engine_stats() {
  local engine=$1 out=$2
  if [[ $engine == libfuzzer ]]; then
    # "#N pulse cov: C ft: F ... exec/s: E" (single) or "#N: cov: C ... exec/s E" (fork mode)
    local line
    line=$(grep -aE '^#[0-9]+:?[[:space:]]' "$out/logs/libfuzzer.log" 2>/dev/null | tail -n 1 |
      sed -nE 's/^#([0-9]+):?[[:space:]].*cov: ([0-9]+).*exec\/s:? ([0-9]+).*/\1 \3 \2/p') || true
    if [[ -z $line ]]; then # stopped before its first status line: the final stats
      line=$(awk '/^stat::number_of_executed_units:/ { n = $2 } /^stat::average_exec_per_sec:/ { e = $2 }
                  END { if (n != "") print n, e, 0 }' "$out/logs/libfuzzer.log" 2>/dev/null) || true
    fi
    echo "$line"
  else
    # plot_data: relative_time, cycles_done, cur_item, corpus_count, pending_total,
    # pending_favs, map_size, saved_crashes, saved_hangs, max_depth, execs_per_sec,
    # total_execs, edges_found (AFL++ 4.x)
    local f line execs=0 eps=0 cov=0
    for f in "$out"/afl/*/plot_data; do
      [[ -f $f ]] || continue
      # AFL++ appends while we read: a line with fewer than 13 columns is cut, the last full one counts
      line=$(grep -v '^#' "$f" | awk -F, 'NF >= 13' | tail -n 1 | tr -d ' ') || true
      [[ -n $line ]] || continue
      IFS=, read -r -a col <<<"$line"
      execs=$((execs + ${col[11]:-0}))
      eps=$((eps + ${col[10]%.*}))
      [[ ${col[12]:-0} -gt $cov ]] && cov=${col[12]}
    done
    echo "$execs $eps $cov"
  fi
}

# Copy what the engine saved into OUT/findings (AFL++ names hold ':' and ','). Idempotent.
sfz_collect_findings() {
  local engine=$1 out=$2 f inst id kind
  [[ $engine == afl ]] || return 0
  for f in "$out"/afl/*/crashes/id:* "$out"/afl/*/hangs/id:*; do
    [[ -f $f ]] || continue
    inst=$(basename "$(dirname "$(dirname "$f")")")
    case $(basename "$(dirname "$f")") in crashes) kind=crash ;; *) kind=hang ;; esac
    id=$(basename "$f" | sed -E 's/^id:([0-9]+).*/\1/')
    [[ -f $out/findings/afl-$inst-$kind-$id ]] || cp "$f" "$out/findings/afl-$inst-$kind-$id"
  done
}

# Number of findings saved so far.
sfz_finding_count() {
  sfz_collect_findings "$1" "$2"
  find "$2/findings" -maxdepth 1 -type f ! -name '*.txt' ! -name '*.min' | wc -l
}
