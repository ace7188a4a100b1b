"""Targets, the bug catalogue, and which target and build an input belongs to.

The targets come from a build's manifest shmfuzz-targets.tsv ("NAME<TAB>SUMMARY" a line,
written by cmake/ShmfuzzTarget.cmake): --build-dir's, else the dev build's, else any build's;
without a build, from the source tree (corpus/*/seeds and the catalogue).
"""

import glob
import os

from . import build, config, proc, status


def catalogue():
    """Rows (id, class, finding, description, found_by, pattern) of targets/bugs/catalogue.tsv."""
    rows = []
    try:
        with open(config.CATALOGUE, encoding="utf-8", errors="surrogateescape") as f:
            for line in f:
                if line.startswith("#"):
                    continue
                cols = line.rstrip("\n").split("\t")
                if len(cols) >= 6:
                    rows.append(cols)
    except OSError:
        pass
    return rows


def catalogue_field(target, n):
    """Column n (1 id, 2 class, 3 finding, 4 description, 5 found_by, 6 pattern) of bug-ID."""
    bug = target[4:] if target.startswith("bug-") else target
    for row in catalogue():
        if row[0] == bug:
            return row[n - 1]
    return ""


def _read_tsv(path):
    out = []
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            name, _, summary = line.partition("\t")
            out.append((name, summary))
    return out


def listing():
    """[(name, summary)] of every target."""
    if config.build_dir_override:  # the user's build: its targets and no others
        tsv = os.path.join(config.build_dir_override, build.MANIFEST)
        if not os.path.isfile(tsv):
            status.die(f"--build-dir {config.build_dir_override}: no {build.MANIFEST} there "
                       "(not a shmfuzz build)")
        return _read_tsv(tsv)
    if build.installed_prefix() and not build.given_dir("dev"):
        status.die(f"this shmfuzz is installed ({build.installed_prefix()}): it has no targets "
                   "of its own; point it at your build with --build-dir DIR (docs/adapters.md)")
    cands = []
    cands.append(os.path.join(build.builddir("dev"), build.MANIFEST))
    cands += sorted(glob.glob(os.path.join(config.ROOT, "build", "*", build.MANIFEST)))
    for tsv in cands:
        if os.path.isfile(tsv):
            return _read_tsv(tsv)
    out = []
    for d in sorted(glob.glob(os.path.join(config.ROOT, "corpus", "*", "seeds"))):
        out.append((os.path.basename(os.path.dirname(d)), "(not built yet)"))
    for row in catalogue():
        out.append((f"bug-{row[0]}", f"catalogue: {row[3]}"))
    return out


def names():
    return [n for n, _ in listing()]


def known(name):
    return name in names()


def need(name):
    if not known(name):
        status.die_usage(f"unknown target '{name}' (shmfuzz list shows them)")


def hardened_of(target):
    """The hardened target a catalogue entry is a broken copy of (itself otherwise)."""
    if target.startswith("bug-"):
        return "shmipc-" + catalogue_field(target, 6)
    return target


def dict_of(target, build_dir=None):
    """The dictionary of a target, or "": the one its build holds (corpus/NAME.dict, what
    shmfuzz_add_target's DICT copies there: an out-of-tree target has no other), else the
    tree's (bug-<id> uses its pattern's)."""
    if build_dir:
        f = os.path.join(build_dir, "corpus", target + ".dict")
        if os.path.isfile(f):
            return f
    f = os.path.join(config.ROOT, "corpus", hardened_of(target) + ".dict")
    return f if os.path.isfile(f) else ""


def header_field(path, field):
    """'# FIELD: VALUE' in the first 4 KiB of an input ("" when absent)."""
    try:
        with open(path, "rb") as f:
            head = f.read(4096).replace(b"\0", b"")
    except OSError:
        return ""
    key = f"# {field}:".encode()
    for line in head.splitlines():
        if line.startswith(key):
            value = line[len(key):].strip().split()
            return value[0].decode("utf-8", "surrogateescape") if value else ""
    return ""


def campaign_of(path):
    """The campaign.txt of the fuzz out dir path (a file or a dir) lies in, or None."""
    d = path if os.path.isdir(path) else os.path.dirname(path) or "."
    d = os.path.abspath(d)
    while True:
        c = os.path.join(d, "campaign.txt")
        if os.path.isfile(c):
            return c
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


def campaign_value(campaign, key):
    try:
        with open(campaign, encoding="utf-8", errors="surrogateescape") as f:
            for line in f:
                if line.startswith(key + "="):
                    return line[len(key) + 1:].rstrip("\n")
    except OSError:
        pass
    return ""


def target_of_file(path):
    """The target an input belongs to: its '# target:' header, a campaign.txt above it, or a
    parent directory named after a target (the corpus layout). "" when unknown."""
    t = header_field(path, "target")
    if t:
        return t
    d = os.path.dirname(os.path.abspath(path))
    all_names = set(names())
    while d and d != "/":
        c = os.path.join(d, "campaign.txt")
        if os.path.isfile(c):
            return campaign_value(c, "target")
        if os.path.basename(d) in all_names:
            return os.path.basename(d)
        d = os.path.dirname(d)
    return ""


ENGINE_PRESET = {"libfuzzer": "libfuzzer", "afl": "afl"}


def campaign_preset(path):
    """The preset whose build found what lies at path ("" if unknown)."""
    c = campaign_of(path)
    if not c:
        return ""
    return campaign_value(c, "preset") or ENGINE_PRESET.get(campaign_value(c, "engine"), "")


def need_target_of(cmd, where, given, guess):
    """--target, else guess(where); dies (usage) when neither names a known target."""
    target = given or guess(where)
    if not target:
        status.die_usage(f"{cmd}: cannot tell the target of {where}: give --target T")
    need(target)
    return target


def replay_setup(cmd, path, given_target, given_preset, tools=()):
    """What repro and minimize ask first of a saved input: (target, preset). The file must be
    readable; the target is --target or the file's (target_of_file); the tools must be on PATH;
    the preset is --preset or the campaign's (replay_preset)."""
    if not (os.path.isfile(path) and os.access(path, os.R_OK)):
        status.die_usage(f"{cmd}: {path}: no such readable file")
    target = need_target_of(cmd, path, given_target, target_of_file)
    proc.need_tool(*tools)
    return target, replay_preset(cmd, path, given_preset)


def replay_preset(cmd, path, given):
    """--preset, else the campaign's (said on stderr), else dev."""
    if given:
        return given
    p = campaign_preset(path)
    if p:
        status.info(f"{cmd}: replaying with preset '{p}', the build that found it "
                    "(campaign.txt; --preset P to change)")
        return p
    return "dev"
