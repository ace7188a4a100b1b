"""Builds: each preset at most once per command, quietly, the log path printed on failure.

Where a preset's build is (docs/cli.md "Builds"):
  --build-dir DIR (or SHMFUZZ_BUILD_DIR)  that build for every preset, as it is, never cmake:
                                          an in-tree build or a user's out-of-tree one with
                                          the manifest shmfuzz-targets.tsv
  SHMFUZZ_BUILD_<preset>=DIR              that build of the preset, as it is
  SHMFUZZ_NO_BUILD=1                      build/<preset> as it is, never cmake
  otherwise                               build/<preset>, configured and built by cmake
                                          (output to build/<preset>.log, a lock per preset),
                                          skipped when nothing in the tree changed since the
                                          last build that shmfuzz made (a stamp file)
"""

import fcntl
import os
import tempfile

from . import config, proc, status

MANIFEST = "shmfuzz-targets.tsv"
STAMP = ".shmfuzz-built"
# Where the sources are: a change under one of these (or a CMake file at the top) rebuilds.
_SOURCE_DIRS = ("cmake", "faults", "harness", "targets", "tools", "corpus", "tests", "tutorial",
                "bench", "examples", "include", "src")
_SOURCE_TOP = ("CMakeLists.txt", "CMakePresets.json")

_done = {}


def given_dir(preset):
    """The build the user pointed at for preset (--build-dir or SHMFUZZ_BUILD_<preset>)."""
    if config.build_dir_override:
        return config.build_dir_override
    return config.get(f"SHMFUZZ_BUILD_{preset}") or None


def builddir(preset):
    """Where the preset's build is, without building."""
    return given_dir(preset) or os.path.join(config.ROOT, "build", preset)


def installed_prefix():
    """PREFIX when this is an installed copy (PREFIX/share/shmfuzz/scripts, from cmake
    --install): no source tree to build, but PREFIX/bin and PREFIX/lib hold the tools."""
    if os.path.isfile(os.path.join(config.ROOT, "CMakePresets.json")):
        return None
    prefix = os.path.dirname(os.path.dirname(config.ROOT))
    return prefix if os.path.isfile(os.path.join(prefix, "lib", "libshmfault.so")) else None


def need_tree(cmd):
    """Commands that build and run the shmfuzz project itself (its tests, benchmarks, tour,
    CI job) need its source tree: an installed copy says so (exit 2) before doing anything."""
    if not os.path.isfile(os.path.join(config.ROOT, "CMakePresets.json")):
        status.die(f"{cmd} runs the shmfuzz project itself: use scripts/shmfuzz {cmd} in a "
                   f"checkout of it (this one is installed at {installed_prefix() or config.ROOT})")


def _has_tools(d):
    return (os.path.isfile(os.path.join(d, "lib", "libshmfault.so"))
            and os.access(os.path.join(d, "bin", "shmfault-enum"), os.X_OK))


def tools(preset):
    """A directory with lib/libshmfault.so and bin/shmfault-{enum,memcheck} for preset: its
    build when that has them, else the installed prefix (an out-of-tree build made with
    find_package(shmfuzz) holds only its targets)."""
    prefix = installed_prefix()
    if prefix and given_dir(preset) is None and config.get("SHMFUZZ_NO_BUILD") != "1":
        return prefix
    d = ensure(preset)
    if not _has_tools(d) and prefix:
        return prefix
    return d


def ensure(preset):
    """The build directory of preset, built first if we may and must. Exit 2 on failure."""
    if preset in _done:
        return _done[preset]
    d = given_dir(preset)
    if d is None and installed_prefix():
        # An installed shmfuzz has no tree to build and no targets of its own.
        status.die(f"this shmfuzz is installed ({installed_prefix()}): it builds nothing; point "
                   "it at your build with --build-dir DIR (docs/adapters.md)")
    if d is not None or config.get("SHMFUZZ_NO_BUILD") == "1":
        d = d or builddir(preset)
        if config.build_dir_override and not os.path.isfile(os.path.join(d, MANIFEST)):
            status.die(f"--build-dir {d}: no {MANIFEST} there (not a shmfuzz build)")
        if not os.path.isdir(os.path.join(d, "bin")):
            status.die(f"no build of preset '{preset}' in {d} (build it: cmake --workflow "
                       "--preset dev, or unset SHMFUZZ_NO_BUILD)")
        _done[preset] = os.path.abspath(d)
        return _done[preset]
    d = os.path.join(config.ROOT, "build", preset)
    if not _up_to_date(d):
        _cmake(preset, d)
    _done[preset] = d
    return d


