# summary: shrink a finding (engine pass + op-level pass), keeping the same finding kind
# shellcheck shell=bash
# Two passes, each kept only if the result still gives the same finding kind on the replay
# driver: the engine's byte-level minimizer (libFuzzer -minimize_crash or afl-tmin: they only
# know "it still aborts", so their result is checked), then delta debugging over the program's
# ops in the text form (remove chunks of ops while the finding stays), then of fault lines
# and processes the finding does not need. Judged on the build that found the input (its
# campaign's preset) unless --preset says otherwise.

# shellcheck source=scripts/lib/engines.sh
. "$SHMFUZZ_SCRIPTS/lib/engines.sh"

sfz_minimize_usage() {
  cat <<'USAGE'
usage: shmfuzz minimize FILE [--target T] [--preset P] [--engine libfuzzer|afl|none] [--time S]
                             [--out PATH]

  Shrinks FILE, an input that gives a finding, keeping the same finding kind. Writes PATH
  (binary, default FILE.min) and PATH.txt, its text form with a header (target, finding,
  where it came from): the form corpus/regressions/ keeps.

  --target T   the fuzz target (default: from the file, as repro finds it)
  --preset P   the build whose replay driver judges "same finding"; default: the preset of
               the campaign.txt of the fuzz out dir FILE lies in, else dev
  --engine E   byte-level pass: libfuzzer (default, -minimize_crash), afl (afl-tmin) or none
  --time S     seconds for the engine pass (default 30)
  --out PATH   where to write the result (default FILE.min)

exit status: 0 minimized (or already minimal), 2 usage, set-up, or FILE gives no finding
USAGE
}

sfz_cmd_minimize() {
  local file="" target="" preset="" engine=libfuzzer secs=30 out=""
  while [[ $# -gt 0 ]]; do
    case $1 in
      -h|--help) sfz_minimize_usage; return 0 ;;
      --target) sfz_need_arg minimize "$1" $#; target=$2; shift ;;
      --preset) sfz_need_arg minimize "$1" $#; preset=$2; shift ;;
      --engine) sfz_need_arg minimize "$1" $#; engine=$2; shift ;;
      --time) sfz_need_arg minimize "$1" $#; sfz_need_uint minimize "$1" "$2"; secs=$((10#$2)); shift ;;
      --out) sfz_need_arg minimize "$1" $#; out=$2; shift ;;
      -*) sfz_bad_option minimize "$1" ;;
      *) [[ -z $file ]] || sfz_die_usage "minimize: one FILE at a time"; file=$1 ;;
    esac
    shift
  done
  [[ -n $file ]] || sfz_die_usage "minimize: which FILE? (shmfuzz minimize --help)"
  [[ -f $file && -r $file ]] || sfz_die_usage "minimize: $file: no such readable file"
  case $engine in libfuzzer|afl|none) ;; *) sfz_die_usage "minimize: --engine is libfuzzer, afl or none" ;; esac
  [[ -n $target ]] || target=$(sfz_target_of_file "$file")
  [[ -n $target ]] || sfz_die_usage "minimize: cannot tell the target of $file: give --target T"
  sfz_need_target "$target"
  [[ $engine == afl ]] && sfz_need_tool afl-tmin
  preset=$(sfz_replay_preset minimize "$file" "$preset")
  sfz_minimize "$file" "$target" "$engine" "$secs" "${out:-$file.min}" "$preset"
}

# sfz_min_kind REPLAY FILE: the finding kind FILE gives (ok, error, or a kind).
sfz_min_kind() { sfz_kind_from_output "$(sfz_isolated timeout 60 "$1" --quiet "$2" 2>&1 || true)"; }

