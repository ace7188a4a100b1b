"""shmfuzz cmin: shrink a corpus to the inputs that keep its coverage. The engine decides what
coverage is; shmfuzz gives it the right binary and leaves the input directory untouched."""

import os

from . import build, engines, proc, status, targets, workdir
from .cli import Arg, Opt, command


@command("cmin", "shrink a corpus to the inputs that keep its coverage (afl-cmin or libFuzzer -merge=1)",
         args=[Arg("TARGET", missing="cmin: needs TARGET and DIR (shmfuzz cmin --help)"),
               Arg("DIR", missing="cmin: needs TARGET and DIR (shmfuzz cmin --help)")],
         opts=[Opt("--engine", "E", kind=["libfuzzer", "afl"], default="libfuzzer",
                   help="libfuzzer (default) or afl"),
               Opt("--out", "OUT", help="the new corpus directory (must not exist or be empty)")],
         about="Keeps the inputs of DIR that together reach all the coverage DIR reaches on TARGET, and\n"
               "writes them to OUT (default DIR.cmin). DIR itself is not changed. libFuzzer uses\n"
               "-merge=1, AFL++ afl-cmin on the persistent driver.",
         exit_status="0 done, 2 usage or set-up error")
def cmin(a):
    targets.need(a.target)
    if not os.path.isdir(a.dir):
        status.die_usage(f"cmin: {a.dir}: no such directory")
    d = os.path.abspath(a.dir)
    out = os.path.abspath(a.out or d + ".cmin")
    if os.path.exists(out) and (not os.path.isdir(out) or os.listdir(out)):
        status.die_usage(f"cmin: {out} exists and is not empty")
    if a.engine == "afl":
        proc.need_tool("afl-cmin")
    binary = build.need_built(engines.PRESET[a.engine], a.target, a.engine)
    before = _count(d)
    status.info(f"cmin: {before} input(s) of {d} on {a.target} with {a.engine}")
    with workdir.temp("cmin") as work:
        log = os.path.join(work, "log")
        with open(log, "wb") as fh:
            if a.engine == "libfuzzer":
                os.makedirs(out, exist_ok=True)
                # plain names: -merge=1 re-runs the binary through sh -c, unquoted
                env = engines.plain_names(work, engine=binary, out=out, corpus=d)
                rc = proc.run(["./engine", "-merge=1", "-timeout=10", "out", "corpus"], env=env,
                              cwd=work, stdout=fh, stderr=fh)
            else:
                if os.path.isdir(out):
                    os.rmdir(out)
                os.makedirs(os.path.dirname(out), exist_ok=True)
                # afl-cmin refuses paths under /tmp (its own temp files could be raced there);
                # ours are private mkdtemp directories or the user's choice, so it may.
                rc = proc.run([*engines.afl_wrap(), "afl-cmin", "-t", "10000", "-i", d, "-o", out,
                               "--", binary], cwd=work, stdout=fh, stderr=fh,
                              env=proc.env_with(AFL_ALLOW_TMP=1, AFL_SKIP_CPUFREQ=1))
        if rc != 0:
            with open(log, "rb") as fh:
                for line in fh.read().splitlines()[-20:]:
                    status._write(__import__("sys").stderr, proc.text(line) + "\n")
            what = "libFuzzer -merge=1" if a.engine == "libfuzzer" else "afl-cmin"
            status.die(f"cmin: {what} failed")
    status.info(f"cmin: kept {_count(out)} of {before} input(s): {out}")
    return status.OK


def _count(d):
    try:
        return sum(1 for n in os.listdir(d) if os.path.isfile(os.path.join(d, n)))
    except OSError:
        return 0
