#!/usr/bin/env bash
# fallback.sh REPLAY PROGRAM...: the leak oracle without namespace rights. Run as root in a
# private IPC + mount namespace of its own, the replay is started without CAP_SYS_ADMIN, so its
# unshare() fails and harness/src/namespace.c falls back to libshmfault's ledger. Checks, per
# program: the fallback was taken (it says so), the verdict is the program's "# expect:", the
# run removed what it created, and an object it did not create (made here first) is neither
# reported nor removed.
set -uo pipefail
replay=$1
shift
# shellcheck source=tests/lib/need.sh
. "$(dirname "$0")/../lib/need.sh"
need_namespaces
need_tool setpriv ipcmk
if [[ ${SFZ_FALLBACK_INSIDE:-} != 1 ]]; then
  SFZ_FALLBACK_INSIDE=1 exec unshare -im "$0" "$replay" "$@"
fi
mount -t tmpfs -o mode=1777 none /dev/shm || { echo "FAIL: cannot mount /dev/shm"; exit 1; }
fail=0
foreign=$(ipcmk -M 4096 | grep -oE '[0-9]+$')
: >/dev/shm/foreign
for p in "$@"; do
  expect=$(sed -n 's/^# expect: //p' "$p" | head -n 1)
  out=$(setpriv --bounding-set=-sys_admin --inh-caps=-all "$replay" "$p" 2>&1)
  verdict=$(grep -m1 '^verdict: ' <<<"$out")
  left_shm=$(tail -n +2 /proc/sysvipc/shm | awk -v f="$foreign" '$2 != f' | wc -l)
  left_posix=$(find /dev/shm -mindepth 1 ! -name foreign | wc -l)
  why=
  grep -q "no private IPC namespace" <<<"$out" || why="the fallback was not taken"
  [[ $verdict == "verdict: ${expect:-ok}"* ]] || why="$why; '$verdict', want 'verdict: ${expect:-ok}'"
  [[ $left_shm -eq 0 && $left_posix -eq 0 ]] || why="$why; left behind: $left_shm segment(s), $left_posix name(s)"
  grep -qE "id $foreign\b|foreign" <<<"$verdict" && why="$why; blamed the object it did not create"
  # a leak names what was left: a System V object by kind, key and id, a POSIX one by name
  [[ $verdict != *"leak-ipc"* || $verdict =~ (System\ V\ (segment|semaphore\ set)\ \(key\ 0x[0-9a-f]{8},\ id\ [0-9]+\)|POSIX\ object\ /[^ ]+)\ left\ behind ]] ||
    why="$why; the leak does not say what was left: '$verdict'"
  if [[ -n $why ]]; then
    echo "FAIL: $p: ${why#; }"
    echo "$out" | tail -n 15
    fail=1
  else
    echo "ok: $p without CAP_SYS_ADMIN ($verdict)"
  fi
done
shmctl_ok=$(tail -n +2 /proc/sysvipc/shm | awk -v f="$foreign" '$2 == f' | wc -l)
[[ $shmctl_ok -eq 1 && -e /dev/shm/foreign ]] && echo "ok: the foreign segment and name are untouched" ||
  { echo "FAIL: the run removed an object it did not create"; fail=1; }
exit $fail
