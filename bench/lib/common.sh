# common.sh - helpers every figure of bench/run uses (sourced, not run).
# shellcheck shell=bash
# Samples go to $BENCH_OUT/samples.tsv (figure, variant, unit, value: one line per repetition),
# facts about a figure or variant to $BENCH_OUT/meta.tsv (figure, variant, key, value);
# bench/report.py turns both into results.json, results.md and the plot.

bench_log() { printf 'bench: %s\n' "$*" >&2; }

# sample FIGURE VARIANT UNIT VALUE
sample() {
  printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$BENCH_OUT/samples.tsv"
  bench_log "$1 $2: $4 $3"
}

# meta FIGURE VARIANT KEY VALUE   (VARIANT '*': the whole figure)
meta() {
  printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "${4//$'\n'/ }" >>"$BENCH_OUT/meta.tsv"
}

# A figure-wide note, printed under its table.
note() {
  meta "$1" '*' note "$2"
  bench_log "$1: $2"
}

# ratio_to FIGURE VARIANT BASELINE: the report divides VARIANT's median by BASELINE's.
ratio_to() { meta "$1" "$2" baseline "$3"; }

now() { date +%s.%N; }

# elapsed START [END]: seconds between two now() readings.
elapsed() { awk -v a="$1" -v b="${2:-$(now)}" 'BEGIN { printf "%.6f", b - a }'; }

# div A B [FORMAT]: A / B as a decimal.
div() { awk -v a="$1" -v b="$2" -v f="${3:-%.1f}" 'BEGIN { if (b > 0) printf f, a / b; else print "nan" }'; }

# The build directory of a preset.
preset_dir() { printf '%s/%s\n' "$BENCH_BUILDS" "$1"; }

# ensure_preset NAME: configure (once) and build a preset as a user would (cmake --preset);
# returns 1, with the reason in the log, when this machine cannot build it.
declare -A BENCH_PRESET_OK=()
ensure_preset() {
  local name=$1 dir log
  [[ -n ${BENCH_PRESET_OK[$name]:-} ]] && return "${BENCH_PRESET_OK[$name]}"
  dir=$(preset_dir "$name")
  log=$BENCH_OUT/logs/build-$name.log
  # A build of another source tree (--builds of another checkout): used as it is, since
  # configuring it from this tree would fail (and would not be the build asked for).
  local home
  home=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$dir/CMakeCache.txt" 2>/dev/null)
  if [[ -n $home && $(readlink -f "$home") != "$(readlink -f "$BENCH_ROOT")" ]]; then
    bench_log "preset $name: $dir is a build of $home, used as it is"
    BENCH_PRESET_OK[$name]=0
    return 0
  fi
  bench_log "building preset $name in $dir (log: $log)"
  if (cd "$BENCH_ROOT" && cmake --preset "$name" -B "$dir" && cmake --build "$dir" -j 2) >"$log" 2>&1; then
    BENCH_PRESET_OK[$name]=0
  else
    bench_log "preset $name did not build: its figures are skipped (see $log)"
    BENCH_PRESET_OK[$name]=1
  fi
  return "${BENCH_PRESET_OK[$name]}"
}

# A scratch directory under the output, removed at exit.
scratch() { mktemp -d "$BENCH_OUT/tmp/XXXXXX"; }

# The AFL++ environment every afl-fuzz run here uses: no UI, no CPU binding (the machine is
# shared and binding fails when every core is taken), fixed seed given by the caller.
# BENCH_AFL_ENV: the same as env(1) arguments, for commands run under perf (no function there).
BENCH_AFL_ENV=(AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1)
afl_env() { env "${BENCH_AFL_ENV[@]}" "$@"; }

# json_field KEY: KEY of the one JSON object on stdin ("null" if absent); python3 is already
# needed for the report, so no jq.
json_field() {
  python3 -c 'import json, sys
try:
    v = json.loads(sys.stdin.read()).get(sys.argv[1])
except ValueError:
    v = None
print("null" if v is None else v)' "$1"
}

# afl_stat DIR KEY: one value of an AFL++ fuzzer_stats file.
afl_stat() { awk -v k="$2" '$1 == k { print $3 }' "$1/default/fuzzer_stats" 2>/dev/null; }
