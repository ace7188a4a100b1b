#!/usr/bin/env bash
# replay-saved.sh REPLAY DIR...: saved inputs keep replaying. Every *.txt and *.bin in the
# DIRs (seeds, regression inputs, binary fixtures) is replayed; each must end in its expected
# verdict (a "# expect:" line for text, else ok). Also checks the replay interface's exit
# codes: 2 for an unreadable input, an unknown version and a usage error.
set -uo pipefail
replay=$1
shift
# shellcheck source=tests/lib/need.sh
. "$(dirname "$0")/../lib/need.sh"
need_namespaces
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
for dir in "$@"; do
  for f in "$dir"/*.txt "$dir"/*.bin; do
    [[ -e $f && $f != *.badversion.* ]] || continue
    # a .txt next to a .bin of the same name is the fixture's expected decoding, not a program
    [[ $f == *.txt && -e ${f%.txt}.bin ]] && continue
    expect=ok
    [[ $f == *.txt ]] && expect=$(sed -n 's/^# expect: //p' "$f" | head -n 1)
    verdict=$("$replay" --quiet "$f" 2>&1 | grep '^verdict: ' | head -n 1)
    if [[ $verdict != "verdict: ${expect:-ok}"* ]]; then
      echo "FAIL: $f: expected '${expect:-ok}', got '$verdict'"
      fail=1
    fi
    if [[ $f == *.txt ]]; then # the binary form of a text input replays the same way
      "$replay" --encode -o "$work/x.bin" "$f" &&
        [[ $("$replay" --quiet "$work/x.bin" | grep '^verdict: ') == "$verdict" ]] ||
        { echo "FAIL: $f: binary form replays differently"; fail=1; }
    fi
  done
done
expect_exit() {
  local want=$1
  shift
  "$replay" "$@" >/dev/null 2>"$work/err"
  local rc=$?
  if [[ $rc -ne $want || $(wc -l <"$work/err") -ne 1 ]]; then
    echo "FAIL: $replay $* exited $rc (want $want with one error line): $(cat "$work/err")"
    fail=1
  fi
}
printf 'SFZ\x09\x00' >"$work/v9.bin"
printf 'p0 nosuchop slot=0\n' >"$work/bad.txt"
expect_exit 2 "$work/missing.bin"
expect_exit 2 "$work/v9.bin"
expect_exit 2 "$work/bad.txt"
expect_exit 2 --bogus-option "$work/v9.bin"
expect_exit 2
[[ $fail -eq 0 ]] && echo "ok: saved inputs replay"
exit $fail
