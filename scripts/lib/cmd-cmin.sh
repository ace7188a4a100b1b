# summary: shrink a corpus to the inputs that keep its coverage (afl-cmin or libFuzzer -merge=1)
# shellcheck shell=bash
# The engine decides what coverage is; shmfuzz gives it the right binary and keeps the input
# directory untouched (the result is a new directory).

# shellcheck source=scripts/lib/engines.sh
. "$SHMFUZZ_SCRIPTS/lib/engines.sh"

sfz_cmin_usage() {
  cat <<'USAGE'
usage: shmfuzz cmin TARGET DIR [--engine libfuzzer|afl] [--out OUT]

  Keeps the inputs of DIR that together reach all the coverage DIR reaches on TARGET, and
  writes them to OUT (default DIR.cmin). DIR itself is not changed. libFuzzer uses -merge=1,
  AFL++ afl-cmin on the persistent driver.

  --engine E   libfuzzer (default) or afl
  --out OUT    the new corpus directory (must not exist or be empty)

exit status: 0 done, 2 usage or set-up error
USAGE
}

sfz_cmd_cmin() {
  local target="" dir="" engine=libfuzzer out=""
  while [[ $# -gt 0 ]]; do
    case $1 in
      -h|--help) sfz_cmin_usage; return 0 ;;
      --engine) sfz_need_arg cmin "$1" $#; engine=$2; shift ;;
      --out) sfz_need_arg cmin "$1" $#; out=$2; shift ;;
      -*) sfz_bad_option cmin "$1" ;;
      *) if [[ -z $target ]]; then target=$1
         elif [[ -z $dir ]]; then dir=$1
         else sfz_die_usage "cmin: unexpected argument '$1'"; fi ;;
    esac
    shift
  done
  [[ -n $target && -n $dir ]] || sfz_die_usage "cmin: needs TARGET and DIR (shmfuzz cmin --help)"
  sfz_engine_preset "$engine" >/dev/null || sfz_die_usage "cmin: --engine is libfuzzer or afl, not '$engine'"
  sfz_need_target "$target"
  [[ -d $dir ]] || sfz_die_usage "cmin: $dir: no such directory"
  dir=$(cd "$dir" && pwd)
  out=${out:-$dir.cmin}
  [[ ! -e $out || -z $(ls -A "$out" 2>/dev/null) ]] || sfz_die_usage "cmin: $out exists and is not empty"
  [[ $engine == afl ]] && sfz_need_tool afl-cmin
  local build bin before after
  build=$(sfz_build_quiet "$(sfz_engine_preset "$engine")") || exit "$SFZ_EXIT_USAGE"
  bin=$(sfz_engine_binary "$engine" "$build" "$target")
  [[ -x $bin ]] || sfz_die "$bin is not built"
  before=$(find "$dir" -maxdepth 1 -type f | wc -l)
  sfz_info "cmin: $before input(s) of $dir on $target with $engine"
  if [[ $engine == libfuzzer ]]; then
    mkdir -p "$out"
    out=$(cd "$out" && pwd)
    local work
    work=$(mktemp -d "${TMPDIR:-/tmp}/shmfuzz-cmin.XXXXXX")
    (cd "$work" && "$bin" -merge=1 -timeout=10 "$out" "$dir") >"$work/log" 2>&1 ||
      { tail -n 20 "$work/log" >&2; rm -rf "$work"; sfz_die "cmin: libFuzzer -merge=1 failed"; }
    rm -rf "$work"
  else
    rmdir "$out" 2>/dev/null || true
    mkdir -p "$(dirname "$out")"
    out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
    # afl-cmin refuses paths under /tmp (its own temp files could be raced there); ours are
    # private mktemp directories or the user's choice, so it may.
    local work
    work=$(mktemp -d "${TMPDIR:-/tmp}/shmfuzz-cmin.XXXXXX")
    (cd "$work" && AFL_ALLOW_TMP=1 AFL_SKIP_CPUFREQ=1 "${SFZ_AFL_WRAP[@]}" afl-cmin -t 10000 -i "$dir" -o "$out" -- "$bin") \
      >"$work/log" 2>&1 || { tail -n 20 "$work/log" >&2; rm -rf "$work"; sfz_die "cmin: afl-cmin failed"; }
    rm -rf "$work"
  fi
  after=$(find "$out" -maxdepth 1 -type f | wc -l)
  sfz_info "cmin: kept $after of $before input(s): $out"
}
