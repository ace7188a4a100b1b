#!/usr/bin/env bash
# shmipc-fallback.sh BINDIR SOURCE_DIR: the libshmipc targets without a private namespace (the
# unprivileged fallback, reached by running the replay as nobody, who cannot unshare) never
# open, write, or remove another program's object, even one sitting at the adapter's own key
# or name (kv 0x534601xx, record 0x534602xx, ring 0x534603xx, /sfz-file-N): the run moves to
# the next free key or name and says so, the library opens and removes only what the run
# recorded, and the hostile peer and the raw cleanup reach only the run's own objects. The
# "host" is a private IPC + mount namespace this test owns. Re-executes itself inside it.
set -uo pipefail
# shellcheck source=tests/lib/need.sh
. "$(dirname "$0")/../lib/need.sh"
# shellcheck source=tests/lib/check.sh
. "$(dirname "$0")/../lib/check.sh"
if [[ ${SHMIPC_FALLBACK_INSIDE:-} != 1 ]]; then
  need_namespaces
  SHMIPC_FALLBACK_INSIDE=1 exec unshare -im sh -c 'mount -t tmpfs -o mode=1777 none /dev/shm && exec "$@"' \
    shmipc-fallback "$0" "$@"
fi
SHMFUZZ_PRIVATE_IPC=1 # for reset_ns: this shell is in the namespace made above (not exported)
BIN=$1 SRC=$2
for t in kv record ring file; do need_built "$BIN/sfz-shmipc-$t-replay"; done
PY=/usr/bin/python3; [[ -x $PY ]] || PY=$(command -v python3)
TOOL=("$PY" "$SRC/tests/cli/ipc_tool.py")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/shmipc-fallback.XXXXXX") && chmod 755 "$WORK"
trap '[[ -n ${KEEP:-} ]] || rm -rf "$WORK"' EXIT
mkdir "$WORK/state" && chown 65534:65534 "$WORK/state"
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
AS_NOBODY=("${NOBODY[@]}" env "XDG_STATE_HOME=$WORK/state" HOME=/nonexistent)
fail=0
nobodys() { # System V objects and /dev/shm files of nobody's
  awk 'NR > 1 && $10 == 65534 { print "shm", $2 }' /proc/sysvipc/shm
  awk 'NR > 1 && $7 == 65534 { print "sem", $2 }' /proc/sysvipc/sem
  find /dev/shm -user 65534
}

# The same story for every target: slot 0 is created, written, opened by the other worker,
# corrupted by the hostile peer, destroyed; slot 1 is opened and destroyed before it exists,
# then created by a worker that exits without its cleanup (the raw teardown removes it by key).
program() {
  case $1 in
    kv|file) cat <<'EOF'
procs 2
p0 create slot=0 capacity=255
p0 put slot=0 len=64 fill=1
p1 open slot=0
p1 get slot=0
p1 corrupt slot=0 field=len value=big
p1 close slot=0
p0 destroy slot=0
p0 open slot=1
p0 destroy slot=1
p0 create slot=1 capacity=16
p0 proc.exit
EOF
    ;;
    record) cat <<'EOF'
procs 2
p0 create slot=0 count=8 as=a
p0 put slot=0 index=0 id=7 as=a
p1 open slot=0 expect=any as=a
p1 get slot=0 index=0 as=a
p1 corrupt slot=0 field=count value=big
p1 close slot=0 as=a
p0 destroy slot=0 as=a
p0 open slot=1 expect=any as=a
p0 destroy slot=1 as=a
p0 create slot=1 count=2 as=a
p0 proc.exit
EOF
    ;;
    ring) cat <<'EOF'
procs 2
p0 create slot=0 slots=2 msg=8 role=producer
p1 open slot=0 role=consumer
p0 send slot=0 len=4 fill=1
p1 recv slot=0
p1 corrupt slot=0 field=head value=big
p1 close slot=0 role=consumer
p0 destroy slot=0 role=producer
p0 open slot=1 role=consumer
p0 destroy slot=1 role=consumer
p0 create slot=1 slots=1 msg=8 role=producer
p0 proc.exit
EOF
    ;;
  esac
}

