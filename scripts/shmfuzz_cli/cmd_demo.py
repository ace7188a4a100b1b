"""shmfuzz demo: the tour in 1-3 minutes. What a newcomer runs first: each step is a real
subcommand on a bundled target; the demo only chains them and writes what happened into one
report (Markdown + terminal summary)."""

import datetime
import os
import re
import shutil
import time

from . import build, config, proc, replay, status, targets
from .cli import Opt, command
from .cmd_bench import ensure_deps
from .cmd_fuzz import campaign
from .cmd_minimize import minimize

BUG = "unchecked-shmat"  # needs a fault plan in the input (shmat fails): found in seconds
SEED = 2                 # a fixed engine seed (timing still varies: rounds, below)


@command("demo", "the tour in 1-3 minutes: fuzz a catalogue bug, find, repro, minimize, fix, enumerate",
         opts=[Opt("--out", "DIR", help="where everything goes (default shmfuzz-out/demo-DATE)"),
               Opt("--time", "S", kind="uint", default=120,
                   help="fuzzing budget in seconds (default 120; the bug usually falls in seconds)"),
               Opt("--no-deps", help="do not run scripts/install-deps")],
         about="The end-to-end tour on the catalogue bug unchecked-shmat (docs/bugs.md):\n"
               "  1. installs the Debian packages (as root) and builds the dev and libfuzzer presets\n"
               "  2. fuzzes bug-unchecked-shmat with libFuzzer from seeds that do not show the bug: the\n"
               "     fuzzer itself has to invent the fault plan (a failing shmat) that exposes it\n"
               "  3. reproduces the saved finding (program, op results, verdict)\n"
               "  4. minimizes it, keeping the same finding kind\n"
               "  5. replays it on the hardened twin shmipc-kv (the fix): verdict ok -> a regression test\n"
               "  6. enumerates every fault point of a tutorial program (libshmfault, LD_PRELOAD)\n"
               "and ends with a report (DIR/report.md) and a summary here.",
         exit_status="0 the tour went through (the bug was found, reproduced, minimized, fixed),\n"
                     "1 a step did not give what it should, 2 set-up error")
def demo(a):
    build.need_tree("demo")
    out = a.out or "shmfuzz-out/demo-" + datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    try:
        os.makedirs(out, exist_ok=True)
    except OSError as e:
        status.die(f"demo: cannot create {out}: {e.strerror}")
    return Demo(os.path.abspath(out), a.time, not a.no_deps).run()


def _step(text):
    status.info(f"demo: == {text} ==")


def _repro_quiet(rp, f):
    """(output, repro's status: 1 finding, 0 ok, 2 error) of one input."""
    out = replay.run(rp, f, quiet=False)[1]
    k = replay.kind_from_output(out)
    return out, 0 if k == "ok" else 2 if k == "error" else 1


