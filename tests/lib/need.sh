# need.sh: preconditions shared by the test scripts (sourced by sh and bash).
# A missing precondition is a skip (exit 77, which ctest reports as skipped), and the reason is
# printed on a line starting "skipped:" (the selftest lists those lines). Under CI=true the
# machine is set up by scripts/install-deps and runs as root, so a skip there means something is
# broken: need_skip then fails (exit 1) instead, unless the caller marks the skip as
# not applicable (need_not_applicable: this check has no meaning in this configuration).
# shellcheck shell=sh

# need_skip REASON...: skip this test, or fail under CI=true (an unexpected skip).
# CI as the test was started with (cli tests export CI=true later for plain progress lines).
need_in_ci=${CI:-}
need_skip() {
  if [ "$need_in_ci" = true ]; then
    echo "FAIL: unexpected skip under CI=true: $*"
    echo "  (scripts/install-deps provides every tool and the presets build every binary)"
    exit 1
  fi
  echo "skipped: $*"
  exit 77
}

# Private IPC + mount namespaces: everything that creates IPC objects runs in them. The reason
# the kernel gives is kept, so "not root" and "namespaces disabled" are told apart.
need_namespaces() {
  if ! need_ns_err=$(unshare -im true 2>&1); then
    need_skip "no private IPC and mount namespaces (needs root): ${need_ns_err:-unshare failed}"
  fi
}

# need_tool NAME...: each must be on PATH.
need_tool() {
  for need_t in "$@"; do
    command -v "$need_t" >/dev/null 2>&1 || need_skip "$need_t is not installed (scripts/install-deps installs it)"
  done
}

# need_built FILE...: each must exist and be executable (a binary a preset builds).
need_built() {
  for need_f in "$@"; do
    [ -x "$need_f" ] || need_skip "$need_f is not built"
  done
}

# A private PID namespace as well (enumerate's fork server runs as its PID 1).
need_pid_namespace() {
  if ! need_ns_err=$(unshare -ipmf --mount-proc true 2>&1); then
    need_skip "no private PID, IPC and mount namespaces (needs root): ${need_ns_err:-unshare failed}"
  fi
}
