#!/usr/bin/env bash
# afl-relay-sched.sh AFL_BIN_DIR REPLAY SEED_DIR: under a real afl-fuzz, the AFL++ driver's fork
# server (afl-fuzz's child, which only relays between afl-fuzz and the fuzzed process) runs as
# SCHED_BATCH, and what the fuzzed process starts after it took the normal policy back (its
# zygote, the parent of every worker) runs as SCHED_OTHER (harness/drivers/driver_afl.c). afl-fuzz
# runs without a time limit until the processes have been looked at, then is stopped: the look
# waits (bounded) for the zygote to exist, not for time to pass. Exit 77 when afl-fuzz, chrt or
# the afl preset build is missing.
set -uo pipefail
target=$1/sfz-raw-afl replay=$2 seeds=$3
# shellcheck source=tests/lib/need.sh
. "$(dirname "$0")/../lib/need.sh"
need_tool afl-fuzz chrt pgrep
need_built "$target"
work=$(mktemp -d)
afl=
stop() {
  if [[ -n $afl ]]; then
    kill -INT "$afl" 2>/dev/null
    wait "$afl" 2>/dev/null
  fi
  rm -rf "$work"
}
trap stop EXIT
mkdir "$work/in"
for s in "$seeds"/*.txt; do
  "$replay" --encode -o "$work/in/$(basename "$s" .txt).bin" "$s" || exit 1
done
# The driver switches only from the normal policy: start from it whatever the caller runs under.
chrt -o 0 env AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 afl-fuzz -i "$work/in" -o "$work/out" -- "$target" \
  >"$work/log" 2>&1 &
afl=$!

policy() { chrt -p "$1" 2>/dev/null | sed -n 's/.*scheduling policy: //p'; }

# afl-fuzz's child is the fork server; its child the fuzzed process; that one's child the zygote.
fs='' zygote=''
for ((i = 0; i < 600; i++)); do
  kill -0 "$afl" 2>/dev/null || break
  fs=$(pgrep -P "$afl" | head -n 1)
  if [[ -n $fs ]]; then
    for child in $(pgrep -P "$fs"); do
      zygote=$(pgrep -P "$child" | head -n 1)
      [[ -n $zygote ]] && break
    done
  fi
  [[ -n $zygote ]] && break
  sleep 0.1
done
if [[ -z $zygote ]]; then
  tail -n 20 "$work/log"
  echo "FAIL: no fork server, fuzzed process and zygote under afl-fuzz within 60 s"
  exit 1
fi
fail=0
got=$(policy "$fs")
echo "fork server $fs: $got"
[[ $got == SCHED_BATCH ]] || { echo "FAIL: the fork server runs as ${got:-?}, not SCHED_BATCH"; fail=1; }
got=$(policy "$zygote")
echo "zygote $zygote: $got"
[[ $got == SCHED_OTHER ]] || { echo "FAIL: the fuzzed process's zygote runs as ${got:-?}, not SCHED_OTHER"; fail=1; }
[[ $fail -eq 0 ]] && echo "ok: the fork server relays as SCHED_BATCH, the fuzzed side runs as SCHED_OTHER"
exit $fail
