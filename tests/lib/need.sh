# need.sh: preconditions shared by the test scripts (sourced by sh and bash). A missing one is a skip (exit
# 77, which ctest reports as skipped), never a failure.
# shellcheck shell=sh

# Private IPC + mount namespaces: everything that creates IPC objects runs in them.
need_namespaces() {
  if ! unshare -im true 2>/dev/null; then
    echo "skipped: needs root for private IPC and mount namespaces"
    exit 77
  fi
}
