"""shmfuzz selftest: install deps, build the ci preset and run the whole suite (ctest)."""

import os
import xml.etree.ElementTree as ET

from . import build, config, proc, status
from .cli import command
from .cmd_bench import ensure_deps


@command("selftest", "install deps, build and run the whole test suite (ctest)", build_dir=False,
         about="Builds the 'ci' preset (warnings are errors) and runs ctest. Afterwards every skipped\n"
               "test is listed with its reason. With CI=true a skipped test fails the selftest:\n"
               "scripts/install-deps installed every tool and the presets build every binary, so a\n"
               "skip there hides a broken check (docs/testing.md).",
         exit_status="0 every test passed, 1 a test failed (or was skipped under CI=true),\n"
                     "2 set-up error")
def selftest(a):
    build.need_tree("selftest")
    ensure_deps()
    root = config.ROOT
    junit = os.path.join(root, "build", "ci", "selftest-junit.xml")
    # The steps of the ci workflow preset, with a JUnit file: it tells skipped from passed.
    for step in (["cmake", "--preset", "ci"], ["cmake", "--build", "--preset", "ci"]):
        if proc.run(step, cwd=root, stdin=None) != 0:
            return status.FINDING
    try:
        os.unlink(junit)
    except FileNotFoundError:
        pass
    rc = proc.run(["ctest", "--preset", "ci", "--output-junit", junit], cwd=root, stdin=None)
    try:
        skips = skipped(junit)
    except (OSError, ET.ParseError):
        status.info(f"selftest: no readable {junit}")
        return status.FINDING
    if skips:
        status.info(f"selftest: {len(skips)} test(s) skipped, not run:")
        for s in skips:
            status._write(__import__("sys").stderr, f"  {s}\n")
        if os.environ.get("CI") == "true":
            status.info("selftest: FAILED: a skip under CI=true is unexpected (every tool and binary "
                        "is provided)")
            return status.FINDING
    return status.OK if rc == 0 else status.FINDING


def skipped(junit):
    """One line per skipped test, "NAME: REASON" (its last "skipped:" line)."""
    out = []
    for case in ET.parse(junit).getroot().iter("testcase"):
        if case.find("skipped") is None:
            continue
        why = [ln for ln in (case.findtext("system-out") or "").splitlines() if ln.startswith("skipped:")]
        reason = why[-1][len("skipped:"):].strip() if why else "exit 77 without a reason line"
        out.append(f"{case.get('name')}: {reason}")
    return out
