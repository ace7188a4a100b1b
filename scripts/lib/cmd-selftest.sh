# summary: install deps, build and run the whole test suite (ctest)
# shellcheck shell=bash

sfz_cmd_selftest() {
  case "${1:-}" in
    -h|--help)
      cat <<'USAGE'
usage: shmfuzz selftest    build the 'ci' preset (warnings are errors) and run ctest
  Afterwards every skipped test is listed with its reason. With CI=true a skipped test fails
  the selftest: scripts/install-deps installed every tool and the presets build every binary,
  so a skip there hides a broken check (docs/testing.md).
USAGE
      return 0 ;;
    "") ;;
    *) sfz_die_usage "selftest: unexpected argument '$1'" ;;
  esac
  sfz_ensure_deps
  cd "$SHMFUZZ_ROOT" || exit 2
  # The steps of the ci workflow preset, with a JUnit file: it tells skipped from passed.
  local junit=$SHMFUZZ_ROOT/build/ci/selftest-junit.xml rc=0 skips
  cmake --preset ci && cmake --build --preset ci || return 1
  rm -f "$junit"
  ctest --preset ci --output-junit "$junit" || rc=$?
  skips=$(sfz_selftest_skips "$junit") || { sfz_info "selftest: no readable $junit"; return 1; }
  if [[ -n $skips ]]; then
    sfz_info "selftest: $(wc -l <<<"$skips") test(s) skipped, not run:"
    sed 's/^/  /' <<<"$skips" >&2
    if [[ ${CI:-} == true ]]; then
      sfz_info "selftest: FAILED: a skip under CI=true is unexpected (every tool and binary is provided)"
      return 1
    fi
  fi
  return "$rc"
}

# sfz_selftest_skips JUNIT: one line per skipped test, "NAME: REASON" (its "skipped:" line).
sfz_selftest_skips() {
  python3 - "$1" <<'PY'
import sys, xml.etree.ElementTree as ET
for case in ET.parse(sys.argv[1]).getroot().iter("testcase"):
    if case.find("skipped") is None:
        continue
    out = case.findtext("system-out") or ""
    why = [l for l in out.splitlines() if l.startswith("skipped:")]
    print(f"{case.get('name')}: {why[-1][len('skipped:'):].strip() if why else 'exit 77 without a reason line'}")
PY
}
