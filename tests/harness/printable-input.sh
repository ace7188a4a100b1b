#!/usr/bin/env bash
# printable-input.sh REPLAY [ENGINE_BINARY]: an input the engines ran replays exactly, even
# when every byte is printable and it starts like a text program (issue 11: a 16-byte
# printable input that crashed under libFuzzer was refused by repro, "is not a process",
# because replay guessed "text"). REPLAY is bug-world-writable's replay driver; the input
# decodes (binary) to a create, which that build judges `data`. Text needs an explicit
# marker: a .txt name, a first line "# shmfuzz program", or --text. With ENGINE_BINARY (the
# libFuzzer driver of the same target) the engine's own verdict on the file must match.
set -uo pipefail
replay=$1 engine=${2:-}
# shellcheck source=tests/lib/need.sh
. "$(dirname "$0")/../lib/need.sh"
need_namespaces
[[ -x $replay ]] || { echo "skipped: $replay is not built"; exit 77; }
[[ -z $engine || -x $engine ]] || { echo "skipped: $engine is not built"; exit 77; }
[[ -n $engine ]] && engine=$(cd "$(dirname "$engine")" && pwd)/$(basename "$engine")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
input=$work/crash-5a1d
printf 'p0 A=2O76UMFxFkM' >"$input" # 16 printable bytes, as libFuzzer saved one
want="verdict: FINDING data:"

# check WHAT WANT_EXIT WANT_VERDICT ARGS...: one replay's exit status and verdict line.
check() {
  local what=$1 want_rc=$2 want_verdict=$3 out rc
  shift 3
  out=$(unshare -im "$replay" --quiet "$@" 2>&1); rc=$?
  if [[ $rc -ne $want_rc || $(grep -m1 '^verdict:' <<<"$out") != "$want_verdict"* ]]; then
    echo "FAIL: $what: exit $rc (want $want_rc), verdict '$(grep -m1 '^verdict:' <<<"$out")' (want '$want_verdict'): $out"
    fail=1
  else
    echo "ok: $what"
  fi
}

check "a printable engine input replays as binary" 1 "$want" "$input"
check "--binary says the same" 1 "$want" --binary "$input"
check "--text reads it as text: not a program" 2 "" --text "$input"
cp "$input" "$work/named.txt"
check "a .txt name is explicit text" 2 "" "$work/named.txt"
check "--binary overrides the name" 1 "$want" --binary "$work/named.txt"
{ echo "# shmfuzz program"; "$replay" --decode "$input" | grep -v '^#'; } >"$work/marked"
check "the marker line makes a file text" 1 "$want" "$work/marked"
"$replay" --decode "$input" >"$work/decoded.txt"
check "its text form (.txt) gives the same verdict" 1 "$want" "$work/decoded.txt"

if [[ -n $engine ]]; then
  out=$(cd "$work" && unshare -im "$engine" "$input" 2>&1)
  if grep -q "shmfuzz: FINDING data:" <<<"$out"; then
    echo "ok: the engine's driver gives the same finding"
  else
    echo "FAIL: the engine's driver on $input: $(tail -n 5 <<<"$out")"; fail=1
  fi
fi
exit $fail