def _newest_source():
    newest = 0.0
    for name in _SOURCE_TOP:
        try:
            newest = max(newest, os.stat(os.path.join(config.ROOT, name)).st_mtime)
        except OSError:
            pass
    for top in _SOURCE_DIRS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(config.ROOT, top)):
            dirnames[:] = [n for n in dirnames if not n.startswith(".")]
            try:
                newest = max(newest, os.stat(dirpath).st_mtime)
            except OSError:
                pass
            for n in filenames:
                try:
                    newest = max(newest, os.stat(os.path.join(dirpath, n)).st_mtime)
                except OSError:
                    pass
    return newest


def _up_to_date(d):
    """True when shmfuzz built d and no source changed since (so no cmake at all)."""
    try:
        built = os.stat(os.path.join(d, STAMP)).st_mtime
    except OSError:
        return False
    return os.path.isdir(os.path.join(d, "bin")) and _newest_source() <= built


def _cmake(preset, d):
    top = os.path.join(config.ROOT, "build")
    os.makedirs(top, exist_ok=True)
    log = os.path.join(top, f"{preset}.log")
    shown = os.path.relpath(log) if log.startswith(os.getcwd() + os.sep) else log
    status.info(f"building preset '{preset}' (log: {shown})")
    started = _newest_source()
    # One build of a preset at a time: commands and tests may run side by side.
    with open(os.path.join(top, f".{preset}.lock"), "w") as lock, open(log, "wb") as out:
        fcntl.flock(lock, fcntl.LOCK_EX)
        rc = proc.run(["cmake", "--preset", preset], cwd=config.ROOT, stdout=out, stderr=out)
        if rc == 0:
            rc = proc.run(["cmake", "--build", "--preset", preset], cwd=config.ROOT, stdout=out,
                          stderr=out)
    if rc != 0:
        with open(log, "rb") as f:
            tail = f.read().splitlines()[-25:]
        for line in tail:
            status._write(__import__("sys").stderr, proc.text(line) + "\n")
        status.die(f"build of preset '{preset}' failed (full log: {log})")
    # The stamp gets the sources' time as the build started: an edit during the build rebuilds.
    stamp = os.path.join(d, STAMP)
    with open(stamp, "w") as f:
        f.write("built by shmfuzz\n")
    os.utime(stamp, (started, started))


def preloadable(lib):
    """lib as LD_PRELOAD can name it. ld.so splits LD_PRELOAD at spaces and colons with no
    escape, so a prefix or build under "/home/me/my tools" cannot be preloaded as it is
    ("object '/home/me/my' cannot be preloaded"): such a path gets a symlink in a temporary
    directory with a plain path (removed when the command ends)."""
    def plain(p):
        return not any(c in p for c in " :\t\n")

    if plain(lib):
        return lib
    from . import workdir

    tmp = tempfile.gettempdir()
    d = workdir.make("lib", parent=tmp if plain(tmp) else "/tmp")
    link = os.path.join(d, os.path.basename(lib))
    os.symlink(os.path.abspath(lib), link)
    return link


def binary(build, target, kind):
    """bin/sfz-TARGET-KIND of a build (kind: replay, libfuzzer, afl)."""
    return os.path.join(build, "bin", f"sfz-{target}-{kind}")


def need_binary(path, preset):
    if not os.access(path, os.X_OK):
        status.die(f"{path} is not built (preset {preset})")
    return path


def need_built(preset, target, kind):
    """sfz-TARGET-KIND of preset's build, built first if needed; dies when it is not there."""
    return need_binary(binary(ensure(preset), target, kind), preset)
