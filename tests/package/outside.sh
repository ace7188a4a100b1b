#!/usr/bin/env bash
# outside.sh SOURCE_DIR BUILD_DIR MODE: shmfuzz as another project uses it. Installs the tree's
# build (BUILD_DIR) into a fresh prefix, configures tests/package/outside/ (the tally library,
# unseen by shmfuzz, with a planted leak on an error path; the library in lib/ is defined
# before fuzz/ asks for the package) against it with nothing but -DCMAKE_PREFIX_PATH and a
# compiler, builds it, and checks what shmfuzz_add_target promised: the binaries, the
# manifest, the encoded seeds and the dictionary in the user's build dir. Then, by MODE:
#   libfuzzer  (clang) a fixed-seed, fixed-run-count libFuzzer run finds the planted leak, the
#              correct twin stays clean with its library instrumented and the harness not,
#              the reproducers replay (found, and ok on the twin), and the installed `shmfuzz`
#              command fuzzes and replays on the user's build
#   oss-fuzz   the same configured the OSS-Fuzz way: sanitizers from $CFLAGS, the engine from
#              $LIB_FUZZING_ENGINE
#   afl        (afl-clang-fast) the AFL++ binary and its mutator; the persistent driver, given
#              the reproducer, reports the leak
#   none       (gcc) replay binaries only; the reproducer replays
# Everything that creates IPC objects runs in a private IPC + mount namespace.
set -euo pipefail
src=$1 build=$2 mode=${3:-libfuzzer}
# shellcheck source=tests/lib/need.sh
. "$(dirname "$0")/../lib/need.sh"
unset CFLAGS LIB_FUZZING_ENGINE
case $mode in
  libfuzzer) cc=clang engine=libfuzzer ;;
  oss-fuzz)
    cc=clang engine=libfuzzer
    # What the OSS-Fuzz builder exports for an ASan libFuzzer build.
    export CFLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only -fsanitize=address -fsanitize-address-use-after-scope -fsanitize=fuzzer-no-link"
    export LIB_FUZZING_ENGINE=-fsanitize=fuzzer ;;
  afl) cc=afl-clang-fast engine=afl ;;
  none) cc=gcc engine=none ;;
  *) echo "outside.sh: MODE is libfuzzer, oss-fuzz, afl or none, not '$mode'"; exit 2 ;;
esac
need_tool "$cc" cmake
need_namespaces
need_built "$build/bin/shmfault-info"

proj=$src/tests/package/outside
work=$(mktemp -d "${TMPDIR:-/tmp}/shmfuzz-package.XXXXXX")
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix out=$work/build

fail() { echo "FAIL: $*"; exit 1; }
step() { echo "== $*"; }
# show LOG: the end of a log, for a failure's message.
show() { tail -n 30 "$1"; }
# isolated CMD...: in a private IPC + mount namespace with its own /dev/shm.
isolated() {
  unshare -im --propagation private -- sh -c \
    'mount -t tmpfs -o mode=1777 package /dev/shm && exec "$@"' isolated "$@"
}
# expect_verdict BIN FILE RC VERDICT: the replay driver's exit status and verdict line.
expect_verdict() {
  local rc=0
  isolated "$1" "$2" >"$work/replay.log" 2>&1 || rc=$?
  grep -q "^verdict: $4" "$work/replay.log" && [[ $rc == "$3" ]] ||
    { show "$work/replay.log"; fail "${1##*/} $2: want exit $3 and 'verdict: $4', got exit $rc"; }
  echo "ok: ${1##*/} ${2##*/}: $(grep '^verdict:' "$work/replay.log")"
}

step "install the tree's build into $prefix"
cmake --install "$build" --prefix "$prefix" >"$work/install.log" 2>&1 ||
  { show "$work/install.log"; fail "cmake --install failed"; }

step "configure and build the outside project with $cc"
cmake -S "$proj" -B "$out" -DCMAKE_C_COMPILER="$cc" -DCMAKE_PREFIX_PATH="$prefix" \
  >"$work/configure.log" 2>&1 || { show "$work/configure.log"; fail "configure failed"; }
