"""Where the tree is, and the command's own configuration variables (docs/cli.md).

SHMFUZZ_* variables that are not the harness's are taken out of os.environ at import: the
harness warns about every SHMFUZZ_* name it does not know, and a replay's output should be the
replay's. They stay readable with get(), and self_env() gives them back to a nested shmfuzz.
"""

import os

SCRIPTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.environ.get("SHMFUZZ_ROOT") or os.path.dirname(SCRIPTS)
SELF = os.path.join(SCRIPTS, "shmfuzz")
CATALOGUE = os.path.join(ROOT, "targets", "bugs", "catalogue.tsv")

# The harness's own variables (docs/harness.md): passed through to the programs.
HARNESS_VARS = frozenset(
    ("SHMFUZZ_OP_TIMEOUT_MS", "SHMFUZZ_ALWAYS_FORK", "SHMFUZZ_PRIVATE_IPC", "SHMFUZZ_MUTATOR",
     "SHMFUZZ_INSIDE", "SHMFUZZ_INSIDE_SUPPRESS")
)

_CONFIG = {}
for _name in list(os.environ):
    if _name.startswith("SHMFUZZ_") and _name not in HARNESS_VARS:
        _CONFIG[_name] = os.environ.pop(_name)

# --build-dir DIR (global option; SHMFUZZ_BUILD_DIR=DIR the same): an existing build, in-tree
# or a user's out-of-tree one, used as it is for every preset (no cmake).
build_dir_override = _CONFIG.get("SHMFUZZ_BUILD_DIR") or None


def get(name, default=""):
    """The value of one of our configuration variables (default when unset)."""
    return _CONFIG.get(name, default)


def self_env():
    """The environment for running shmfuzz again from a subcommand."""
    env = dict(os.environ)
    env.update(_CONFIG)
    if build_dir_override:
        env["SHMFUZZ_BUILD_DIR"] = build_dir_override
    return env


def tty():
    """A terminal gets a live status line; CI and pipes get a plain line every few seconds."""
    import sys

    return (
        sys.stderr.isatty()
        and os.environ.get("CI") != "true"
        and os.environ.get("TERM", "dumb") != "dumb"
    )
