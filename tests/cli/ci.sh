#!/usr/bin/env bash
# ci.sh SOURCE_DIR DEV_BUILD LIBFUZZER_BUILD: shmfuzz ci on a small budget writes a well-formed
# JUnit file and summary; every regression passes; its exit status agrees with the failures.
# The campaign runs on the hardened shmipc-kv: any finding is a false one, so ci must exit 0.
set -uo pipefail
SFZ_SRC=$1
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
use_build dev "$2"
use_build libfuzzer "$3"

run_sfz ci --time-per-target 2 --engines libfuzzer --targets shmipc-kv --out "$WORK/ci"
[[ $status == 0 ]] && pass "ci on the hardened shmipc-kv passed (exit 0)" ||
  { fail "ci exit $status, want 0 (hardened target: a finding or failure is a bug)"; echo "$err" | tail -n 20; }
python3 - "$WORK/ci/junit.xml" "$status" <<'PY' && pass "junit.xml parses; failures agree with the exit status" || fail "junit.xml"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
cases = root.findall(".//testcase")
failed = [c for c in cases if c.find("failure") is not None]
assert int(root.get("failures")) == len(failed), "failures attribute"
assert (len(failed) > 0) == (sys.argv[2] == "1"), f"exit {sys.argv[2]} with {len(failed)} failures"
classes = {c.get("classname") for c in cases}
for want in ("shmfuzz.build", "shmfuzz.regression", "shmfuzz.fuzz.libfuzzer"):
    assert want in classes, f"no {want} test case"
bad = [c.get("name") for c in failed if c.get("classname") == "shmfuzz.regression"]
assert not bad, f"regressions failed: {bad}"
regs = [c for c in cases if c.get("classname") == "shmfuzz.regression"]
assert len(regs) >= 10, f"only {len(regs)} regressions"
print(f"{len(cases)} test cases, {len(failed)} failed, {len(regs)} regressions")
PY
expect_in "$(cat "$WORK/ci/summary.md")" "^# shmfuzz ci: (passed|FAILED)" "summary.md written"
expect_in "$(cat "$WORK/ci/summary.md")" "enumerate.tutorial-shm-writer \| pass \| known-buggy" \
  "tutorial enumeration is reported, not failed"
finish