# Every byte of segment ID (attached read-only), as one digest.
shm_digest() {
  "$PY" - "$1" <<'PYEOF'
import ctypes, hashlib, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
libc.shmat.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
addr = libc.shmat(int(sys.argv[1]), None, 0o10000)  # SHM_RDONLY
if addr in (None, ctypes.c_void_p(-1).value):
    print("not attachable")
else:
    print("sha256", hashlib.sha256(ctypes.string_at(addr, 4096)).hexdigest())
    libc.shmdt(ctypes.c_void_p(addr))
PYEOF
}

# What a foreign object looks like, to compare before and after the run: identity, change
# time, and its whole contents (a segment's every byte, a set's value and waiters, a file).
look() { # KIND ID|PATH
  if [[ $1 == file ]]; then
    stat -c 'ino=%i size=%s mtime=%Y ctime=%Z' "$2" && sha256sum <"$2"
  else
    echo "$1 $2" && "${TOOL[@]}" stamp "$1" "$2" && "${TOOL[@]}" peek "$1" "$2" | tr '\0' .
    [[ $1 == sem ]] || shm_digest "$2"
  fi
}

declare -A base=([kv]=0x53460100 [record]=0x53460200 [ring]=0x53460300)
for t in kv record ring file; do
  # foreign objects of another program of the same user (nobody) at slots 0 and 1
  objs=()
  for slot in 0 1; do
    if [[ $t == file ]]; then
      "${NOBODY[@]}" sh -c "umask 077; head -c 4096 /dev/zero | tr '\\0' F >/dev/shm/sfz-file-$slot" || exit 99
      objs+=("file /dev/shm/sfz-file-$slot")
    else
      key=$(printf '0x%08x' $((base[$t] + slot)))
      objs+=("shm $("${NOBODY[@]}" "${TOOL[@]}" shm "$key")")
      [[ $t == kv ]] || objs+=("sem $("${NOBODY[@]}" "${TOOL[@]}" sem "$key")")
    fi
  done
  before=$(for o in "${objs[@]}"; do read -r k i <<<"$o"; look "$k" "$i"; done)
  foreign=$(nobodys | sort)
  program "$t" >"$WORK/$t.txt" && chmod 644 "$WORK/$t.txt"
  "${AS_NOBODY[@]}" "$BIN/sfz-shmipc-$t-replay" "$WORK/$t.txt" >"$WORK/$t.out" 2>&1
  status=$?
  out=$(cat "$WORK/$t.out")
  after=$(for o in "${objs[@]}"; do read -r k i <<<"$o"; look "$k" "$i"; done)
  said="no private IPC namespace\|no private mount namespace"
  check "$t: the replay falls back (else the test proves nothing)" grep -q "$said" <<<"$out"
  grep -q "$said" <<<"$out" || tail -5 <<<"$out"
  check "$t: the fallback run ends with verdict ok (exit $status)" eval '[[ $status == 0 && $out == *"verdict: ok"* ]]'
  check "$t: every foreign object at the adapter's keys or names is untouched (id, ctime, contents)" \
    test "$before" == "$after"
  [[ $before == "$after" ]] || diff <(echo "$before") <(echo "$after") | sed 's/^/  | /'
  check "$t: the run says it moved off the taken key or name" \
    grep -q "is another program's object: this run uses" <<<"$out"
  check "$t: its creates succeed on the next free key or name" \
    eval 'grep -qF "p0 create slot=0" <<<"$out" && ! grep -E "p0 create slot=[01] .*=> failed" <<<"$out"'
  same "$t: everything the run created is removed, only the foreign objects are left" "$foreign" "$(nobodys | sort)"
  same "$t: a run that removed all it created leaves no record file" "" "$(ls "$WORK/state/shmfuzz/objects")"
  reset_ns # the next target starts from a clean host
done
exit "$fail"
