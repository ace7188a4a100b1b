# summary: run a fuzz campaign on one target (libFuzzer or AFL++), live progress, summary
# shellcheck shell=bash
# Builds the engine's preset, lays out the out dir (engines.sh), starts the engine(s) in their
# own sessions, reports progress until the time is up, the first finding (unless --keep-going)
# or Ctrl-C, then replays each saved finding to name its kind and writes summary.md.

# shellcheck source=scripts/lib/engines.sh
. "$SHMFUZZ_SCRIPTS/lib/engines.sh"

sfz_fuzz_usage() {
  cat <<'USAGE'
usage: shmfuzz fuzz TARGET [--engine libfuzzer|afl] [--time S] [--jobs N] [--out DIR]
                           [--seed N] [--keep-going] [--fresh]

  Fuzzes TARGET (shmfuzz list) from its seed corpus and dictionary. libFuzzer runs one
  process, or -fork=N with --jobs N; AFL++ runs one -M and N-1 -S instances synced through
  the out dir. Each input runs in a private IPC + /dev/shm namespace (the drivers do that).

  --engine E     libfuzzer (default) or afl
  --time S       seconds of fuzzing (default 60)
  --jobs N       engine processes (default 1)
  --out DIR      out dir (default shmfuzz-out/TARGET-ENGINE-DATE); layout in docs/cli.md
  --seed N       engine random seed (default: random, printed and kept in campaign.txt)
  --keep-going   do not stop at the first finding: collect findings until the time is up
  --fresh        set aside seeds that already give a finding (OUT/seeds-with-findings/), so
                 what the campaign finds is new

  Progress (execs, execs/s, coverage, findings) is a live line on a terminal and a plain line
  every 10 s otherwise. Ctrl-C stops the engines, keeps every finding and prints the summary.

exit status: 0 no finding, 1 findings (listed with their kind and path), 2 usage or set-up,
             130 interrupted without finding
USAGE
}

sfz_cmd_fuzz() {
  local target="" engine=libfuzzer secs=60 jobs=1 out="" seed="" keep=0
  while [[ $# -gt 0 ]]; do
    case $1 in
      -h|--help) sfz_fuzz_usage; return 0 ;;
      --engine) sfz_need_arg fuzz "$1" $#; engine=$2; shift ;;
      --time) sfz_need_arg fuzz "$1" $#; sfz_need_uint fuzz "$1" "$2"; secs=$((10#$2)); shift ;;
      --jobs) sfz_need_arg fuzz "$1" $#; sfz_need_uint fuzz "$1" "$2"; jobs=$((10#$2)); shift ;;
      --out) sfz_need_arg fuzz "$1" $#; out=$2; shift ;;
      --seed) sfz_need_arg fuzz "$1" $#; sfz_need_uint fuzz "$1" "$2" 0; seed=$((10#$2)); shift ;;
      --keep-going) keep=1 ;;
      --fresh) SFZ_FUZZ_FRESH=1 ;;
      -*) sfz_bad_option fuzz "$1" ;;
      *) [[ -z $target ]] || sfz_die_usage "fuzz: one TARGET at a time (got '$target' and '$1')"
         target=$1 ;;
    esac
    shift
  done
  [[ -n $target ]] || sfz_die_usage "fuzz: which TARGET? (shmfuzz list shows them)"
  sfz_engine_preset "$engine" >/dev/null ||
    sfz_die_usage "fuzz: --engine is libfuzzer or afl, not '$engine'"
  sfz_need_target "$target"
  [[ -n $seed ]] || seed=$(( (RANDOM << 15 | RANDOM) % 1000000 + 1 ))
  [[ -n $out ]] || out="shmfuzz-out/$target-$engine-$(date +%Y%m%d-%H%M%S)"
  [[ $engine == afl ]] && sfz_need_tool afl-fuzz
  sfz_fuzz_campaign "$target" "$engine" "$secs" "$jobs" "$out" "$seed" "$keep"
}

