"""shmfuzz fuzz: a campaign on one target with libFuzzer or AFL++.

Builds the engine's preset, lays out the out dir (engines.py), starts the engine(s) in their
own sessions, reports progress until the time is up, the first finding (unless --keep-going),
Ctrl-C or SIGTERM; then stops the engines, keeps every finding they saved, replays each to
name its kind and writes summary.md; the temporary directory goes last."""

import datetime
import os
import random
import shlex
import time

from . import build, config, engines, proc, replay, report, status, targets, workdir
from .cli import Arg, Opt, command

# Each job is an engine process (libFuzzer -fork=N, AFL++ instances): more than this is a typo,
# not a machine, and would start that many processes before the first progress line.
MAX_JOBS = 256


@command("fuzz", "run a fuzz campaign on one target (libFuzzer or AFL++), live progress, summary",
         args=[Arg("TARGET", missing="fuzz: which TARGET? (shmfuzz list shows them)")],
         opts=[Opt("--engine", "E", kind=["libfuzzer", "afl"], default="libfuzzer",
                   help="libfuzzer (default) or afl"),
               Opt("--time", "S", kind="uint", default=60, help="seconds of fuzzing (default 60)"),
               Opt("--jobs", "N", kind="uint", default=1, maximum=MAX_JOBS,
                   help=f"engine processes (default 1, at most {MAX_JOBS})"),
               Opt("--out", "DIR", help="out dir (default shmfuzz-out/TARGET-ENGINE-DATE); layout in docs/cli.md"),
               Opt("--seed", "N", kind="uint0", maximum=2**32 - 1, help="engine random seed (default: random, printed and kept in\n"
                   "campaign.txt)"),
               Opt("--keep-going", help="do not stop at the first finding: collect findings until the time is up"),
               Opt("--fresh", help="set aside seeds that already give a finding (OUT/seeds-with-findings/),\n"
                   "so what the campaign finds is new")],
         about="Fuzzes TARGET (shmfuzz list) from its seed corpus and dictionary. libFuzzer runs one\n"
               "process, or -fork=N with --jobs N; AFL++ runs one -M and N-1 -S instances synced through\n"
               "the out dir. Each input runs in a private IPC + /dev/shm namespace (the drivers do that).\n"
               "\n"
               "Progress (execs, execs/s, coverage, findings) is a live line on a terminal and a plain\n"
               "line every 10 s otherwise. Ctrl-C stops the engines, keeps every finding and prints the\n"
               "summary.",
         exit_status="0 no finding, 1 findings (listed with their kind and path), 2 usage or set-up,\n"
                     "130 interrupted without finding")
def fuzz(a):
    targets.need(a.target)
    seed = a.seed if a.seed is not None else random.randint(1, 1000000)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = a.out or f"shmfuzz-out/{a.target}-{a.engine}-{stamp}"
    engines.need_engine(a.engine)
    return campaign(a.target, a.engine, a.time, a.jobs, out, seed, a.keep_going, a.fresh)[0]


def campaign(target, engine, secs, jobs, out, seed, keep, fresh=False):
    """The campaign (also demo's and ci's): (exit status, [(kind, path, reason)])."""
    preset = engines.PRESET[engine]
    b = build.ensure(preset)
    binary = build.need_binary(build.binary(b, target, engine), preset)
    if os.path.exists(out) and (not os.path.isdir(out) or os.listdir(out)):
        status.die(f"fuzz: out dir {out} exists and is not empty (give another --out)")
    try:
        for sub in ("seeds", "corpus", "findings", "logs"):
            os.makedirs(os.path.join(out, sub), exist_ok=True)
    except OSError as e:
        status.die(f"fuzz: cannot create {out}: {e.strerror}")
    out = os.path.abspath(out)
    dict_file = targets.dict_of(target, b)
    started = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    # First, before any input exists: what found the findings (repro, triage, minimize read it).
    with open(os.path.join(out, "campaign.txt"), "w", encoding="utf-8", errors="surrogateescape") as f:
        f.write(f"target={target}\npreset={preset}\nengine={engine}\njobs={jobs}\nseconds={secs}\n"
                f"seed={seed}\nkeep_going={int(keep)}\nbuild={b}\ndict={dict_file}\nstarted={started}\n")
    rp = build.binary(b, target, "replay")
    with workdir.temp("fuzz") as work:
        engines.seed_dir(b, target, os.path.join(out, "seeds"))
        if fresh:
            _set_aside(rp, out, work)
        status.info(f"fuzz: {target} with {engine}, {jobs} job(s), {secs} s, seed {seed} -> {out}")
        eng = engines.Engine(engine, out, work)
        interrupted = False
        progress = status.Progress()
        t0 = time.monotonic()
        try:
            eng.start(binary, secs, jobs, seed, dict_file, keep)
            while eng.running():
                time.sleep(1)
                engines.collect_findings(engine, out)
                n = len(engines.finding_files(out))
                execs, eps, cov = eng.stats()
                progress.update(f"fuzz: {int(time.monotonic() - t0)}/{secs} s  execs {execs}  "
                                f"exec/s {eps}  coverage {cov}  findings {n}")
                if not keep and n > 0:
                    break
                # The engines stop themselves at the deadline; this only catches one that does not.
                if time.monotonic() - t0 > secs + 60:
                    break
        except (KeyboardInterrupt, status.Interrupted):
            interrupted = True
        finally:
            # No engine outlives us, whatever ends the loop; a second Ctrl-C waits for this.
            with workdir.block_interrupts() as blocked:
                progress.end()
                eng.stop()
            interrupted = interrupted or blocked.got is not None
        if interrupted:
            status.info("fuzz: interrupted: engines stopped, findings kept")
        with workdir.block_interrupts():
            rc, found = summary(target, engine, eng, rp, out, int(time.monotonic() - t0), work)
    if rc == status.OK and interrupted:
        return status.INTERRUPTED, found
    failed = eng.failure()
    if rc == status.OK and failed:
        log, st = failed
        with open(log, "rb") as f:
            for line in f.read().splitlines()[-5:]:
                status._write(__import__("sys").stderr, proc.text(line) + "\n")
        how = f"killed by signal {-st}" if st < 0 else f"exit {st}"
        status.die(f"fuzz: the engine failed ({how}) and found nothing: this was no campaign "
                   f"(log: {log})")
    return rc, found


