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
finish() { [[ $FAILED == 0 ]] && echo "all checks passed"; exit "$FAILED"; }