# sfz_fuzz_campaign TARGET ENGINE SECONDS JOBS OUT SEED KEEP: the campaign; its exit status.
# Also used by demo and ci. Leaves OUT/summary.md and sets SFZ_FUZZ_FINDINGS (paths).
SFZ_FUZZ_FINDINGS=()
SFZ_FUZZ_FRESH=0
sfz_fuzz_campaign() {
  local target=$1 engine=$2 secs=$3 jobs=$4 out=$5 seed=$6 keep=$7
  local build bin dict
  build=$(sfz_build_quiet "$(sfz_engine_preset "$engine")") || exit "$SFZ_EXIT_USAGE"
  bin=$(sfz_engine_binary "$engine" "$build" "$target")
  [[ -x $bin ]] || sfz_die "$bin is not built (preset $(sfz_engine_preset "$engine"))"
  if [[ -e $out ]] && [[ -n $(ls -A "$out" 2>/dev/null) ]]; then
    sfz_die "fuzz: out dir $out exists and is not empty (give another --out)"
  fi
  mkdir -p "$out"/{seeds,corpus,findings,logs} || sfz_die "fuzz: cannot create $out"
  out=$(cd "$out" && pwd)
  dict=$(sfz_dict_of "$target") || true
  # First, before any input exists: what found the findings (repro, triage, minimize read it).
  cat >"$out/campaign.txt" <<EOF
target=$target
preset=$(sfz_engine_preset "$engine")
engine=$engine
jobs=$jobs
seconds=$secs
seed=$seed
keep_going=$keep
build=$build
dict=$dict
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
EOF
  sfz_seed_dir "$build" "$target" "$out/seeds"
  [[ $SFZ_FUZZ_FRESH == 1 ]] && sfz_fuzz_set_aside "$build/bin/sfz-$target-replay" "$out"
  sfz_info "fuzz: $target with $engine, $jobs job(s), ${secs} s, seed $seed -> $out"

  local interrupted=0
  trap 'interrupted=1' INT TERM
  trap 'sfz_engine_stop' EXIT # whatever ends this shell, no engine outlives it
  "sfz_engine_start_$engine" "$out" "$bin" "$secs" "$jobs" "$seed" "$dict" "$keep"

  local start=$SECONDS every=10 last=-100 stats n=0 execs eps cov
  sfz_tty && every=1
  while sfz_engine_running && [[ $interrupted == 0 ]]; do
    sleep 1 || true # a Ctrl-C on a terminal interrupts sleep too: not an error
    n=$(sfz_finding_count "$engine" "$out")
    if [[ $((SECONDS - last)) -ge $every ]]; then
      last=$SECONDS
      stats=$(sfz_engine_stats "$engine" "$out")
      read -r execs eps cov <<<"${stats:-0 0 0}"
      sfz_status "fuzz: $((SECONDS - start))/${secs} s  execs ${execs:-0}  exec/s ${eps:-0}  coverage ${cov:-0}  findings $n"
    fi
    [[ $keep == 0 && $n -gt 0 ]] && break
    # The engines stop themselves at the deadline; this only catches one that does not.
    [[ $((SECONDS - start)) -gt $((secs + 60)) ]] && break
  done
  sfz_status_end
  sfz_engine_stop
  trap - INT TERM EXIT
  [[ $interrupted == 1 ]] && sfz_info "fuzz: interrupted: engines stopped, findings kept"
  sfz_fuzz_summary "$target" "$engine" "$build" "$out" "$((SECONDS - start))"
  local rc=$?
  [[ $rc == 0 && $interrupted == 1 ]] && return 130
  return "$rc"
}

# sfz_fuzz_set_aside REPLAY OUT: move seeds that already give a finding out of OUT/seeds.
sfz_fuzz_set_aside() {
  local replay=$1 out=$2 s kind n=0
  for s in "$out"/seeds/*; do
    kind=$(sfz_isolated "$replay" --quiet "$s" 2>&1 | grep -m1 '^verdict:' || true)
    [[ $kind == "verdict: ok" ]] && continue
    mkdir -p "$out/seeds-with-findings"
    mv "$s" "$out/seeds-with-findings/"
    sfz_info "fuzz: --fresh: seed ${s##*/} already gives ${kind#verdict: }: set aside"
    n=$((n + 1))
  done
  if [[ -z $(ls -A "$out/seeds") ]]; then printf 'SFZ' >"$out/seeds/empty"; fi
  return 0
}

# sfz_fuzz_summary TARGET ENGINE BUILD OUT ELAPSED: replay each finding, print and write
# OUT/summary.md. Exit status 1 when there are findings.
sfz_fuzz_summary() {
  local target=$1 engine=$2 build=$3 out=$4 elapsed=$5 f kind reason o stats execs eps cov
  local replay=$build/bin/sfz-$target-replay
  sfz_collect_findings "$engine" "$out"
  stats=$(sfz_engine_stats "$engine" "$out")
  read -r execs eps cov <<<"${stats:-0 0 0}"
  SFZ_FUZZ_FINDINGS=()
  {
    echo "# shmfuzz fuzz: $target ($engine)"
    echo
    echo "- out dir: \`$out\`"
    echo "- time: ${elapsed} s, executions: ${execs:-0} (last exec/s ${eps:-0}), coverage: ${cov:-0}"
    echo "- seed: $(sed -n 's/^seed=//p' "$out/campaign.txt")"
    echo
    echo "| kind | finding | reason |"
    echo "|---|---|---|"
  } >"$out/summary.md"
  for f in "$out"/findings/*; do
    [[ -f $f && $f != *.txt && $f != *.min ]] || continue
    o=$(sfz_isolated timeout 60 "$replay" --quiet "$f" 2>&1) || true
    kind=$(sfz_kind_from_output "$o")
    [[ $kind == error || $kind == ok ]] && case ${f##*/} in
      timeout-*|afl-*-hang-*) kind="hang?" ;;
      *) [[ $kind == ok ]] && kind="not-reproduced" ;;
    esac
    reason=$(sfz_reason_from_output "$o")
    SFZ_FUZZ_FINDINGS+=("$f")
    printf '| %s | `%s` | %s |\n' "$kind" "$f" "${reason:-}" >>"$out/summary.md"
    printf '%s\t%s\t%s\n' "$kind" "$f" "$reason" >>"$out/findings.tsv"
  done
  if [[ ${#SFZ_FUZZ_FINDINGS[@]} -eq 0 ]]; then
    echo "| - | no finding | |" >>"$out/summary.md"
    sfz_info "fuzz: no finding in ${elapsed} s (${execs:-0} executions, coverage ${cov:-0}); report: $out/summary.md"
    return "$SFZ_EXIT_OK"
  fi
  sfz_info "fuzz: ${#SFZ_FUZZ_FINDINGS[@]} finding(s) in ${elapsed} s (${execs:-0} executions):"
  awk -F '\t' '{ printf "  %-10s %s\n             %s\n", $1, $2, $3 }' "$out/findings.tsv" >&2
  sfz_info "reproduce: scripts/shmfuzz repro FILE   report: $out/summary.md"
  return "$SFZ_EXIT_FINDING"
}
