"""cmd_enumerate.py: `shmfuzz enumerate`: fail every shm call of a program in turn and report
the matrix.

Black box: shmfault-enum (tools/) starts the program once under LD_PRELOAD=libshmfault.so, as
PID 1 of its own PID, IPC and mount namespaces, and runs every cell as a fork of it (the
library's fork server) in a fresh IPC namespace and /dev/shm: one clean run lists the fault
points (function, per-process call number) from libshmfault's trace; then every point is
failed with each documented errno (and, with --crash, killed before and after the real call),
bounded in time, and judged from the exit status, the trace and the objects left (docs/cli.md
"enumerate: the matrix" defines the outcomes). Harness inputs (--target) go through the same
matrix driver and judge with another cell runner: one replay per cell, the fault line added to
the input's program, judged by the harness's verdict. This module parses the options and
writes the report (report.py); shmfault-enum runs and judges every cell.
"""
import os
import shutil
import sys
import time

from . import build, memcheck, proc, status, targets, workdir
from .cli import Arg, Opt, command
from .report import Matrix, read_cells, visible

ABOUT = """\
Fails every intercepted shm/semaphore call of PROGRAM in turn and reports what the program
did: ok, error-exit, swallowed, crash, leak or hang (docs/cli.md). With --target, FILE is a
harness input of target T and each cell is a fault line added to its program, judged by the
harness's oracles (verdict ok or a finding kind).
  shmfuzz enumerate [OPTIONS] -- PROGRAM [ARGS...]
  shmfuzz enumerate [OPTIONS] --target T FILE
Sanitizer reports (-fsanitize=address/leak/undefined builds) are findings without --valgrind.
Writes REPORT/report.md, report.json, junit.xml and cells.tsv, and REPORT/runs/CELL/ for
every non-ok cell."""

EXIT = """\
0 every cell ok, 1 a non-ok cell (or the clean run leaves objects),
2 usage or set-up error, or the clean run fails, 77 namespaces unavailable"""


def _baseline(value):
    if not value.isdigit() or not 1 <= int(value) <= 8:
        status.die_usage("enumerate: --baseline is 1..8")
    return int(value)


def _jobs(value):
    if not value.isdigit() or int(value) < 1:
        status.die_usage(f"enumerate: --jobs wants a whole number >= 1, not '{value}'")
    if int(value) > 64:
        status.die_usage("enumerate: --jobs is 1..64")
    return int(value)


def _errnos(value):
    if value not in ("realistic", "peer", "documented", "all", "first"):
        status.die_usage("enumerate: --errnos is realistic, peer, documented (or all) or first")
    return value


OPTS = [
    Opt("--errnos", "MODE", default="realistic", kind=_errnos,
        help="realistic (default): what the kernel can return for a valid call of\n"
        "that class on a live object; peer: also \"a peer removed it\";\n"
        "documented (or all): every errno of the man page; first: one realistic"),
    Opt("--baseline", "N", default=3, kind=_baseline,
        help="run the clean run N times (default 3; 1..8): a failing clean run stops\n"
        "enumerate (exit 2), an unstable one is reported"),
    Opt("--suppressions", "FILE",
        help="objects the program keeps by design, not leaks (SHMFAULT_SUPPRESSIONS\n"
        "format, docs/faults.md)"),
    Opt("--crash", help="also SIGKILL each point, before and after the real call"),
    Opt("--timeout", "S", default=5, kind="uint", help="a run longer than S seconds is a hang (default 5)"),
    Opt("--report", "DIR", help="where report.md, report.json, junit.xml and the non-ok cells go\n"
        "(default shmfuzz-out/enumerate-NAME-DATE)"),
    Opt("--rule", "RULE", help="run one cell only (RULE as libshmfault takes it, e.g.\n"
        "'shmat@1=ENOMEM') and show everything about it: the reproducer the report gives"),
    Opt("--max-points", "N", default=0, kind="uint", help="only the first N fault points (default: all)"),
    Opt("--jobs", "N", default=1, kind=_jobs,
        help="N cells run side by side (fork servers, or replays; default 1)"),
    Opt("--preset", "P", default="dev", help="the build whose libshmfault.so and tools are used (default dev)"),
    Opt("--target", "T", help="FILE is a harness input of target T (one replay per cell)"),
] + memcheck.OPTS


