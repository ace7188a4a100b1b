"""cmd_ci.py: `shmfuzz ci`: the unattended job: build, regressions, Valgrind, fuzz the hardened
targets, enumerate; JUnit and Markdown.

Every check is one JUnit test case (OUT/junit.xml) and one line of OUT/summary.md, both
written from one list of checks (report.Checks), also when a build fails or the job is
interrupted. What fails the job: a regression that no longer behaves (a catalogue reproducer
must give its finding on bug-<id> and verdict ok on the hardened twin; any other reproducer
must replay ok), a Valgrind error on a hardened target's seeds, a finding while fuzzing a
hardened target. What does not: the tutorial programs' enumeration. They are buggy on purpose
(docs/targets.md); their non-ok cells are reported in the summary, never failed on.
Campaigns and enumerations are `shmfuzz fuzz` and `shmfuzz enumerate` run as programs, their
output in OUT/fuzz/E-T.log and OUT/enumerate/tutorial-NAME.log.
"""
import glob
import os
import re
import signal
import subprocess
import time

from . import build, config, isolate, proc, status, targets
from .replay import kind_from_output, valgrind_opts
from .cli import Opt, command
from .report import Checks

HARDENED = ["raw", "shmipc-kv", "shmipc-record", "shmipc-ring", "shmipc-file"]
ENGINES = {"libfuzzer": "libfuzzer", "afl": "afl"}  # engine -> the preset of its drivers
STEPS = ("regressions", "valgrind", "fuzz", "enumerate")
# Tutorial programs and the arguments of a run that stands alone (no peer needed).
TUTORIALS = [["shm-writer", "hello"], ["record", "update", "7", "alice"], ["producer", "2"],
             ["posix-writer", "hello"], ["mmap-writer", "hello"]]

ABOUT = """\
The unattended job (CI=true, no terminal): builds the presets it needs, replays
corpus/regressions/, replays each hardened target's seeds under Valgrind, fuzzes each
hardened target for S seconds per engine (it must find nothing), and enumerates the
bundled tutorial programs (reported, never failed: they are buggy on purpose).
Writes OUT/junit.xml and OUT/summary.md."""


def _list(value):
    return [v for v in value.split(",") if v]


@command("ci", "the unattended job: build, regressions, Valgrind, fuzz hardened targets, enumerate; JUnit",
         about=ABOUT, exit_status="0 clean, 1 findings or failed checks, 2 usage or set-up error (a build failed)",
         opts=[Opt("--time-per-target", "S", default=60, kind="uint",
                   help="seconds of fuzzing per target and engine (default 60)"),
               Opt("--engines", "LIST", default="libfuzzer,afl",
                   help="comma-separated: libfuzzer,afl (default both)"),
               Opt("--targets", "LIST", help="hardened targets to fuzz and check under Valgrind\n"
                   "(default " + ",".join(HARDENED) + ")"),
               Opt("--out", "DIR", help="default shmfuzz-out/ci-DATE"),
               Opt("--skip", "STEPS", default="", help="comma-separated steps to leave out: "
                   "regressions, valgrind, fuzz,\nenumerate")])
def ci_cmd(a):
    build.need_tree("ci")
    engines = _list(a.engines)
    for e in engines:
        if e not in ENGINES:
            status.die_usage(f"ci: --engines takes libfuzzer and/or afl, not '{e}'")
    tlist = _list(a.targets) if a.targets else HARDENED
    for t in tlist:
        targets.need(t)
    skip = _list(a.skip)
    for s in skip:
        if s not in STEPS:
            status.die_usage(f"ci: --skip takes regressions, valgrind, fuzz, enumerate (not '{s}')")
    out = a.out or "shmfuzz-out/ci-" + time.strftime("%Y%m%d-%H%M%S")
    try:
        os.makedirs(out, exist_ok=True)
    except OSError as e:
        status.die(f"ci: cannot create {out}: {e.strerror}")
    job = Job(os.path.abspath(out), a.time_per_target)
    try:
        return job.run(engines, tlist, skip)
    finally:
        job.report()  # whatever ended the job (a failed build, Ctrl-C): what it did so far


