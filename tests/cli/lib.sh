# lib.sh: helpers for the cli.* tests (sourced). Each test script gets the source dir and the
# build dirs on its command line, runs scripts/shmfuzz for real and checks what a user sees.
# shellcheck shell=bash

SFZ=${SFZ_SRC:?}/scripts/shmfuzz
# shellcheck source=tests/lib/need.sh
. "$SFZ_SRC/tests/lib/need.sh" # before CI=true below: it reads how the test was started
WORK=$(mktemp -d "${TMPDIR:-/tmp}/cli-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
FAILED=0
export CI=true # no terminal: the plain progress lines

fail() { echo "FAIL: $*"; FAILED=1; }
pass() { echo "ok: $*"; }

# run_sfz ARGS...: runs shmfuzz, sets $status, $out (stdout) and $err (stderr).
run_sfz() {
  "$SFZ" "$@" >"$WORK/stdout" 2>"$WORK/stderr" </dev/null
  status=$?
  out=$(cat "$WORK/stdout")
  err=$(cat "$WORK/stderr")
}

# expect_status N WHAT: checks the last run_sfz.
expect_status() {
  if [[ $status == "$1" ]]; then pass "$2 (exit $status)"
  else fail "$2: exit $status, want $1"; printf '%s\n%s\n' "$out" "$err" | tail -n 30; fi
}

# expect_in TEXT PATTERN WHAT: PATTERN (grep -E) must occur in TEXT.
expect_in() {
  if grep -qE -- "$2" <<<"$1"; then pass "$3"; else fail "$3: no /$2/ in:"; printf '%s\n' "$1" | tail -n 20; fi
}

need_dir() { [[ -d $1 ]] || need_skip "$1 is not built"; }
# use_build PRESET DIR: shmfuzz is to use the build DIR for PRESET (SHMFUZZ_BUILD_PRESET).
use_build() { need_dir "$2/bin"; export "SHMFUZZ_BUILD_$1=$2"; }
finish() { [[ $FAILED == 0 ]] && echo "all checks passed"; exit "$FAILED"; }

# stand_in_afl DEV_BUILD: AFL++ without fuzzing, for ci's own handling of a campaign. An afl
# build in $WORK/afl (DEV_BUILD's shmipc-kv replay driver, an sfz-shmipc-kv-afl that does
# nothing) and an afl-fuzz on PATH that takes -M|-S NAME and -o OUT, makes OUT/NAME and runs the
# sh text given on stdin (its $out and $name set). Exports PATH and SHMFUZZ_BUILD_{dev,afl}.
stand_in_afl() {
  use_build dev "$1"
  need_built "$1/bin/sfz-shmipc-kv-replay"
  mkdir -p "$WORK/afl/bin" "$WORK/path"
  ln -s "$1/bin/sfz-shmipc-kv-replay" "$WORK/afl/bin/sfz-shmipc-kv-replay"
  printf '#!/bin/sh\nexit 0\n' >"$WORK/afl/bin/sfz-shmipc-kv-afl"
  {
    cat <<'SH'
#!/bin/sh
# stand-in afl-fuzz -M|-S NAME ... -o OUT ... -- BINARY (tests/cli/lib.sh stand_in_afl)
name=main out=
while [ $# -gt 0 ]; do
  case $1 in -M|-S) name=$2; shift ;; -o) out=$2; shift ;; --) break ;; esac
  shift
done
mkdir -p "$out/$name"
SH
    cat
  } >"$WORK/path/afl-fuzz"
  chmod +x "$WORK/afl/bin/sfz-shmipc-kv-afl" "$WORK/path/afl-fuzz"
  export PATH=$WORK/path:$PATH SHMFUZZ_BUILD_afl=$WORK/afl
}
