# fig-fault-cost.sh - figure 1: what libshmfault adds to each call. bench-fault-cost (bench/
# fault_cost.c, written with libshmfault) prints one JSON line per call it times
# {"figure","variant","median_ns","min_ns","max_ns"}; it is run five ways, interleaved:
#   direct            no preload: the libc call itself
#   preload-no-rule   LD_PRELOAD=libshmfault.so, no rule
#   armed-not-firing  one rule on the measured calls that never fires (call number 10^9)
#   rules-32          32 such rules over the shm and semaphore functions
#   libfiu            fiu-run -x (libfiu's POSIX preload, nothing enabled): mmap only, the one
#                     call both wrap
# Each way's median is compared with direct's from the same repetition (ns added, paired).
# shellcheck shell=bash

FC_NEVER=1000000000
FC_WAYS=(direct preload-no-rule armed-not-firing rules-32 libfiu)

fc_rules_32() {
  local f i rules=""
  for f in shmget shmat shmdt shmctl semget semop semctl shm_open; do
    for ((i = 0; i < 4; i++)); do
      case $f in
        shmget|shmat|semget|semop) rules+="$f@$((FC_NEVER + i))=ENOMEM;" ;;
        shm_open) rules+="$f@$((FC_NEVER + i))=EMFILE;" ;;
        *) rules+="$f@$((FC_NEVER + i))=EINVAL;" ;;
      esac
    done
  done
  printf '%s\n' "${rules%;}"
}

# fc_run WAY ROUNDS: the program's JSON lines for one way.
fc_run() {
  local way=$1 rounds=$2 dir bin lib
  dir=$(preset_dir release)
  bin=$dir/bin/bench-fault-cost
  lib=$dir/lib/libshmfault.so
  case $way in
    direct) "$bin" --variant "$way" --rounds "$rounds" --mmap ;;
    preload-no-rule) env -u SHMFAULT_RULES LD_PRELOAD="$lib" "$bin" --variant "$way" --rounds "$rounds" --mmap ;;
    armed-not-firing)
      LD_PRELOAD=$lib SHMFAULT_RULES="shmctl@$FC_NEVER=EINVAL;semop@$FC_NEVER=EINTR;shmget@$FC_NEVER=ENOMEM;shmat@$FC_NEVER=ENOMEM;shmdt@$FC_NEVER=EINVAL" \
        "$bin" --variant "$way" --rounds "$rounds" --mmap ;;
    rules-32) LD_PRELOAD=$lib SHMFAULT_RULES=$(fc_rules_32) "$bin" --variant "$way" --rounds "$rounds" --mmap ;;
    libfiu) fiu-run -x "$bin" --variant "$way" --rounds "$rounds" --mmap ;;
  esac
}

fig_fault_cost() {
  local reps=3 rounds=31 rep way line fig med direct_file
  if ((BENCH_QUICK)); then reps=1 rounds=7; fi
  ensure_preset release || { note fault-cost "release preset not built: figure skipped"; return 0; }
  if [[ ! -x $(preset_dir release)/bin/bench-fault-cost ]]; then
    note fault-cost "not built: bench-fault-cost (bench/fault_cost.c, from the libshmfault side) is not in the release preset yet"
    return 0
  fi
  if [[ ! -f $(preset_dir release)/lib/libshmfault.so ]]; then
    note fault-cost "not built: libshmfault.so is missing from the release preset"
    return 0
  fi
  local ways=("${FC_WAYS[@]}")
  command -v fiu-run >/dev/null || { ways=("${ways[@]:0:4}"); note fault-cost "fiu-run missing (fiu-utils): no libfiu row"; }
  direct_file=$BENCH_OUT/tmp/fc-direct
  # One discarded run first: the first process after a pause runs on cold caches.
  fc_run direct 3 >/dev/null 2>&1 || true
  local order=() k
  for ((rep = 1; rep <= reps; rep++)); do
    : >"$direct_file"
    # direct first (the others are paired with it), then the other ways rotated by repetition
    # so none always runs right after it.
    order=(direct)
    for ((k = 0; k < ${#ways[@]} - 1; k++)); do
      order+=("${ways[1 + (k + rep) % (${#ways[@]} - 1)]}")
    done
    for way in "${order[@]}"; do
      if ! fc_run "$way" "$rounds" >"$BENCH_OUT/tmp/fc-$way" 2>>"$BENCH_OUT/logs/fault-cost.log"; then
        meta fault-cost "$way" failed "bench-fault-cost failed under $way (logs/fault-cost.log)"
        continue
      fi
      while read -r line; do
        fig=$(json_field figure <<<"$line") med=$(json_field median_ns <<<"$line") || continue
        [[ $fig == null || $med == null ]] && continue
        # libfiu wraps none of the shm calls: only the call both wrap is comparable.
        [[ $way == libfiu && $fig != mmap* ]] && continue
        sample fault-cost "$fig/$way" ns "$med"
        if [[ $way == direct ]]; then
          printf '%s\t%s\n' "$fig" "$med" >>"$direct_file"
        else
          ratio_to fault-cost "$fig/$way" "$fig/direct"
          local base
          base=$(awk -F'\t' -v f="$fig" '$1 == f { print $2 }' "$direct_file")
          [[ -n $base ]] && sample fault-cost "$fig/$way-added" "ns added" \
            "$(awk -v a="$med" -v b="$base" 'BEGIN { printf "%.2f", a - b }')"
        fi
      done <"$BENCH_OUT/tmp/fc-$way"
    done
  done
  note fault-cost "calls: shmctl_stat (IPC_STAT), semop (uncontended +1/-1), shm_cycle (shmget+shmat+shmdt+IPC_RMID, 4 KiB), sem_post_trywait (an unnamed POSIX semaphore, no syscall: the wrapper alone), mmap_munmap (one anonymous page); each row: median over $reps interleaved runs of bench-fault-cost --rounds $rounds --mmap (each run prints its median over rounds of timed batches); *-added rows: that way minus direct in the same repetition (issue #7 targets here: pass-through <= 10 ns, armed-not-firing <= 20 ns, 32 rules <= 40 ns, never more than libfiu)"
}
