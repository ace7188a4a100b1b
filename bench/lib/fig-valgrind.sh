# fig-valgrind.sh - figure 5: inputs per minute through the release replay driver under
# Valgrind memcheck, many inputs in one process vs one process per input, next to the same
# inputs replayed natively. Valgrind's start-up (~0.5 s) is what one-per-process pays each time.
# shellcheck shell=bash

# The inputs: the kv seeds (one single-process, one multi-process program), alternating.
vg_inputs() {
  local dir count=$1 i
  dir=$(preset_dir release)/corpus/shmipc-kv
  for ((i = 0; i < count; i++)); do
    if ((i % 2)); then printf '%s\n' "$dir/writer-reader"; else printf '%s\n' "$dir/lifecycle"; fi
  done
}

vg_memcheck() {
  valgrind --tool=memcheck -q "$@"
}

# vg_rate MODE COUNT: inputs per minute. MODE: native, many (one process), one (a process each).
vg_rate() {
  local mode=$1 count=$2 replay start input inputs=()
  replay=$(preset_dir release)/bin/sfz-shmipc-kv-replay
  mapfile -t inputs < <(vg_inputs "$count")
  start=$(now)
  case $mode in
    native) "$replay" --quiet "${inputs[@]}" >/dev/null || return 1 ;;
    many) vg_memcheck "$replay" --quiet "${inputs[@]}" >/dev/null 2>"$BENCH_OUT/logs/valgrind-many.log" || return 1 ;;
    one)
      for input in "${inputs[@]}"; do
        vg_memcheck "$replay" --quiet "$input" >/dev/null 2>>"$BENCH_OUT/logs/valgrind-one.log" || return 1
      done ;;
  esac
  div "$((count * 60))" "$(elapsed "$start")"
}

fig_valgrind() {
  local reps=3 many=200 one=8 native=2000 rep value mode count
  if ((BENCH_QUICK)); then reps=1 many=20 one=2 native=200; fi
  command -v valgrind >/dev/null || { note valgrind "valgrind is not installed: figure skipped"; return 0; }
  ensure_preset release || { note valgrind "release preset not built: figure skipped"; return 0; }
  ratio_to valgrind memcheck-many-per-process replay-native
  ratio_to valgrind memcheck-one-per-process memcheck-many-per-process
  for ((rep = 1; rep <= reps; rep++)); do
    for mode in native many one; do
      case $mode in native) count=$native ;; many) count=$many ;; one) count=$one ;; esac
      local variant=memcheck-$mode-per-process
      [[ $mode == native ]] && variant="replay-native"
      if value=$(vg_rate "$mode" "$count"); then
        sample valgrind "$variant" inputs/min "$value"
      else
        meta valgrind "$variant" failed "the replay under memcheck failed (logs/valgrind-$mode.log)"
      fi
    done
  done
  local errors
  errors=$(grep -c 'Syscall param\|Invalid \|uninitialised' "$BENCH_OUT"/logs/valgrind-*.log 2>/dev/null | awk -F: '{ n += $NF } END { print n + 0 }')
  ((errors == 0)) || note valgrind "memcheck reported $errors error lines in the harness or target (not judged here; see logs/valgrind-*.log)"
  note valgrind "inputs: the shmipc-kv seeds lifecycle (1 process) and writer-reader (2 processes) alternating, through the release preset's sfz-shmipc-kv-replay --quiet; memcheck with default options (forked workers stay under Valgrind)"
}
