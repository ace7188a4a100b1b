# memcheck.sh: heap leaks and memory errors in `shmfuzz run` and `shmfuzz enumerate` (issue
# #15; docs/cli.md "Heap leaks and memory errors"). The options (--valgrind, --valgrind-supp,
# --valgrind-reachable) go to shmfault-enum or shmfault-memcheck (tools/memcheck.c), which start
# the program under memcheck and judge what it reports; sanitizer reports need no option.
# shellcheck shell=bash

# shellcheck disable=SC2034 # SFZ_MC_SHIFT and SFZ_MC_REPRO are read by cmd-run.sh
SFZ_MC_OPTS=()  # the memcheck options given, as the tools take them
SFZ_MC_REPRO="" # the user's memcheck options, quoted, for reproducer commands
SFZ_MC_SHIFT=0

# sfz_mc_option CMD ARGS...: takes one memcheck option off ARGS; SFZ_MC_SHIFT says how many
# words it used.
sfz_mc_option() {
  local cmd=$1
  shift
  SFZ_MC_SHIFT=1
  case $1 in
    --valgrind | --valgrind-reachable) SFZ_MC_OPTS+=("$1") ;;
    --valgrind-supp)
      [[ $# -ge 2 ]] || sfz_die_usage "$cmd: $1 needs a value (shmfuzz $cmd --help)"
      [[ -f $2 && -r $2 ]] || sfz_die_usage "$cmd: cannot read --valgrind-supp '$2'"
      SFZ_MC_OPTS+=("$1" "$(readlink -f "$2")")
      SFZ_MC_SHIFT=2 ;;
  esac
}

sfz_mc_valgrind() { [[ " ${SFZ_MC_OPTS[*]} " == *" --valgrind "* ]]; }

# sfz_mc_prepare CMD [TARGET]: checks the options, adds the project's suppressions, and lets a program
# built with AddressSanitizer start behind LD_PRELOAD=libshmfault.so: ASan refuses to run when
# its runtime is not first in the library list, and libshmfault only passes calls on to the
# next definition (RTLD_NEXT), so ASan's interceptors still see every call.
sfz_mc_prepare() {
  local cmd=$1 target=${2:-}
  if [[ -n $target ]] && ((${#SFZ_MC_OPTS[@]})); then
    sfz_die_usage "$cmd: --valgrind is for programs; a harness input: shmfuzz repro FILE --valgrind"
  fi
  if ((${#SFZ_MC_OPTS[@]})) && ! sfz_mc_valgrind; then
    sfz_die_usage "$cmd: --valgrind-supp and --valgrind-reachable go with --valgrind"
  fi
  [[ ${ASAN_OPTIONS:-} == *verify_asan_link_order* ]] ||
    export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
  # A sanitizer's report is judged from the report; the exit status stays the program's own
  # (LeakSanitizer would turn a clean exit 0 into 1 or 23 and hide a swallowed error).
  local v
  for v in ASAN_OPTIONS LSAN_OPTIONS; do
    [[ ${!v:-} == *exitcode* ]] || export "$v=${!v:+${!v}:}exitcode=0"
  done
  sfz_mc_valgrind || return 0
  command -v valgrind >/dev/null 2>&1 || sfz_die "$cmd: --valgrind: valgrind is not installed"
  SFZ_MC_REPRO=$(printf ' %q' "${SFZ_MC_OPTS[@]}")
  SFZ_MC_OPTS+=(--valgrind-supp "$SHMFUZZ_ROOT/ci/valgrind.supp")
}

# ---- `shmfuzz run` ------------------------------------------------------------------------------
# sfz_mc_run_command TOOL PROGRAM ARGS...: SFZ_MC_CMD is the command to run (memcheck in front
# with --valgrind) and SFZ_MC_DIR the directory that receives its reports. Sanitizer reports go
# to files there too (log_path), so the program's stderr stays its own (a terminal stays one).
sfz_mc_run_command() {
  local tool=$1 v
  shift
  SFZ_MC_DIR=$(mktemp -d "${TMPDIR:-/tmp}/shmfuzz-memcheck.XXXXXX") || sfz_die "run: mktemp failed"
  for v in ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS; do
    [[ ${!v:-} == *log_path* ]] || export "$v=${!v:+${!v}:}log_path=$SFZ_MC_DIR/sanitizer"
  done
  SFZ_MC_CMD=("$@")
  sfz_mc_valgrind || return 0
  [[ -x $tool ]] || sfz_die "run: $tool is not built"
  mapfile -d '' -t SFZ_MC_CMD < <("$tool" command "${SFZ_MC_OPTS[@]}" --logdir "$SFZ_MC_DIR/valgrind" -- "$@")
  [[ ${#SFZ_MC_CMD[@]} -gt 0 ]] || sfz_die "run: cannot start $1 under Valgrind"
}

# sfz_mc_run_verdict TOOL STATUS: judges the run; the status stands, or 1 (a finding) when
# memcheck or a sanitizer reported something. Prints the reports; keeps them when they matter.
sfz_mc_run_verdict() {
  local tool=$1 rc=$2 verdict
  cat "$SFZ_MC_DIR"/sanitizer.* >"$SFZ_MC_DIR/stderr" 2>/dev/null || true
  verdict=$("$tool" judge "$SFZ_MC_DIR" 2>/dev/null) || true
  if [[ -z $verdict || $verdict == ok$'\t'* ]]; then
    rm -rf "$SFZ_MC_DIR"
    return "$rc"
  fi
  cat "$SFZ_MC_DIR"/sanitizer.* >&2 2>/dev/null || true
  sfz_info "run: FINDING ${verdict%%$'\t'*}: ${verdict#*$'\t'}"
  sfz_info "run: every report: $SFZ_MC_DIR/memcheck.txt"
  return "$SFZ_EXIT_FINDING"
}