class Job:
    def __init__(self, out, secs):
        self.out, self.secs = out, secs
        self.checks = Checks(out)
        self.t0 = time.monotonic()
        self.dev = None

    def result(self, cls, name, result, t, msg="", details=""):
        seconds = int(time.monotonic() - t) if t else 0
        self.checks.add(cls, name, result, seconds, msg, details)
        status.info(f"ci: {result} {cls}.{name}" + (f": {msg}" if msg else ""))

    def report(self):
        secs = int(time.monotonic() - self.t0)
        self.checks.write(secs)
        status.info(f"ci: {len(self.checks.cases)} checks, {len(self.checks.failed)} failed; "
                    f"{self.out}/summary.md, {self.out}/junit.xml")

    def run(self, engines, tlist, skip):
        self.dev = self.build("dev")
        if "fuzz" not in skip:
            for e in engines:
                if e == "afl" and not proc.which("afl-fuzz"):
                    self.result("build", e, "skip", 0, "afl-fuzz not installed")
                    continue
                self.build(ENGINES[e])
        if "regressions" not in skip:
            self.regressions()
        if "valgrind" not in skip:
            self.valgrind(tlist)
        if "fuzz" not in skip:
            for e in engines:
                if e == "afl" and not proc.which("afl-fuzz"):
                    continue
                for t in tlist:
                    self.fuzz(e, t)
        if "enumerate" not in skip:
            self.enumerate()
        return status.FINDING if self.checks.failed else status.OK

    # ---- builds: a failure is a set-up error (exit 2), in the JUnit file too
    def build(self, preset):
        t = time.monotonic()
        try:
            d = build.ensure(preset)
        except status.ShmfuzzError:
            self.result("build", preset, "fail", t, f"build failed (build/{preset}.log)")
            raise
        self.result("build", preset, "pass", t, d)
        return d

    # ---- regressions
    def regressions(self):
        """Each reproducer under corpus/regressions/: a catalogue one gives its finding on
        bug-<id> and ok on the hardened twin; any other replays ok on its target (the bug it
        caught is fixed)."""
        top = os.path.join(config.ROOT, "corpus", "regressions")
        for f in sorted(glob.glob(glob.escape(top) + "/*/*.txt")):
            t = time.monotonic()
            name = os.path.relpath(f, top)
            target = targets.target_of_file(f) or ""
            os.makedirs(os.path.join(self.out, "regressions"), exist_ok=True)
            log = os.path.join(self.out, "regressions", name.replace("/", "_") + ".log")
            if not target or not targets.known(target):
                self.result("regression", name, "fail", 0, f"unknown target '{target}'")
                continue
            if target.startswith("bug-"):
                hard = targets.hardened_of(target)
                expect = targets.catalogue_field(target, 3)
                got = self.kind(build.binary(self.dev, target, "replay"), f, expect, log)
                got2 = self.kind(build.binary(self.dev, hard, "replay"), f, expect, log)
                if got == expect and got2 == "ok":
                    self.result("regression", name, "pass", t, f"{expect} on {target}, ok on {hard}")
                elif got == "skip":
                    self.result("regression", name, "skip", t, "valgrind is not installed")
                else:
                    self.result("regression", name, "fail", t, f"{target} gave '{got}' (want "
                                f"{expect}), {hard} gave '{got2}' (want ok)", log)
            else:
                got = self.kind(build.binary(self.dev, target, "replay"), f, "", log)
                if got == "ok":
                    self.result("regression", name, "pass", t, f"ok on {target}")
                else:
                    self.result("regression", name, "fail", t, f"{target} gave '{got}' (want ok)", log)

    def kind(self, replay, f, expect, log):
        """What F gives on REPLAY (its output appended to LOG); leak-heap is judged by Valgrind."""
        if expect == "leak-heap":
            if not proc.which("valgrind"):
                return "skip"
            _, o = proc.capture(isolate.isolated(["valgrind"] + valgrind_opts() + [replay, f]))
            _append(log, o + "\n")
            if re.search(r"definitely lost: [1-9]", o):
                return "leak-heap"
            return kind_from_output(o)
        _, o = proc.capture(isolate.isolated(["timeout", "60", replay, f]))
        _append(log, f"== {replay}\n{o}\n")
        return kind_from_output(o)

    # ---- Valgrind: each hardened target's seeds in one process (its start-up dominates)
    def valgrind(self, tlist):
        if not proc.which("valgrind"):
            self.result("valgrind", "all", "skip", 0, "valgrind is not installed")
            return
        os.makedirs(os.path.join(self.out, "valgrind"), exist_ok=True)
        for tg in tlist:
            t = time.monotonic()
            seeds = sorted(glob.glob(glob.escape(os.path.join(config.ROOT, "corpus", tg, "seeds")) + "/*.txt"))
            if not seeds:
                self.result("valgrind", tg, "skip", 0, "no seeds")
                continue
            log = os.path.join(self.out, "valgrind", tg + ".log")
            argv = ["valgrind"] + valgrind_opts() + ["--errors-for-leak-kinds=definite",
                                                     "--error-exitcode=99",
                                                     build.binary(self.dev, tg, "replay"), "--quiet"]
            with open(log, "wb") as lf:
                rc = proc.run(isolate.isolated(argv + seeds), stdout=lf, stderr=subprocess.STDOUT)
            with open(log, "rb") as lf:
                text = proc.text(lf.read())
            # each forked worker has its own Valgrind report: read them all, not only the status
            if rc == 0 and not re.search(r"definitely lost: [1-9]|ERROR SUMMARY: [1-9]", text):
                self.result("valgrind", tg, "pass", t, f"{len(seeds)} seeds, no error")
            else:
                m = re.search(r"^.*(definitely lost: [1-9]|ERROR SUMMARY: [1-9]|verdict: FINDING).*$",
                              text, re.M)
                self.result("valgrind", tg, "fail", t, m.group(0) if m else "exit status not 0", log)

    # ---- fuzzing: a hardened target must give no finding in S seconds
    def fuzz(self, engine, target):
        t = time.monotonic()
        d = os.path.join(self.out, "fuzz", f"{engine}-{target}")
        os.makedirs(os.path.dirname(d), exist_ok=True)
        rc, stop = _child([config.SELF, "fuzz", target, "--engine", engine, "--time", str(self.secs),
                           "--jobs", "1", "--out", d, "--seed", "1"], d + ".log")
        cls = f"fuzz.{engine}"
        if rc == 0:
            spent = _md_field(os.path.join(d, "summary.md"), "- time: ")
            self.result(cls, target, "pass", t, f"no finding in {self.secs} s ({spent})")
        elif rc == 1 and not os.path.isfile(os.path.join(d, "findings.tsv")):
            self.result(cls, target, "fail", t, "the campaign failed (exit 1, no finding saved)",
                        d + ".log")
        elif rc == 1:
            rows = _tsv_rows(os.path.join(d, "findings.tsv"))
            first = " ".join(rows[0][:1] + rows[0][2:3]) if rows else ""  # kind, reason
            self.result(cls, target, "fail", t, f"{len(rows)} finding(s): {first}",
                        os.path.join(d, "summary.md"))
        elif rc == status.INTERRUPTED and stop is not None:
            spent = _md_field(os.path.join(d, "summary.md"), "- time: ")
            self.result(cls, target, "skip", t, f"interrupted, no finding ({spent})")
        else:
            self.result(cls, target, "fail", t, f"the campaign failed (exit {rc})", d + ".log")
        if stop is not None:
            raise stop

    # ---- the tutorial programs: their weaknesses reported, never failed on
    def enumerate(self):
        if not os.path.isfile(os.path.join(self.dev, "lib", "libshmfault.so")):
            self.result("enumerate", "tutorials", "skip", 0, "libshmfault.so is not built")
            return
        for prog in TUTORIALS:
            t = time.monotonic()
            name = "tutorial-" + prog[0]
            d = os.path.join(self.out, "enumerate", name)
            os.makedirs(d, exist_ok=True)
            argv = [config.SELF, "enumerate", "--errnos", "first", "--crash", "--timeout", "3",
                    "--report", d, "--", os.path.join(self.dev, "bin", name)] + prog[1:]
            rc, stop = _child(argv, d + ".log")
            if stop is not None:
                self.result("enumerate", name, "skip", t, "interrupted", d + ".log")
                raise stop
            if rc in (0, 1):
                outcomes = _md_field(os.path.join(d, "report.md"), "Outcomes: ")
                self.result("enumerate", name, "pass", t,
                            f"known-buggy tutorial, reported only: {outcomes}",
                            os.path.join(d, "report.md"))
            elif rc == 77:
                self.result("enumerate", name, "skip", t, "namespaces unavailable")
            else:
                self.result("enumerate", name, "fail", t, f"enumerate failed (exit {rc})", d + ".log")


