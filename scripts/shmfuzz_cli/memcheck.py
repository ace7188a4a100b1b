"""memcheck.py: heap leaks and memory errors in `shmfuzz run` and `shmfuzz enumerate` (issue
#15; docs/cli.md "Heap leaks and memory errors").

The options (--valgrind, --valgrind-supp, --valgrind-reachable) go to shmfault-enum or
shmfault-memcheck (tools/memcheck.c), which start the program under memcheck and judge what it
reports; sanitizer reports need no option. A command declares OPTS among its options and calls
Memcheck(args).prepare(...) before it starts anything.
"""
import glob
import os
import shutil

from . import config, proc, status, workdir
from .cli import Opt


def _readable(value):
    if not (os.path.isfile(value) and os.access(value, os.R_OK)):
        status.die_usage(f"cannot read --valgrind-supp '{value}'")
    return os.path.realpath(value)


OPTS = [
    Opt("--valgrind", help="every run under Valgrind memcheck: a heap leak the clean run does\n"
        "not have, or a memory error, is a finding (leak-heap, memory-error) with its stack"),
    Opt("--valgrind-supp", "F", repeat=True, kind=_readable,
        help="more memcheck suppressions (repeatable; ci/valgrind.supp always applies)"),
    Opt("--valgrind-reachable", help="still-reachable blocks count as leaks too"),
]


class Memcheck:
    """The memcheck options of one command line."""

    def __init__(self, args):
        self.valgrind = bool(getattr(args, "valgrind", False))
        self.supp = list(getattr(args, "valgrind_supp", []) or [])
        self.reachable = bool(getattr(args, "valgrind_reachable", False))
        self.dir = None

    @property
    def given(self):
        return self.valgrind or bool(self.supp) or self.reachable

    def words(self):
        """The user's options as words (reproducers carry them)."""
        w = ["--valgrind"] if self.valgrind else []
        for s in self.supp:
            w += ["--valgrind-supp", s]
        return w + (["--valgrind-reachable"] if self.reachable else [])

    def tool_opts(self):
        """The options as shmfault-enum / shmfault-memcheck take them (ours added)."""
        if not self.valgrind:
            return []
        return self.words() + ["--valgrind-supp", os.path.join(config.ROOT, "ci", "valgrind.supp")]

    def prepare(self, cmd, target=""):
        """Checks the options and sets the sanitizers' environment: a program built with
        AddressSanitizer must start behind LD_PRELOAD=libshmfault.so (ASan refuses to when its
        runtime is not first; libshmfault passes calls on with RTLD_NEXT, so ASan still sees
        them), and a sanitizer's report is judged from the report while the exit status stays
        the program's own (LeakSanitizer would turn a clean exit 0 into 1 or 23 and hide a
        swallowed error)."""
        if target and self.given:
            status.die_usage(f"{cmd}: --valgrind is for programs; a harness input: "
                             "shmfuzz repro FILE --valgrind")
        if self.given and not self.valgrind:
            status.die_usage(f"{cmd}: --valgrind-supp and --valgrind-reachable go with --valgrind")
        env = os.environ
        if "verify_asan_link_order" not in env.get("ASAN_OPTIONS", ""):
            env["ASAN_OPTIONS"] = _add(env.get("ASAN_OPTIONS", ""), "verify_asan_link_order=0")
        for v in ("ASAN_OPTIONS", "LSAN_OPTIONS"):
            if "exitcode" not in env.get(v, ""):
                env[v] = _add(env.get(v, ""), "exitcode=0")
        if self.valgrind and not proc.which("valgrind"):
            status.die(f"{cmd}: --valgrind: valgrind is not installed")

    # ---- `shmfuzz run` -----------------------------------------------------------------------
    def run_command(self, tool, argv):
        """The command to run (memcheck in front with --valgrind); self.dir receives the
        reports. Sanitizer reports go to files there too (log_path), so the program's stderr
        stays its own (a terminal stays one). The directory outlives us when it holds a
        finding (run_verdict says where)."""
        # removed on every exit path (a program that is not there, Ctrl-C) unless it holds a
        # finding: run_verdict keeps it then
        self.dir = workdir.make("memcheck")
        for v in ("ASAN_OPTIONS", "LSAN_OPTIONS", "UBSAN_OPTIONS"):
            if "log_path" not in os.environ.get(v, ""):
                os.environ[v] = _add(os.environ.get(v, ""), f"log_path={self.dir}/sanitizer")
        if not self.valgrind:
            return list(argv)
        if not os.access(tool, os.X_OK):
            status.die(f"run: {tool} is not built")
        rc, out = proc.capture([tool, "command"] + self.tool_opts() +
                               ["--logdir", os.path.join(self.dir, "valgrind"), "--"] + list(argv),
                               merge=False)
        cmd = [w for w in out.split("\0") if w]
        if rc != 0 or not cmd:
            status.die(f"run: cannot start {argv[0]} under Valgrind")
        return cmd

    def run_verdict(self, tool, rc):
        """Judges the run: rc stands, or FINDING when memcheck or a sanitizer reported
        something (the reports printed and kept)."""
        reports = sorted(glob.glob(glob.escape(self.dir) + "/sanitizer.*"))
        with open(os.path.join(self.dir, "stderr"), "wb") as out:
            for r in reports:
                with open(r, "rb") as f:
                    out.write(f.read())
        _, verdict = proc.capture([tool, "judge", self.dir], merge=False)
        verdict = verdict.rstrip("\n")
        if not verdict or verdict.startswith("ok\t"):
            shutil.rmtree(self.dir, ignore_errors=True)
            return rc
        for r in reports:
            with open(r, "rb") as f:
                status._write(__import__("sys").stderr, proc.text(f.read()))
        kind, _, why = verdict.partition("\t")
        status.info(f"run: FINDING {kind}: {why}")
        workdir.keep(self.dir)
        status.info(f"run: every report: {self.dir}/memcheck.txt")
        return status.FINDING


def _add(value, item):
    return f"{value}:{item}" if value else item