class Demo:
    def __init__(self, out, secs, deps):
        self.out, self.secs, self.deps = out, secs, deps
        self.report = os.path.join(out, "report.md")
        self.target = f"bug-{BUG}"
        self.hardened = targets.hardened_of(self.target)
        self.t0 = time.monotonic()
        self.ok = True
        self.steps = []

    def w(self, *lines):
        with open(self.report, "a", encoding="utf-8", errors="surrogateescape") as f:
            f.write("".join(ln + "\n" for ln in lines))

    def note(self, line):
        self.steps.append(line)

    def run(self):
        _step("1/6 set-up: packages and builds")
        if self.deps:
            ensure_deps()
        self.dev = build.ensure("dev")
        build.ensure("libfuzzer")
        with open(self.report, "w", encoding="utf-8") as f:
            f.write(f"# shmfuzz demo\n\nCatalogue bug **{BUG}** ({targets.catalogue_field(self.target, 2)}): "
                    f"{targets.catalogue_field(self.target, 4)}.\n\n")
        finding, kind, rnd = self.fuzz()
        if not finding:
            self.w(f"The campaign did not find the {targets.catalogue_field(self.target, 3)} bug in "
                   f"{self.secs} s: run the demo again with a longer --time.")
            self.end()
            return status.FINDING
        self.note(f"found     {kind} in round {rnd}: {_rel(finding)}")
        minimized = self.reproduce_minimize(finding, kind)
        self.fix(minimized, kind)
        _step("6/6 fault enumeration of a tutorial program")
        self.enumerate()
        self.end()
        return status.OK if self.ok else status.FINDING

    def fuzz(self):
        _step(f"2/6 fuzz {self.target} with libFuzzer (up to {self.secs} s)")
        # Rounds: a campaign stops at its first finding; one that is not the catalogue bug is
        # reported and the next round (next seed) goes on until the budget is spent.
        expect = targets.catalogue_field(self.target, 3)
        hardened_rp = build.binary(self.dev, self.hardened, "replay")
        self.w("## 1. Fuzz", "")
        deadline = time.monotonic() + self.secs
        rnd = 0
        while True:
            left = int(deadline - time.monotonic())
            if left <= 0:
                return None, None, rnd
            rnd += 1
            seed = SEED + rnd - 1
            d = os.path.join(self.out, f"fuzz-{rnd}")
            rc, found = campaign(self.target, "libfuzzer", left, 1, d, seed, False, fresh=True)
            with open(os.path.join(d, "summary.md"), encoding="utf-8", errors="surrogateescape") as f:
                summ = f.read().splitlines()
            self.w(f"`shmfuzz fuzz {self.target} --engine libfuzzer --time {left} --seed {seed} --fresh`",
                   "(seeds that already show the bug are set aside: the find is the fuzzer's).", "",
                   *[ln for ln in summ if ln.startswith("- ")], "",
                   *[ln for ln in summ if ln.startswith("| ")], "")
            if rc != status.FINDING:
                return None, None, rnd
            # The catalogue bug: its finding kind on bug-<id>, and ok on the hardened twin.
            for k, f, _ in found:
                if k == expect and replay.kind(hardened_rp, f) == "ok":
                    return f, k, rnd
                self.w(f"Round {rnd} also saved **{k}** (`{f}`): not this bug (kind {expect}, ok on "
                       f"{self.hardened}); kept.", "")
                status.info(f"demo: round {rnd} saved {k}, not the catalogue bug: kept, looking on")

    def reproduce_minimize(self, finding, kind):
        _step(f"3/6 reproduce {finding}")
        rp = build.binary(self.dev, self.target, "replay")
        rout, rrc = _repro_quiet(rp, finding)
        status.out(rout.rstrip("\n"))
        self.w("## 2. Reproduce", "", f"`shmfuzz repro {_rel(finding)}` (exit {rrc}: 1 = the finding "
               "reproduces):", "", "```", rout.rstrip("\n"), "```", "")
        if rrc != 1:
            self.ok = False
        verdict = next((ln for ln in rout.splitlines() if ln.startswith("verdict:")), "")
        self.note(f"repro     {verdict} (exit {rrc})")

        _step("4/6 minimize it (same finding kind)")
        m = os.path.join(self.out, f"{BUG}.min")
        try:
            minimize(finding, self.target, "libfuzzer", 20, m)
        except status.ShmfuzzError as e:
            status.info(f"{e.prefix}{e}")
            self.ok = False
            shutil.copy(finding, m)
            rc, text = proc.capture([rp, "--decode", finding], merge=False)
            with open(m + ".txt", "w", encoding="utf-8", errors="surrogateescape") as f:
                f.write(text)
            self.w("## 3. Minimize", "", "minimization failed; the original finding is used below.", "")
            return m
        with open(m + ".txt", encoding="utf-8", errors="surrogateescape") as f:
            text = f.read()
        nops = len(re.findall(r"^p[0-9]", text, re.M))
        line = (f"{os.path.getsize(finding)} -> {os.path.getsize(m)} bytes, {nops} op(s), still {kind}")
        self.w("## 3. Minimize", "", f"`shmfuzz minimize FILE`: {line}:", "", "```", text.rstrip("\n"),
               "```", "")
        self.note(f"minimize  {line}: {m}.txt")
        return m

    def fix(self, m, kind):
        _step(f"5/6 the fix: replay on the hardened {self.hardened}")
        fixed, hrc = _repro_quiet(build.binary(self.dev, self.hardened, "replay"), m)
        last = fixed.rstrip("\n").split("\n")[-1]
        status.out(last)
        with open(m + ".txt", encoding="utf-8", errors="surrogateescape") as f:
            text = f.read().splitlines()
        rule = next((ln[len("fault "):] for ln in text if ln.startswith("fault ")), "")
        regress = os.path.join(self.out, f"regression-{BUG}.txt")
        with open(regress, "w", encoding="utf-8", errors="surrogateescape") as f:
            f.write(f"# target: {self.target}\n# finding: {kind}\n"
                    f"# hardened: {self.hardened} must replay this as verdict: ok\n"
                    f"# fault rule: {rule}\n"
                    f"# story: found by shmfuzz demo (libFuzzer, seed {SEED}), minimized by shmfuzz minimize\n")
            f.write("".join(ln + "\n" for ln in text if not ln.startswith("#")))
        self.w("## 4. Fix and keep as a regression", "",
               "libshmipc is the fixed code (the hardened branch of the bug's `BUG(...)` switch in",
               f"targets/shmipc/src, docs/bugs.md). The minimized input on `{self.hardened}`: `{last}` (exit {hrc}).",
               "", f"Kept as a regression with its story: `{regress}`. In a project, copy it to",
               f"`corpus/regressions/{self.hardened}/`; `shmfuzz ci` replays it forever (the finding on the bug",
               "target, ok on the hardened one).", "")
        if hrc != 0:
            self.ok = False
        self.note(f"fixed     {self.hardened}: {last}; regression: {regress}")

    def enumerate(self):
        self.w("## 5. Fault enumeration (black box, LD_PRELOAD=libshmfault.so)", "")
        if not os.path.isfile(os.path.join(self.dev, "lib", "libshmfault.so")):
            self.w(f"skipped: libshmfault.so is not built in {self.dev} yet.")
            status.info("demo: enumeration skipped (libshmfault.so not built)")
            return
        rep = os.path.join(self.out, "enumerate")
        log = os.path.join(self.out, "enumerate.log")
        with open(log, "wb") as f:
            erc = proc.run([config.SELF, "enumerate", "--errnos", "first", "--crash", "--timeout", "3",
                            "--report", rep, "--", os.path.join(self.dev, "bin", "tutorial-shm-writer"),
                            "hello from the demo"], env=config.self_env(), stdout=f, stderr=f)
        with open(log, "rb") as f:
            tail = proc.text(f.read()).splitlines()
        status._write(__import__("sys").stderr, "".join(ln + "\n" for ln in tail[-15:]))
        md = os.path.join(rep, "report.md")
        report = ""
        if os.path.isfile(md):
            with open(md, encoding="utf-8", errors="surrogateescape") as f:
                report = f.read()
        outcomes = next((ln[len("Outcomes: "):] for ln in report.splitlines() if ln.startswith("Outcomes: ")), "")
        self.note(f"enumerate tutorial-shm-writer: {outcomes} (exit {erc})")
        self.w("`shmfuzz enumerate --errnos first --crash -- tutorial-shm-writer TEXT` (exit "
               f"{erc};", "the tutorial programs are buggy on purpose, docs/targets.md):", "")
        if report:
            self.w(re.sub(r"^#", "##", report, flags=re.M).rstrip("\n"))
        else:
            self.w("```", *tail[-20:], "```")
        self.w("")

    def end(self):
        took = int(time.monotonic() - self.t0)
        self.w("---", f"Demo {'went through' if self.ok else 'had a failing step'} in {took} s.")
        status.out()
        what = f"found, reproduced, minimized and fixed bug {BUG}" if self.ok else "a step failed, see the report"
        status.out(f"== shmfuzz demo: {what} ({took} s)")
        for s in self.steps:
            status.out(f"   {s}")
        status.out(f"   report: {self.report}")


def _rel(path):
    cwd = os.getcwd() + os.sep
    return path[len(cwd):] if path.startswith(cwd) else path