@command("enumerate", "systematic fault enumeration: fail every shm call of a program, report the matrix",
         args=[Arg("FILE", required=False)], opts=OPTS, rest="PROGRAM [ARGS...]", about=ABOUT,
         exit_status=EXIT)
def enumerate_cmd(a):
    prog = list(a.rest)
    if a.target is not None:
        if a.file is None or prog:
            status.die_usage("enumerate: --target T takes one FILE and no '-- PROGRAM'")
        if not os.path.isfile(a.file):
            status.die_usage(f"enumerate: {a.file}: no such file")
        targets.need(a.target)
    else:
        if a.file is not None:
            status.die_usage("enumerate: put the program after '--' (shmfuzz enumerate --help)")
        if not prog:
            status.die_usage("enumerate: which program? (shmfuzz enumerate -- PROGRAM ARGS...)")
        found = shutil.which(prog[0]) if "/" not in prog[0] else (
            prog[0] if os.path.isfile(prog[0]) and os.access(prog[0], os.X_OK) else None)
        if found is None:
            status.die_usage(f"enumerate: {prog[0]}: no such program")
        prog[0] = os.path.realpath(found)
    supp = a.suppressions if a.suppressions is not None else os.environ.get("SHMFAULT_SUPPRESSIONS", "")
    if supp:
        if not (os.path.isfile(supp) and os.access(supp, os.R_OK)):
            status.die_usage(f"enumerate: --suppressions {supp}: no such readable file")
        supp = os.path.realpath(supp)
        os.environ["SHMFAULT_SUPPRESSIONS"] = supp
    mc = memcheck.Memcheck(a)
    mc.prepare("enumerate", a.target or "")
    if proc.capture(["unshare", "-ipmf", "--mount-proc", "true"])[0] != 0:
        raise status.Skipped("enumerate: IPC, mount and PID namespaces are needed (run as root)")
    d = build.tools(a.preset)
    lib = os.path.join(d, "lib", "libshmfault.so")
    tool = os.path.join(d, "bin", "shmfault-enum")
    if not (os.path.isfile(lib) and os.access(tool, os.X_OK)):
        status.die(f"enumerate: {lib} or {tool} is not built (preset {a.preset})")
    real_lib, lib = lib, build.preloadable(lib)  # the report names the real one

    opts = ["--errnos", a.errnos, "--timeout", str(a.timeout), "--jobs", str(a.jobs),
            "--baseline", str(a.baseline)]
    if supp:
        opts += ["--suppressions", supp]
    if a.crash:
        opts.append("--crash")
    if a.max_points:
        opts += ["--max-points", str(a.max_points)]
    if a.rule is not None:
        opts += ["--rule", a.rule]
    opts += mc.tool_opts()
    if a.target is not None:
        replay = build.binary(build.ensure(a.preset), a.target, "replay")
        if not os.access(replay, os.X_OK):
            status.die(f"enumerate: {replay} is not built")
        input_path = os.path.realpath(a.file)
        matrix_args = dict(mode="harness", argv=[replay, "--quiet", input_path],
                           target=a.target, input_path=input_path)
        run = ["--replay", replay, "--input", input_path]
        name = f"{a.target}-{os.path.basename(a.file)}"
    else:
        matrix_args = dict(mode="preload", argv=prog, lib=real_lib, memcheck=mc.words())
        run = ["--lib", lib, "--"] + prog
        name = os.path.basename(prog[0])
    matrix_args["command"] = _self_name()
    report = a.report or "shmfuzz-out/enumerate-%s-%s" % (name.split(".")[0],
                                                          time.strftime("%Y%m%d-%H%M%S"))
    try:
        os.makedirs(report, exist_ok=True)
    except OSError as e:
        status.die(f"enumerate: cannot create {report}: {e.strerror}")
    report = os.path.abspath(report)
    return _run(tool, report, a.rule, opts + run, matrix_args)


