# summary: replay one saved input exactly: program, trace, verdict (exit 1: still a finding)
# shellcheck shell=bash
# The replay driver does the work (decode, run with the input's fault plan and schedule, judge);
# this finds the target and the build, and adds Valgrind, gdb and the libshmfault trace.

# shellcheck source=scripts/lib/engines.sh
. "$SHMFUZZ_SCRIPTS/lib/engines.sh"

sfz_repro_usage() {
  cat <<'USAGE'
usage: shmfuzz repro FILE [--target T] [--preset P] [--valgrind | --gdb] [--trace]

  Replays FILE (binary input saved by an engine, or the text form) on sfz-T-replay and prints
  the decoded program, each op's result and the verdict.

  --target T   the fuzz target; default: the file's "# target:" header, or the campaign.txt
               of the shmfuzz fuzz out dir the file lies in
  --preset P   the build to replay with; default: the preset of the campaign.txt of the fuzz
               out dir the file lies in (a sanitizer finding of the libfuzzer build replays
               ok on another build), else dev (gcc, debug, what Valgrind and gdb read)
  --valgrind   run the replay under Valgrind memcheck (heap leaks, invalid accesses)
  --gdb        run it under gdb (interactive on a terminal, a backtrace in batch otherwise)
  --trace      also print libshmfault's trace of every intercepted call

exit status: 1 the finding reproduces (or Valgrind reports errors), 0 the input replays ok,
             2 usage error, unreadable input or failed build
USAGE
}

sfz_cmd_repro() {
  local file="" target="" preset="" tool="" trace=0
  while [[ $# -gt 0 ]]; do
    case $1 in
      -h|--help) sfz_repro_usage; return 0 ;;
      --target) sfz_need_arg repro "$1" $#; target=$2; shift ;;
      --preset) sfz_need_arg repro "$1" $#; preset=$2; shift ;;
      --valgrind) tool=valgrind ;;
      --gdb) tool=gdb ;;
      --trace) trace=1 ;;
      -*) sfz_bad_option repro "$1" ;;
      *) [[ -z $file ]] || sfz_die_usage "repro: one FILE at a time (got '$file' and '$1')"; file=$1 ;;
    esac
    shift
  done
  [[ -n $file ]] || sfz_die_usage "repro: which FILE? (shmfuzz repro --help)"
  [[ -f $file && -r $file ]] || sfz_die_usage "repro: $file: no such readable file"
  [[ -n $target ]] || target=$(sfz_target_of_file "$file")
  [[ -n $target ]] || sfz_die_usage "repro: cannot tell the target of $file: give --target T"
  sfz_need_target "$target"
  [[ $tool == "" ]] || sfz_need_tool "$tool"
  preset=$(sfz_replay_preset repro "$file" "$preset")

  local dir replay
  dir=$(sfz_build_quiet "$preset") || exit "$SFZ_EXIT_USAGE"
  replay=$dir/bin/sfz-$target-replay
  [[ -x $replay ]] || sfz_die "$replay is not built (preset $preset)"
  sfz_repro_run "$replay" "$file" "$tool" "$trace"
}

# sfz_repro_run REPLAY FILE TOOL TRACE: the replay itself; the exit status of repro.
sfz_repro_run() {
  local replay=$1 file=$2 tool=$3 trace=$4 work out status kind
  work=$(mktemp -d "${TMPDIR:-/tmp}/shmfuzz-repro.XXXXXX")
  local args=()
  [[ $trace == 1 ]] && args+=(--trace "$work/trace.jsonl")
  local -a cmd=(sfz_isolated "$replay" "${args[@]}" "$file")
  case $tool in
    valgrind)
      cmd=(sfz_isolated valgrind "${SFZ_VALGRIND_OPTS[@]}" --errors-for-leak-kinds=definite
           --error-exitcode=99 "$replay" "${args[@]}" "$file") ;;
    gdb)
      if sfz_tty; then
        gdb -q -ex 'set follow-fork-mode child' -ex run --args "$replay" "${args[@]}" "$file"
        rm -rf "$work"; return 0
      fi
      cmd=(gdb -q -batch -ex 'set follow-fork-mode child' -ex run -ex bt --args
           "$replay" "${args[@]}" "$file") ;;
  esac
  # Shown as it runs, kept for the verdict; the status goes through a file (a pipeline's
  # failure would end the script under set -e).
  { local s=0; "${cmd[@]}" || s=$?; echo "$s" >"$work/status"; } 2>&1 | tee "$work/out"
  status=$(cat "$work/status")
  out=$(cat "$work/out")
  if [[ $trace == 1 ]]; then
    echo "== trace (libshmfault: one line per intercepted call)"
    if [[ -s $work/trace.jsonl ]]; then cat "$work/trace.jsonl"
    else echo "(empty: libshmfault is not linked into this build, or no call was intercepted)"; fi
  fi
  rm -rf "$work"
  kind=$(sfz_kind_from_output "$out")
  # Workers are forked: a leak or error there shows in their own Valgrind report, not in the
  # replay's exit status.
  if [[ $tool == valgrind && $kind == ok ]] &&
     grep -qE 'definitely lost: [1-9]|ERROR SUMMARY: [1-9]' <<<"$out"; then
    kind=valgrind
  fi
  local expected
  expected=$(head -c 4096 "$file" | tr -d '\0' | sed -n 's/^# finding: *\([a-z-]*\).*/\1/p' | head -n 1)
  case $kind in
    ok) sfz_info "repro: $file replays ok: the finding does not reproduce${expected:+ (its header expects $expected)}"
        return "$SFZ_EXIT_OK" ;;
    error) sfz_info "repro: $file could not be replayed (exit $status)"; return "$SFZ_EXIT_USAGE" ;;
    valgrind) sfz_info "repro: Valgrind reports errors in $file (see above)"; return "$SFZ_EXIT_FINDING" ;;
    *) sfz_info "repro: $file reproduces FINDING $kind${expected:+ (header expects $expected)}"
       return "$SFZ_EXIT_FINDING" ;;
  esac
}
