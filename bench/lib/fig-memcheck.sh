# fig-memcheck.sh - figure 6: `shmfuzz enumerate --valgrind` (issue #15). Cells per second of
# the same matrix natively and under memcheck, both through the fork server (one Valgrind start,
# then a fork per cell), next to the naive way (a memcheck start per cell) and the start alone.
# The black box and the matrix: fig-enumeration's bench-ceiling-kv lifecycle, the first errno
# of each of its first POINTS fault points.
# shellcheck shell=bash

mc_prog() { printf '%s\n' "$(preset_dir release)/bin/bench-ceiling-kv" lifecycle 1e-9; }

# mc_enum POINTS [--valgrind] -> cells per second of shmfault-enum (fork server).
mc_enum() {
  local points=$1 bin runs start cells prog=()
  shift
  bin=$(preset_dir release)
  runs=$BENCH_OUT/tmp/memcheck-runs
  mapfile -t prog < <(mc_prog)
  rm -rf "$runs"
  start=$(now)
  "$bin/bin/shmfault-enum" --lib "$bin/lib/libshmfault.so" --runs "$runs" --errnos first \
    --max-points "$points" "$@" -- "${prog[@]}" >/dev/null 2>>"$BENCH_OUT/logs/memcheck.log"
  (($? <= 1)) || return 1
  cells=$(($(wc -l <"$runs/cells.tsv") - 2))
  div "$cells" "$(elapsed "$start")" '%.2f'
}

# mc_naive CELLS -> cells per second, a memcheck start per cell (shmat@1 failed each time).
mc_naive() {
  local cells=$1 bin i start prog=()
  bin=$(preset_dir release)
  mapfile -t prog < <(mc_prog)
  start=$(now)
  for ((i = 0; i < cells; i++)); do
    LD_PRELOAD=$bin/lib/libshmfault.so SHMFAULT_RULES="shmat@$((i + 1))=ENOMEM" \
      unshare -im valgrind -q --leak-check=full "${prog[@]}" >/dev/null 2>>"$BENCH_OUT/logs/memcheck.log" || true
  done
  div "$cells" "$(elapsed "$start")" '%.2f'
}

# mc_start -> seconds of one memcheck start and exit of the program without faults.
mc_start() {
  local start prog=()
  mapfile -t prog < <(mc_prog)
  start=$(now)
  unshare -im valgrind -q --leak-check=full "${prog[@]}" >/dev/null 2>>"$BENCH_OUT/logs/memcheck.log" || return 1
  elapsed "$start"
}

fig_memcheck() {
  local reps=3 points=16 naive=6 rep value
  if ((BENCH_QUICK)); then reps=1 points=4 naive=2; fi
  command -v valgrind >/dev/null || { note memcheck "valgrind is not installed: figure skipped"; return 0; }
  unshare -ipmf --mount-proc true 2>/dev/null || { note memcheck "needs namespaces (root): figure skipped"; return 0; }
  ensure_preset release || { note memcheck "release preset not built: figure skipped"; return 0; }
  ratio_to memcheck enumerate-valgrind enumerate-native
  ratio_to memcheck valgrind-start-per-cell enumerate-valgrind
  for ((rep = 1; rep <= reps; rep++)); do
    if value=$(mc_enum "$points"); then sample memcheck enumerate-native cells/s "$value"; fi
    if value=$(mc_enum "$points" --valgrind); then sample memcheck enumerate-valgrind cells/s "$value"
    else meta memcheck enumerate-valgrind failed "shmfault-enum --valgrind failed (logs/memcheck.log)"; fi
    if value=$(mc_naive "$naive"); then sample memcheck valgrind-start-per-cell cells/s "$value"; fi
    if value=$(mc_start); then sample memcheck valgrind-start-alone s "$value"; fi
  done
  note memcheck "matrix: bench-ceiling-kv lifecycle, first errno of each of its first $points fault points (plus the clean run); enumerate-*: shmfault-enum through the fork server (the valgrind variant starts memcheck once, each cell is a fork of the instrumented process, leak check at each cell's exit); valgrind-start-per-cell: valgrind -q --leak-check=full of the program once per cell, as composed by hand"
}
