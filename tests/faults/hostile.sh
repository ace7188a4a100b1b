#!/usr/bin/env bash
# shellcheck disable=SC2317 # the case_* functions are called by name from the command line
# hostile.sh CASE ROOT LIB PROG HOSTILE: libshmfault's files and settings under the programs
# and users that break them (issue 10, items 2, 5 and 6): descriptors closed and reused,
# rules and suppressions that arrive in pieces or are not text, sizes at the limits, long
# paths and names, keys the kernel prints negative, exec'd images sharing one ledger,
# symlinks, set-id programs. Run inside tests/targets/in-namespace.sh (private IPC + /dev/shm).
set -uo pipefail
case_name=${1:?usage: hostile.sh CASE ROOT LIB PROG HOSTILE}
root=${2:?} lib=${3:?} prog=${4:?} hostile=${5:?}
if [[ "${SHMFUZZ_PRIVATE_IPC:-}" != 1 ]]; then
  echo "hostile.sh: run me through in-namespace.sh (I remove every IPC object)" >&2
  exit 2
fi
work=$(mktemp -d)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
fail=0
# shellcheck source=tests/lib/check.sh
. "$(dirname "$0")/../lib/check.sh"
has() { grep -q -- "$2" "$1"; }
# run VAR=VALUE... -- ARGS...: ARGS under the preload with the settings; $status, $work/err
run() {
  local -a envs=()
  while [[ $1 != -- ]]; do envs+=("$1"); shift; done
  shift
  reset_ns
  env "${envs[@]}" LD_PRELOAD="$lib" "$@" >"$work/out" 2>"$work/err"
  status=$?
}
# rules_of_size FILE SIZE LAST: a rules file of exactly SIZE bytes whose last line is LAST
rules_of_size() {
  local file=$1 size=$2 last=$3
  local pad=$((size - ${#last} - 1))
  { head -c "$((pad - 1))" /dev/zero | tr '\0' '#'; printf '\n%s\n' "$last"; } >"$file"
  [[ $(stat -c %s "$file") == "$size" ]] || { echo "rules_of_size: wrong size"; exit 2; }
}

# closefrom(3), then the program's own data file: nothing of ours lands in it, trace and
# ledger are complete; and a daemon that lets go of stderr still gets its report.
case_closefrom() {
  run SHMFAULT_TRACE="$work/trace" SHMFAULT_LEDGER="$work/ledger" -- \
    "$hostile" closefrom "$work/data"
  check "closefrom: the program succeeded" test "$status" -eq 0
  check "closefrom: the data file holds only the program's data" test "$(cat "$work/data")" = data
  check "closefrom: every shmget is traced (5)" \
    test "$(grep -c '"fn":"shmget"' "$work/trace")" -eq 5
  check "closefrom: the leak is in the ledger" has "$work/ledger" 'leak sysv-shm .*key=0x00004c4c'
  run SHMFAULT_LEDGER=stderr -- "$hostile" closefrom "$work/data2" 2
  check "closefrom(2): the data file holds only the program's data" \
    test "$(cat "$work/data2")" = data
  check "closefrom(2): the report reached the original stderr" \
    has "$work/err" 'leak sysv-shm .*key=0x00004c4c'
}

# Rules through a FIFO whose pipe holds one page: every read() gets a piece.
case_rules() {
  rules_of_size "$work/big" 10000 "shmget@1=EACCES"
  mkfifo "$work/fifo"
  "$hostile" fifo-writer "$work/fifo" "$work/big" &
  run SHMFAULT_RULES_FILE="$work/fifo" -- "$prog" call shmget
  wait
  check "FIFO: the rule after the first page fires" has "$work/out" 'shmget failed EACCES'
  printf 'shmget@1=EACCES\n\0shmat@1=EINVAL\n' >"$work/nul"
  run SHMFAULT_RULES_FILE="$work/nul" -- "$prog" call shmget
  check "NUL: refused with exit 2" test "$status" -eq 2
  check "NUL: the offset is named" has "$work/err" 'NUL byte at offset 16'
  for size in 65535 65536; do
    rules_of_size "$work/r$size" "$size" "shmget@1=EACCES"
    run SHMFAULT_RULES_FILE="$work/r$size" -- "$prog" call shmget
    check "$size bytes: accepted, the last rule fires" has "$work/out" 'shmget failed EACCES'
  done
  rules_of_size "$work/r65537" 65537 "shmget@1=EACCES"
  run SHMFAULT_RULES_FILE="$work/r65537" -- "$prog" call shmget
  check "65537 bytes: refused with exit 2" test "$status" -eq 2
  check "65537 bytes: says so" has "$work/err" 'larger than 64 KiB'
  rules_of_size "$work/supp" 20000 "sysv-shm key=0x4c4d"
  run SHMFAULT_LEDGER=stderr SHMFAULT_SUPPRESSIONS="$work/supp" -- "$hostile" key 0x4c4d
  check "suppression past 8 KiB: applied" test "$status" -eq 0 -a -s "$work/out" -a ! -s "$work/err"
  rules_of_size "$work/supp2" 70000 "sysv-shm key=0x4c4d"
  run SHMFAULT_LEDGER=stderr SHMFAULT_SUPPRESSIONS="$work/supp2" -- "$hostile" key 0x4c4d
  check "suppressions over 64 KiB: refused with exit 2" test "$status" -eq 2
}

# Paths over 255 bytes work; over PATH_MAX they are refused. Whole long names, negative keys.
case_long() {
  local dir=$work seg
  seg=$(printf 'd%.0s' {1..60})
  for _ in 1 2 3 4 5; do dir=$dir/$seg; done
  mkdir -p "$dir"
  run SHMFAULT_TRACE="$dir/trace" SHMFAULT_LEDGER="$dir/ledger" -- "$hostile" key 0x4c4e
  check "trace path of ${#dir}+ bytes: written where it was asked" has "$dir/trace" '"fn":"shmget"'
  check "ledger path of ${#dir}+ bytes: written where it was asked" \
    has "$dir/ledger" 'key=0x00004c4e'
  run SHMFAULT_TRACE="/$(printf 'x%.0s' {1..4200})" -- "$hostile" hello
  check "trace path over PATH_MAX: exit 2" test "$status" -eq 2
  check "trace path over PATH_MAX: says so" has "$work/err" 'PATH_MAX'
  local a b
  a=/$(printf 'n%.0s' {1..199})a b=/$(printf 'n%.0s' {1..199})b
  run SHMFAULT_LEDGER=stderr -- "$hostile" names "$a" "$b"
  check "200-byte names: the first is reported whole" has "$work/err" "name=$a "
  check "200-byte names: the second is reported whole" has "$work/err" "name=$b "
  run SHMFAULT_LEDGER=stderr -- "$hostile" key 0xdeadbeef
  check "key 0xdeadbeef: reported with its key" has "$work/err" 'leak sysv-shm .*key=0xdeadbeef'
  reset_ns
  SHMFAULT_LIB=$lib "$root/scripts/shmfuzz" run --isolate -- "$hostile" key 0xdeadbeef \
    >/dev/null 2>"$work/err"
  check "run --isolate: lists key 0xdeadbeef" has "$work/err" 'isolate:   sysv-shm key=0xdeadbeef'
}

# Exec'd images share the ledger file: every report is kept, nothing earlier is truncated.
case_exec() {
  echo "earlier line" >"$work/ledger"
  run SHMFAULT_LEDGER="$work/ledger" -- "$hostile" spawn 0x5100 "$hostile"
  check "exec: the earlier content is kept" has "$work/ledger" '^earlier line$'
  check "exec: the exec'd child's report is kept" has "$work/ledger" 'key=0x00005101'
  check "exec: the parent's report is kept" has "$work/ledger" 'key=0x00005100'
}

# A planted symlink is refused, never followed (the target keeps its content).
case_symlink() {
  echo keep >"$work/target"
  ln -s "$work/target" "$work/link"
  for var in SHMFAULT_TRACE SHMFAULT_LEDGER; do
    run "$var=$work/link" -- "$hostile" key 0x4c4f
    check "$var symlink: exit 2" test "$status" -eq 2
    check "$var symlink: says so" has "$work/err" 'symbolic link'
    check "$var symlink: the target is untouched" test "$(cat "$work/target")" = keep
  done
}

# A set-uid-root program run by nobody: SHMFAULT_* is ignored (the preload build says so once,
# the API library reads nothing), no file is created or truncated, no secret is echoed.
case_setid() {
  local nobody=65534
  command -v setpriv >/dev/null || { echo "skipped: no setpriv"; exit 77; }
  mkdir "$work/root" && chmod 755 "$work/root"
  echo precious >"$work/root/ledger"
  echo "TOPSECRET first line" >"$work/root/secret" && chmod 600 "$work/root/secret"
  local kind
  for kind in preload api; do
    local bin=$work/hostile-$kind
    cp "$(dirname "$hostile")/faults_hostile_$kind" "$bin"
    chown 0:0 "$bin" && chmod 4755 "$bin"
    rm -f "$work/root/trace" && echo precious >"$work/root/ledger"
    reset_ns
    setpriv --reuid="$nobody" --regid="$nobody" --clear-groups \
      env SHMFAULT_TRACE="$work/root/trace" SHMFAULT_LEDGER="$work/root/ledger" \
      SHMFAULT_RULES_FILE="$work/root/secret" \
      SHMFAULT_RULES="shmget@1=EACCES" "$bin" key 0x4c50 >"$work/out" 2>"$work/err"
    status=$?
    check "$kind: the set-id program ran untouched (no fault)" test "$status" -eq 0
    check "$kind: no trace file created" test ! -e "$work/root/trace"
    check "$kind: the ledger file is not truncated" test "$(cat "$work/root/ledger")" = precious
    check "$kind: nothing of the secret is printed" test "$(grep -c TOPSECRET "$work/err")" -eq 0
    if [[ $kind == preload ]]; then
      check "preload: one line says SHMFAULT_* is ignored" \
        test "$(wc -l <"$work/err")" -eq 1 -a "$(grep -c 'AT_SECURE' "$work/err")" -eq 1
    else
      check "api: the library reads no environment (stderr empty)" test ! -s "$work/err"
    fi
  done
}

"case_$case_name"
exit $fail
