#!/usr/bin/env bash
# findings-log.sh LIBFUZZER_BIN_DIR INPUT_TEXT: SHMFUZZ_FINDINGS_LOG. An engine driver appends
# each finding it judges to the file, one line naming the input by size and FNV-1a 64 of its
# bytes (what the engine saves), before it aborts; a correct input writes nothing; an empty or
# unwritable path is a configuration error (exit 2) before any input runs. INPUT_TEXT is a
# program that bug-world-writable judges a finding and shmipc-kv judges ok.
set -uo pipefail
bin=$1 text=$2
# shellcheck source=tests/lib/need.sh
. "$(dirname "$0")/../lib/need.sh"
need_namespaces
need_built "$bin/sfz-bug-world-writable-libfuzzer" "$bin/sfz-shmipc-kv-libfuzzer" \
  "$bin/sfz-shmipc-kv-replay"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

"$bin/sfz-shmipc-kv-replay" --encode -o "$work/in.bin" "$text" || exit 1
want_hash=$(python3 -c '
import sys
h = 0xcbf29ce484222325
for b in open(sys.argv[1], "rb").read():
    h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
print("%016x" % h)' "$work/in.bin")
size=$(stat -c %s "$work/in.bin")

# run DRIVER LOG: the driver on the input, libFuzzer's -runs mode (its exit status)
run() {
  SHMFUZZ_FINDINGS_LOG=$2 unshare -im "$bin/$1" -runs=1 "$work/in.bin" >"$work/out" 2>&1
}

run sfz-bug-world-writable-libfuzzer "$work/f.log" && bad "the bug target judged no finding"
want="shmfuzz-finding input=$want_hash size=$size data: "
got=$(cat "$work/f.log" 2>/dev/null)
[[ $(grep -c . "$work/f.log" 2>/dev/null) -eq 1 && $got == "$want"*"mode 666"* ]] ||
  bad "the log holds '${got:0:200}', want one line starting '$want' naming the mode"
stat -c %a "$work/f.log" | grep -qx 600 || bad "the log is not created 0600"
grep -q "is not a harness variable" "$work/out" && bad "the driver does not know the variable: $(grep -m1 'not a harness' "$work/out")"

run sfz-shmipc-kv-libfuzzer "$work/ok.log" || bad "the hardened target judged a finding"
[[ -f $work/ok.log && ! -s $work/ok.log ]] || bad "a correct input wrote to the log (or it was not created at start-up)"

for v in "" "$work/no/such/dir/f.log"; do
  run sfz-shmipc-kv-libfuzzer "$v"
  rc=$?
  if [[ $rc -ne 2 ]] || ! grep -q "SHMFUZZ_FINDINGS_LOG" "$work/out"; then
    bad "SHMFUZZ_FINDINGS_LOG='$v': exit $rc, want 2 and a message naming it: $(head -c 300 "$work/out")"
  fi
done
[[ $fail -eq 0 ]] && echo "ok: findings log"
exit $fail
