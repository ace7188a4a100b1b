"""shmfuzz bench: a thin door to bench/run, which owns every option (docs/bench.md)."""

import os

from . import build, config, status
from .cli import command

_HELP = """usage: shmfuzz bench [--quick] [--out DIR]

  Runs bench/run: builds the release, libfuzzer and afl presets, measures fault-layer cost,
  harness throughput, enumeration speed, time to find each catalogue entry and the Valgrind
  replay rate, and writes DIR/results.json, DIR/results.md and DIR/throughput.png
  (default DIR: build/bench). --quick: smallest sizes (under 2 minutes once built).
  Full run: under 15 minutes on 2 cores. See docs/bench.md.
"""


@command("bench", "measure shmfuzz side by side (bench/run: JSON, Markdown table, throughput plot)",
         passthrough=True, build_dir=False, raw_help=_HELP)
def bench(argv):
    if argv[:1] in (["-h"], ["--help"]):
        status.out(_HELP.rstrip("\n"))
        return status.OK
    build.need_tree("bench")
    ensure_deps()
    os.execve(os.path.join(config.ROOT, "bench", "run"),
              [os.path.join(config.ROOT, "bench", "run"), *argv], config.self_env())
    return status.USAGE  # not reached


def ensure_deps():
    """The Debian packages (installs them when root, else says what to run)."""
    import sys

    from . import proc

    rc = proc.run([os.path.join(config.ROOT, "scripts", "install-deps")], stdout=sys.stderr)
    if rc != 0:
        status.die("installing the Debian packages failed (scripts/install-deps)")