# sfz_minimize FILE TARGET ENGINE SECONDS OUT [PRESET]: the work; also used by demo. PRESET
# (default dev) is the build whose replay driver judges.
sfz_minimize() {
  local file=$1 target=$2 engine=$3 secs=$4 out=$5 preset=${6:-dev} dev replay kind work cand
  dev=$(sfz_build_quiet "$preset") || exit "$SFZ_EXIT_USAGE"
  replay=$dev/bin/sfz-$target-replay
  [[ -x $replay ]] || sfz_die "$replay is not built (preset $preset)"
  kind=$(sfz_min_kind "$replay" "$file")
  case $kind in
    ok) sfz_die "minimize: $file replays ok on $target (preset $preset): nothing to minimize" ;;
    error) sfz_die "minimize: $file cannot be replayed on $target (preset $preset)" ;;
  esac
  work=$(mktemp -d "${TMPDIR:-/tmp}/shmfuzz-min.XXXXXX")
  cand=$work/input
  cp "$file" "$cand"
  sfz_info "minimize: $file gives $kind on $target ($(wc -c <"$file") bytes)"

  if [[ $engine != none ]]; then
    sfz_min_engine_pass "$engine" "$target" "$secs" "$cand" "$work" "$replay" "$kind"
  fi
  sfz_min_op_pass "$replay" "$kind" "$cand" "$work"
  sfz_min_fault_pass "$replay" "$kind" "$work"
  sfz_min_proc_pass "$replay" "$kind" "$work"

  # The result, both forms; the binary is checked once more.
  {
    echo "# shmfuzz program"
    echo "# target: $target"
    echo "# finding: $kind"
    echo "# story: minimized by shmfuzz minimize from $(basename "$file") ($(date -u +%Y-%m-%d), preset $preset)"
    grep -v '^#' "$work/ops.txt"
  } >"$out.txt"
  "$replay" --encode -o "$out" "$out.txt" >/dev/null || sfz_die "minimize: the result does not encode"
  local final
  final=$(sfz_min_kind "$replay" "$out")
  rm -rf "$work"
  [[ $final == "$kind" ]] || sfz_die "minimize: the result gives '$final', not $kind (kept for inspection: $out)"
  sfz_info "minimize: $(grep -c '^p[0-9]' "$out.txt") op(s), $(wc -c <"$out") bytes, still $kind: $out (text: $out.txt)"
}

# Byte-level pass by the engine; its result replaces CAND only when the kind is the same.
sfz_min_engine_pass() {
  local engine=$1 target=$2 secs=$3 cand=$4 work=$5 replay=$6 kind=$7 build bin got
  build=$(sfz_build_quiet "$(sfz_engine_preset "$engine")") || exit "$SFZ_EXIT_USAGE"
  bin=$(sfz_engine_binary "$engine" "$build" "$target")
  [[ -x $bin ]] || { sfz_info "minimize: $bin not built: engine pass skipped"; return 0; }
  sfz_info "minimize: $engine pass (up to ${secs} s)"
  if [[ $engine == libfuzzer ]]; then
    (cd "$work" && timeout $((secs + 30)) "$bin" -minimize_crash=1 -max_total_time="$secs" \
      -exact_artifact_path="$work/engine.min" "$cand") >"$work/engine.log" 2>&1 || true
  else
    AFL_SKIP_CPUFREQ=1 timeout $((secs + 30)) "${SFZ_AFL_WRAP[@]}" afl-tmin -t 10000 \
      -i "$cand" -o "$work/engine.min" -- "$bin" >"$work/engine.log" 2>&1 || true
  fi
  [[ -s $work/engine.min ]] || { sfz_info "minimize: the $engine pass produced nothing (log kept out)"; return 0; }
  got=$(sfz_min_kind "$replay" "$work/engine.min")
  if [[ $got == "$kind" ]]; then
    sfz_info "minimize: $engine pass: $(wc -c <"$cand") -> $(wc -c <"$work/engine.min") bytes"
    cp "$work/engine.min" "$cand"
  else
    sfz_info "minimize: $engine pass result gives '$got', not $kind: discarded"
  fi
}

