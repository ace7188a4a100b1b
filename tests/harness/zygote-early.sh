#!/usr/bin/env bash
# zygote-early.sh LIBFUZZER_BINARY: the libFuzzer driver starts the zygote (the process that
# makes the workers, harness/src/exec_zygote.c) in LLVMFuzzerInitialize, before libFuzzer
# builds its corpus and feature tables, which a later zygote would hold and copy into every
# worker it makes. Seen with strace: the executor's first fork comes before libFuzzer prints
# its seed (it does right after LLVMFuzzerInitialize, before allocating those tables). With
# -runs=0 and no corpus only the empty input runs, in-process: a zygote started at the first
# worker would never be forked at all.
set -uo pipefail
engine=$1
# shellcheck source=tests/lib/need.sh
. "$(dirname "$0")/../lib/need.sh"
need_namespaces
need_tool strace
need_built "$engine"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus"
# LeakSanitizer cannot work under ptrace: it would fail the run at its exit
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
  strace -f -qq -o "$work/trace" -e trace=clone,clone3,fork,vfork,write \
  unshare -im "$engine" -runs=0 -seed=1 -artifact_prefix="$work/" "$work/corpus" >"$work/out" 2>&1
rc=$?
seed_line=$(grep -n -m1 'write(2, "INFO: Seed: 1' "$work/trace" | cut -d: -f1)
# a new process, not a thread: fork() is clone(..., SIGCHLD) without CLONE_THREAD
fork_line=$(grep -n -E 'clone3?\(.*SIGCHLD' "$work/trace" | grep -v CLONE_THREAD | head -1 | cut -d: -f1)
if [[ $rc -ne 0 || -z $seed_line ]]; then
  echo "FAIL: the engine did not run as expected (exit $rc, seed line '${seed_line}'):"
  tail -5 "$work/out"
  exit 1
fi
if [[ -z $fork_line || $fork_line -gt $seed_line ]]; then
  echo "FAIL: no zygote before libFuzzer's own set-up (first fork at trace line '${fork_line:-none}', seed at $seed_line)"
  exit 1
fi
echo "ok: the zygote is forked in LLVMFuzzerInitialize (trace line $fork_line, libFuzzer's seed line $seed_line)"