def _child(argv, log):
    """Runs shmfuzz ARGV (output to LOG) to its end: (status, the interruption or None).
    The child has its own session, so a terminal's Ctrl-C reaches only us; we pass it on
    once (SIGINT; SIGTERM for a SIGTERM) and wait while it stops its engines and saves its
    findings and summary, then the caller records the check and lets the interruption go on."""
    with open(log, "wb") as lf:
        p = subprocess.Popen([str(a) for a in argv], env=config.self_env(), stdin=subprocess.DEVNULL,
                             stdout=lf, stderr=subprocess.STDOUT, start_new_session=True)
    stop = None
    while True:
        try:
            rc = p.wait()
            break
        except (KeyboardInterrupt, status.Interrupted) as e:
            if stop is None:
                stop = e
                p.send_signal(signal.SIGINT if isinstance(e, KeyboardInterrupt) else signal.SIGTERM)
    return (128 - rc if rc < 0 else rc), stop


def _append(path, text):
    with open(path, "ab") as f:
        f.write(proc.raw(text))


def _md_field(path, prefix):
    """The rest of the first line of PATH that starts with PREFIX ("" if none)."""
    try:
        with open(path, "rb") as f:
            for line in proc.text(f.read()).split("\n"):
                if line.startswith(prefix):
                    return line[len(prefix):]
    except OSError:
        pass
    return ""


def _tsv_rows(path):
    try:
        with open(path, "rb") as f:
            return [line.split("\t") for line in proc.text(f.read()).split("\n") if line]
    except OSError:
        return []