def _run(tool, report, rule, args, matrix_args):
    """The whole matrix (rule None) or the one cell of RULE in one run of shmfault-enum; then
    the report, or everything about the cell."""
    runs = os.path.join(report, "runs")
    shutil.rmtree(runs, ignore_errors=True)
    how = "one replay each" if matrix_args["mode"] == "harness" else "through the fork server"
    status.info(f"enumerate: clean run of {visible(' '.join(matrix_args['argv']))} "
                f"(then every cell, {how})")
    tsv = os.path.join(runs, "cells.tsv")
    try:
        rc = proc.run([tool, "--runs", runs] + args, stdin=None)
    except (KeyboardInterrupt, status.Interrupted):
        # Ctrl-C: the cells judged so far are in cells.tsv (shmfault-enum writes each row as
        # soon as it is judged): they are reported before we stop, not lost.
        if rule is not None or not os.path.isfile(tsv):
            raise
        with workdir.block_interrupts():
            return _partial(tsv, report, matrix_args)
    if rc > 1 or not os.path.isfile(tsv):
        # shmfault-enum said why on stderr (a clean run that fails, a bad rule, ...)
        status.die(f"enumerate: stopped: shmfault-enum exit {rc} (its message is above)")
    os.replace(tsv, os.path.join(report, "cells.tsv"))
    rows = read_cells(os.path.join(report, "cells.tsv"))
    if rule is not None:
        return _show_cell(os.path.join(runs, "cell"), rows[0] if rows else None, rc)
    m = Matrix(rows, **matrix_args)
    m.write(report)
    for line in m.summary(os.path.join(report, "report.md")):
        status.info(line)
    return status.FINDING if m.bad else status.OK


def _partial(tsv, report, matrix_args):
    """The report of an interrupted matrix: the rows done (a row cut short dropped)."""
    with open(tsv, "rb") as f:
        data = f.read()
    with open(os.path.join(report, "cells.tsv"), "wb") as f:
        f.write(data[:data.rfind(b"\n") + 1])
    os.remove(tsv)
    rows = read_cells(os.path.join(report, "cells.tsv"))
    m = Matrix(rows, **matrix_args)
    m.write(report)
    with open(os.path.join(report, "report.md"), "a", encoding="utf-8") as f:
        f.write(f"\n**Interrupted** (Ctrl-C or SIGTERM): only the {len(rows)} row(s) above were "
                "run; the rest of the matrix was not.\n")
    for line in m.summary(os.path.join(report, "report.md")):
        status.info(line)
    status.info(f"enumerate: interrupted: the {len(rows)} row(s) done are reported")
    return status.FINDING if m.bad else status.INTERRUPTED


def _show_cell(cell_dir, row, rc):
    """What --rule prints about its cell."""
    if row is None:
        status.die("enumerate: shmfault-enum wrote no row for the rule")
    out = sys.stdout.buffer
    sys.stdout.flush()

    def line(text):
        out.write(proc.raw(text) + b"\n")

    line(f"== rule: {row['fault']}")
    line(f"== exit status: {row['status']}")
    for f in ("input.txt", "stdout", "stderr", "left", "ledger", "trace.jsonl", "memcheck.txt"):
        p = os.path.join(cell_dir, f)
        try:
            if os.path.getsize(p) == 0:
                continue
            with open(p, "rb") as fh:
                data = fh.read()
        except OSError:
            continue
        line(f"== {f}")
        out.write(data)
        if not data.endswith(b"\n"):
            out.write(b"\n")
    line(f"== outcome: {row['outcome']}: {row['why']}")
    out.flush()
    return status.FINDING if rc == 1 else status.OK


def _self_name():
    """How a reproducer names this command: installed, it is on PATH as shmfuzz."""
    return "shmfuzz" if build.installed_prefix() else "scripts/shmfuzz"