# cache_is NAME VALUE: what the package chose.
cache_is() {
  local got
  got=$(sed -n "s/^$1:STRING=//p" "$out/CMakeCache.txt")
  [[ $got == "$2" ]] || fail "the package set $1 to '$got' ($mode build), not '$2'"
}
cache_is SHMFUZZ_ENGINE "$engine"
case $mode in
  libfuzzer) cache_is SHMFUZZ_SANITIZE 'address;undefined'; cache_is SHMFUZZ_ENGINE_LINK -fsanitize=fuzzer ;;
  oss-fuzz) cache_is SHMFUZZ_SANITIZE ''; cache_is SHMFUZZ_ENGINE_LINK "$LIB_FUZZING_ENGINE" ;;
  *) cache_is SHMFUZZ_SANITIZE '' ;;
esac
cmake --build "$out" -j 2 >"$work/build.log" 2>&1 || { show "$work/build.log"; fail "build failed"; }

step "what shmfuzz_add_target left in the user's build"
for t in tally tally-leaky; do
  for e in replay libfuzzer afl; do
    if [[ $e == replay || $e == "$engine" ]]; then
      [[ -x $out/bin/sfz-$t-$e ]] || fail "bin/sfz-$t-$e was not built"
    else
      [[ ! -e $out/bin/sfz-$t-$e ]] || fail "bin/sfz-$t-$e was built by a $engine build"
    fi
  done
  [[ $engine != afl || -f $out/bin/sfz-$t-afl-mutator.so ]] || fail "bin/sfz-$t-afl-mutator.so was not built"
  for s in count two-boards; do
    [[ -s $out/corpus/$t/$s ]] || fail "seed $s of $t was not encoded into corpus/$t/"
  done
  cmp -s "$proj/fuzz/tally.dict" "$out/corpus/$t.dict" || fail "corpus/$t.dict is not the DICT given"
done
printf 'tally\ta board of counters in POSIX shm\ntally-leaky\ttally whose failed create leaks its name\n' \
  >"$work/want.tsv"
diff "$work/want.tsv" "$out/shmfuzz-targets.tsv" || fail "shmfuzz-targets.tsv is not the two targets"
echo "ok: binaries, encoded seeds, dictionaries and shmfuzz-targets.tsv"

reproducer=$proj/fuzz/leak-on-error.txt
if [[ $engine == none ]]; then
  step "the reproducer replays: found on the leaky build, ok on the correct one"
  expect_verdict "$out/bin/sfz-tally-leaky-replay" "$reproducer" 1 "FINDING leak-ipc"
  expect_verdict "$out/bin/sfz-tally-replay" "$reproducer" 0 ok
  echo "package ($mode): ok"
  exit 0
fi
if [[ $engine == afl ]]; then
  step "the AFL++ persistent driver, given the reproducer, reports the leak"
  "$out/bin/sfz-tally-leaky-replay" --encode -o "$work/leak.bin" "$reproducer" >/dev/null
  rc=0
  isolated "$out/bin/sfz-tally-leaky-afl" <"$work/leak.bin" >"$work/afl.log" 2>&1 || rc=$?
  grep -q "shmfuzz: FINDING leak-ipc: POSIX shared memory '/tally-0'" "$work/afl.log" && [[ $rc != 0 ]] ||
    { show "$work/afl.log"; fail "the AFL++ driver did not report the leak (exit $rc)"; }
  expect_verdict "$out/bin/sfz-tally-replay" "$reproducer" 0 ok
  echo "package ($mode): ok"
  exit 0
fi

