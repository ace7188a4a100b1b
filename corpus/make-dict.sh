#!/usr/bin/env bash
# make-dict.sh REPLAY DICT: regenerate the tokens of a fuzzing dictionary from its "# step:"
# comment lines. Each step (text form, e.g. "p1 recv slot=0 wait=now") is encoded with REPLAY
# (sfz-<target>-replay --encode) and its bytes written as the token on the following line, so
# the dictionary stays readable and matches the binary format. Run after changing the format or
# the adapter's ops:  corpus/make-dict.sh build/dev/bin/sfz-shmipc-ring-replay corpus/shmipc-ring.dict
set -euo pipefail
replay=${1:?usage: make-dict.sh REPLAY DICT}
dict=${2:?usage: make-dict.sh REPLAY DICT}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
header_len=6 # "SFZ", version, process byte, fault count: a program without faults
n=0
while IFS= read -r line; do
  case $line in
    "# step: "*)
      step=${line#"# step: "}
      printf 'procs 4\n%s\n' "$step" >"$tmp/step.txt"
      "$replay" --encode -o "$tmp/step.bin" "$tmp/step.txt" >/dev/null
      n=$((n + 1))
      printf '%s\nstep%d="%s"\n' "$line" "$n" \
        "$(tail -c +$((header_len + 1)) "$tmp/step.bin" | od -An -v -tx1 | tr -d ' \n' | sed 's/../\\x&/g')"
      ;;
    step*=*) ;; # a token generated last time: regenerated above
    *) printf '%s\n' "$line" ;;
  esac
done <"$dict" >"$tmp/out"
mv "$tmp/out" "$dict"
echo "make-dict: $n tokens in $dict"