# Op-level pass: ddmin over the "pN ..." lines of the text form. Leaves WORK/ops.txt.
sfz_min_op_pass() {
  local replay=$1 kind=$2 cand=$3 work=$4
  "$replay" --decode "$cand" >"$work/ops.txt" 2>/dev/null || sfz_die "minimize: cannot decode $cand"
  local -a head ops
  mapfile -t head < <(grep -v '^p[0-9]' "$work/ops.txt")
  mapfile -t ops < <(grep '^p[0-9]' "$work/ops.txt")
  local n=${#ops[@]} chunk=$(( (${#ops[@]} + 1) / 2 )) i tries=0
  sfz_info "minimize: op pass over $n op(s)"
  while [[ $chunk -ge 1 && ${#ops[@]} -gt 1 ]]; do
    local removed=0
    for ((i = 0; i < ${#ops[@]}; i += chunk)); do
      local -a trial=("${ops[@]:0:i}" "${ops[@]:i+chunk}")
      [[ ${#trial[@]} -ge 1 ]] || continue
      printf '%s\n' "${head[@]}" "${trial[@]}" >"$work/trial.txt"
      tries=$((tries + 1))
      if [[ $(sfz_min_kind "$replay" "$work/trial.txt") == "$kind" ]]; then
        ops=("${trial[@]}"); removed=1; i=$((i - chunk))
      fi
    done
    [[ $removed == 1 ]] || chunk=$((chunk / 2))
  done
  printf '%s\n' "${head[@]}" "${ops[@]}" >"$work/ops.txt"
  sfz_info "minimize: op pass: $n -> ${#ops[@]} op(s) in $tries replays"
}

# Fault pass: drop each fault line the finding does not need. Rewrites WORK/ops.txt.
sfz_min_fault_pass() {
  local replay=$1 kind=$2 work=$3 i n
  local -a lines trial
  mapfile -t lines <"$work/ops.txt"
  n=$(grep -c '^fault ' "$work/ops.txt")
  for ((i = ${#lines[@]} - 1; i >= 0; i--)); do
    [[ ${lines[i]} == "fault "* ]] || continue
    trial=("${lines[@]:0:i}" "${lines[@]:i+1}")
    printf '%s\n' "${trial[@]}" >"$work/trial.txt"
    [[ $(sfz_min_kind "$replay" "$work/trial.txt") == "$kind" ]] && lines=("${trial[@]}")
  done
  printf '%s\n' "${lines[@]}" >"$work/ops.txt"
  sfz_info "minimize: fault pass: $n -> $(grep -c '^fault ' "$work/ops.txt") fault line(s)"
}

# Process pass: renumber the workers that still run ops as p0, p1, ... and lower "procs"; a
# fault line of a worker that is gone goes too. Kept only if the finding stays.
sfz_min_proc_pass() {
  local replay=$1 kind=$2 work=$3 used n procs
  used=$(sed -nE 's/^p([0-9]+) .*/\1/p' "$work/ops.txt" | sort -un | tr '\n' ' ')
  n=$(wc -w <<<"$used")
  procs=$(sed -nE 's/^procs ([0-9]+).*/\1/p' "$work/ops.txt" | head -n 1)
  [[ -n $procs && $n -ge 1 && $n -lt $procs ]] || return 0
  awk -v used="$used" -v n="$n" '
    BEGIN { k = split(used, u, " "); for (i = 1; i <= k; i++) map["p" u[i]] = "p" (i - 1) }
    /^procs / { $2 = n; print; next }
    /^fault / { if ($2 == "all") { print; next } if (!($2 in map)) next; $2 = map[$2]; print; next }
    /^p[0-9]+ / { $1 = map[$1]; print; next }
    { print }' "$work/ops.txt" >"$work/trial.txt"
  if [[ $(sfz_min_kind "$replay" "$work/trial.txt") == "$kind" ]]; then
    cp "$work/trial.txt" "$work/ops.txt"
    sfz_info "minimize: process pass: $procs -> $n process(es)"
  else
    sfz_info "minimize: process pass: the finding needs all $procs processes"
  fi
}