def _set_aside(rp, out, work):
    """--fresh: move seeds that already give a finding out of out/seeds."""
    seeds = os.path.join(out, "seeds")
    for s in sorted(os.listdir(seeds)):
        p = os.path.join(seeds, s)
        o = replay.run(rp, p, cwd=work)[1]
        verdict = next((ln for ln in o.splitlines() if ln.startswith("verdict:")), "")
        if verdict == "verdict: ok":
            continue
        aside = os.path.join(out, "seeds-with-findings")
        os.makedirs(aside, exist_ok=True)
        os.rename(p, os.path.join(aside, s))
        status.info(f"fuzz: --fresh: seed {s} already gives {verdict[len('verdict: '):]}: set aside")
    if not os.listdir(seeds):
        with open(os.path.join(seeds, "empty"), "w") as f:
            f.write("SFZ")


def summary(target, engine, eng, rp, out, elapsed, work):
    """Replay each finding, print and write out/summary.md and out/findings.tsv."""
    engines.collect_findings(engine, out)
    execs, eps, cov = eng.stats()
    seed = targets.campaign_value(os.path.join(out, "campaign.txt"), "seed")
    found = []
    for f in engines.finding_files(out):
        o = replay.run(rp, f, cwd=work)[1]
        kind = replay.kind_from_output(o)
        if kind in ("error", "ok"):
            name = os.path.basename(f)
            if name.startswith("timeout-") or (name.startswith("afl-") and "-hang-" in name):
                kind = "hang?"
            elif kind == "ok":
                kind = "not-reproduced"
        found.append((kind, f, replay.reason_from_output(o)))
    # summary.md is valid UTF-8 with report.py's escape (a path may hold any byte, a newline
    # too); findings.tsv keeps the bytes, escaping only what would split a row.
    lines = [f"# shmfuzz fuzz: {target} ({engine})", "", f"- out dir: {report.md_code(out)}",
             f"- time: {elapsed} s, executions: {execs} (last exec/s {eps}), coverage: {cov}",
             f"- seed: {seed}", "", "| kind | finding | reason |", "|---|---|---|"]
    lines += [f"| {k} | {report.md_code(f)} | {report.md_cell(r)} |" for k, f, r in found] or \
        ["| - | no finding | |"]
    _write(os.path.join(out, "summary.md"), lines)
    _write(os.path.join(out, "findings.tsv"), ["\t".join(map(report.tsv_field, row)) for row in found], empty_ok=True)
    if not found:
        status.info(f"fuzz: no finding in {elapsed} s ({execs} executions, coverage {cov}); "
                    f"report: {out}/summary.md")
        return status.OK, found
    status.info(f"fuzz: {len(found)} finding(s) in {elapsed} s ({execs} executions):")
    for k, f, r in found:
        status._write(__import__("sys").stderr, f"  {k:<10} {f}\n             {r}\n")
    # The command as the user typed it: an installed shmfuzz is no scripts/shmfuzz.
    again = "shmfuzz repro FILE" + (f" --build-dir {shlex.quote(config.build_dir_override)}"
                                    if config.build_dir_override else "")
    status.info(f"reproduce: {again}   report: {out}/summary.md")
    return status.FINDING, found


def _write(path, lines, empty_ok=False):
    with open(path, "w", encoding="utf-8", errors="surrogateescape") as f:
        f.write("".join(ln + "\n" for ln in lines))