step "libFuzzer, seed 1, at most 20000 runs: finds the planted leak"
mkdir "$work/corpus" "$work/found"
cp "$out/corpus/tally-leaky"/* "$work/corpus/"
rc=0
(cd "$work" && isolated "$out/bin/sfz-tally-leaky-libfuzzer" -seed=1 -runs=20000 \
   -dict="$out/corpus/tally-leaky.dict" -artifact_prefix="$work/found/" corpus) >"$work/fuzz.log" 2>&1 || rc=$?
grep -q "shmfuzz: FINDING leak-ipc: POSIX shared memory '/tally-" "$work/fuzz.log" && [[ $rc == 77 ]] ||
  { show "$work/fuzz.log"; fail "no leak-ipc finding in 20000 runs (libFuzzer exit $rc)"; }
found=$(find "$work/found" -name 'crash-*' | head -n 1)
[[ -n $found ]] || fail "libFuzzer saved no crash input"
echo "ok: $(grep -m1 -o 'shmfuzz: FINDING leak-ipc.*' "$work/fuzz.log") after $(grep -aoE '^#[0-9]+' "$work/fuzz.log" | tail -n 1 | tr -d '#') runs"

step "the correct twin: 3000 runs clean, its library instrumented, the harness not"
rm -rf "${work:?}/corpus" && mkdir "$work/corpus" "$work/found-twin" && cp "$out/corpus/tally"/* "$work/corpus/"
rc=0
(cd "$work" && isolated "$out/bin/sfz-tally-libfuzzer" -seed=1 -runs=3000 -print_coverage=1 \
   -dict="$out/corpus/tally.dict" -artifact_prefix="$work/found-twin/" corpus) >"$work/twin.log" 2>&1 || rc=$?
[[ $rc == 0 ]] && ! grep -q 'shmfuzz: FINDING' "$work/twin.log" ||
  { show "$work/twin.log"; fail "the correct twin gave a finding (libFuzzer exit $rc)"; }
grep -qE '^COVERED_FUNC: .* tally_create .*/tally\.c:' "$work/twin.log" ||
  { grep -E 'COVERED_FUNC' "$work/twin.log" | head; fail "tally.c has no coverage: the library was built without the engine's flags"; }
if grep -E '^(UN)?COVERED_FUNC: ' "$work/twin.log" | grep -q '/harness/src/'; then
  fail "the harness is instrumented for coverage (its noise would steer the fuzzer)"
fi
echo "ok: clean, and libFuzzer sees tally.c's edges"

step "the reproducers replay: found on the leaky build, ok on the correct one"
for f in "$found" "$reproducer"; do
  expect_verdict "$out/bin/sfz-tally-leaky-replay" "$f" 1 "FINDING leak-ipc"
  expect_verdict "$out/bin/sfz-tally-replay" "$f" 0 ok
done

step "the installed shmfuzz command on the user's build"
shmfuzz=$prefix/bin/shmfuzz
"$shmfuzz" --help >"$work/help.log" 2>&1 || { show "$work/help.log"; fail "shmfuzz --help failed"; }
# cli_expect RC PATTERN ARGS...: the command's exit status and a line of its output.
cli_expect() {
  local want=$1 pattern=$2 rc=0
  shift 2
  (cd "$work" && CI=true isolated "$@") >"$work/cli.log" 2>&1 || rc=$?
  grep -qE "$pattern" "$work/cli.log" && [[ $rc == "$want" ]] ||
    { show "$work/cli.log"; fail "shmfuzz ${*:2}: want exit $want and /$pattern/, got exit $rc"; }
  echo "ok: shmfuzz ${*:2}: exit $rc"
}
# Today's way to point the command at a build: SHMFUZZ_BUILD_<preset> (docs/cli.md).
builds=(env "SHMFUZZ_BUILD_dev=$out" "SHMFUZZ_BUILD_libfuzzer=$out")
cli_expect 1 'reproduces FINDING leak-ipc' "${builds[@]}" "$shmfuzz" repro "$reproducer"
cli_expect 1 'leak-ipc' "${builds[@]}" "$shmfuzz" fuzz tally-leaky --engine libfuzzer --seed 1 \
  --time 120 --out "$work/campaign"
# --build-dir (issue 14, the command's rewrite): checked as soon as the command has it.
if grep -q -- '--build-dir' < <("$shmfuzz" repro --help 2>&1); then
  cli_expect 1 'reproduces FINDING leak-ipc' "$shmfuzz" repro --build-dir "$out" "$reproducer"
  cli_expect 1 'leak-ipc' "$shmfuzz" fuzz tally-leaky --build-dir "$out" --engine libfuzzer \
    --seed 1 --time 120 --out "$work/campaign-build-dir"
else
  echo "note: this shmfuzz has no --build-dir yet: its two checks wait for it"
fi
echo "package ($mode): ok"
