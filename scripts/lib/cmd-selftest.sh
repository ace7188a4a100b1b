# summary: install deps, build and run the whole test suite (ctest)
# shellcheck shell=bash

sfz_cmd_selftest() {
  case "${1:-}" in
    -h|--help)
      echo "usage: shmfuzz selftest    build the 'ci' preset (warnings are errors) and run ctest"
      return 0 ;;
    "") ;;
    *) sfz_die_usage "selftest: unexpected argument '$1'" ;;
  esac
  sfz_ensure_deps
  cd "$SHMFUZZ_ROOT" || exit 2
  cmake --workflow --preset ci
}
