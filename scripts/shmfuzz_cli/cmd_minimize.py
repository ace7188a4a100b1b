"""shmfuzz minimize: shrink a finding, keeping the same finding kind.

Passes, each kept only if the result still gives the same finding kind on the replay driver:
the engine's byte-level minimizer (libFuzzer -minimize_crash or afl-tmin: they only know "it
still aborts", so their result is checked), delta debugging over the program's ops in the text
form, then the fault lines and the processes the finding does not need. Judged on the build
that found the input (its campaign's preset) unless --preset says otherwise."""

import datetime
import os
import re
import shutil

from . import build, engines, proc, replay, status, targets, workdir
from .cli import Arg, Opt, command


@command("minimize", "shrink a finding (engine pass + op-level pass), keeping the same finding kind",
         args=[Arg("FILE", missing="minimize: which FILE? (shmfuzz minimize --help)")],
         opts=[Opt("--target", "T", help="the fuzz target (default: from the file, as repro finds it)"),
               Opt("--preset", "P", help="the build whose replay driver judges \"same finding\"; default: the\n"
                   "preset of the campaign.txt of the fuzz out dir FILE lies in, else dev"),
               Opt("--engine", "E", kind=["libfuzzer", "afl", "none"], default="libfuzzer",
                   help="byte-level pass: libfuzzer (default, -minimize_crash), afl (afl-tmin) or none"),
               Opt("--time", "S", kind="uint", default=30, help="seconds for the engine pass (default 30)"),
               Opt("--out", "PATH", help="where to write the result (default FILE.min)")],
         about="Shrinks FILE, an input that gives a finding, keeping the same finding kind. Writes PATH\n"
               "(binary, default FILE.min) and PATH.txt, its text form with a header (target, finding,\n"
               "where it came from): the form corpus/regressions/ keeps.",
         exit_status="0 minimized (or already minimal), 2 usage, set-up, or FILE gives no finding")
def minimize_cmd(a):
    f = a.file
    target, preset = targets.replay_setup("minimize", f, a.target, a.preset,
                                          ["afl-tmin"] if a.engine == "afl" else [])
    minimize(f, target, a.engine, a.time, a.out or f + ".min", preset)
    return status.OK


def minimize(f, target, engine, secs, out, preset="dev"):
    """The work (also used by demo): writes out and out.txt or raises ShmfuzzError."""
    rp = build.need_built(preset, target, "replay")
    kind = replay.kind(rp, f)
    if kind == "ok":
        status.die(f"minimize: {f} replays ok on {target} (preset {preset}): nothing to minimize")
    if kind == "error":
        status.die(f"minimize: {f} cannot be replayed on {target} (preset {preset})")
    with workdir.temp("min") as work:
        cand = os.path.join(work, "input")
        shutil.copy(f, cand)
        status.info(f"minimize: {f} gives {kind} on {target} ({os.path.getsize(f)} bytes)")
        story = (f"# story: minimized by shmfuzz minimize from {os.path.basename(f)} "
                 f"({datetime.date.today().isoformat()}, preset {preset})")
        try:
            if engine != "none":
                _engine_pass(engine, target, secs, cand, work, rp, kind)
            lines = _op_pass(rp, kind, cand, work)
            lines = _fault_pass(rp, kind, work, lines)
            lines = _proc_pass(rp, kind, work, lines)
        except (KeyboardInterrupt, status.Interrupted):
            _save_partial(rp, out, [f"# target: {target}", f"# finding: {kind}", story])
            raise
        body = [ln for ln in lines if not ln.startswith("#")]
        _write_lines(out + ".txt", ["# shmfuzz program", f"# target: {target}",
                                    f"# finding: {kind}", story, *body])
        if proc.capture([rp, "--encode", "-o", out, out + ".txt"])[0] != 0:
            status.die("minimize: the result does not encode")
        final = replay.kind(rp, out)
    if final != kind:
        status.die(f"minimize: the result gives '{final}', not {kind} (kept for inspection: {out})")
    nops = sum(1 for ln in body if re.match(r"p[0-9]", ln))
    status.info(f"minimize: {nops} op(s), {os.path.getsize(out)} bytes, still {kind}: {out} "
                f"(text: {out}.txt)")


def _write_lines(path, lines):
    with open(path, "w", encoding="utf-8", errors="surrogateescape") as fh:
        fh.write("".join(ln + "\n" for ln in lines))


# The smallest program so far that was seen to give the finding (text lines): what an
# interrupted minimize saves.
_kept = []


def _try(rp, kind, work, lines):
    """Does the program of these text lines still give kind?"""
    trial = os.path.join(work, "trial.txt")
    _write_lines(trial, lines)
    if replay.kind(rp, trial) != kind:
        return False
    _kept[:] = lines
    return True


def _save_partial(rp, out, head):
    """Ctrl-C or SIGTERM mid-pass: keep what was already shown to give the finding, as
    OUT.partial.txt (and OUT.partial, binary), never as the finished OUT."""
    if not _kept:
        status.info("minimize: interrupted before any smaller program was checked: nothing saved")
        return
    body = [ln for ln in _kept if not ln.startswith("#")]
    _write_lines(out + ".partial.txt", ["# shmfuzz program", *head,
                                        "# partial: minimize was interrupted; this program was "
                                        "seen to give the finding", *body])
    rc = proc.capture([rp, "--encode", "-o", out + ".partial", out + ".partial.txt"])[0]
    nops = sum(1 for ln in body if re.match(r"p[0-9]", ln))
    status.info(f"minimize: interrupted: the smallest program checked so far ({nops} op(s)) is "
                f"{out}.partial.txt" + (f" and {out}.partial" if rc == 0 else ""))


def _engine_pass(engine, target, secs, cand, work, rp, kind):
    """Byte-level pass by the engine; its result replaces cand only when the kind is the same."""
    preset = engines.PRESET[engine]
    binary = build.binary(build.ensure(preset), target, engine)
    if not os.access(binary, os.X_OK):
        status.info(f"minimize: {binary} not built: engine pass skipped")
        return
    status.info(f"minimize: {engine} pass (up to {secs} s)")
    result = os.path.join(work, "engine.min")
    with open(os.path.join(work, "engine.log"), "wb") as log:
        if engine == "libfuzzer":
            # plain names: -minimize_crash re-runs the binary through sh -c, unquoted
            env = engines.plain_names(work, engine=binary)
            proc.run(["timeout", str(secs + 30), "./engine", "-minimize_crash=1",
                      f"-max_total_time={secs}", f"-exact_artifact_path={os.path.basename(result)}",
                      os.path.basename(cand)], env=env, cwd=work, stdout=log, stderr=log)
        else:
            proc.run(["timeout", str(secs + 30), *engines.afl_wrap(), "afl-tmin", "-t", "10000",
                      "-i", cand, "-o", result, "--", binary],
                     env=proc.env_with(AFL_SKIP_CPUFREQ=1), stdout=log, stderr=log)
    if not os.path.isfile(result) or os.path.getsize(result) == 0:
        with open(os.path.join(work, "engine.log"), "rb") as log:
            last = [ln for ln in log.read().splitlines() if ln.strip()][-1:]
        said = f": {proc.text(last[0])}" if last else ""
        status.info(f"minimize: the {engine} pass produced nothing{said}")
        return
    got = replay.kind(rp, result)
    if got == kind:
        status.info(f"minimize: {engine} pass: {os.path.getsize(cand)} -> "
                    f"{os.path.getsize(result)} bytes")
        shutil.copy(result, cand)
    else:
        status.info(f"minimize: {engine} pass result gives '{got}', not {kind}: discarded")


def _op_pass(rp, kind, cand, work):
    """ddmin over the "pN ..." lines of the text form; the lines of the result."""
    rc, text = proc.capture([rp, "--decode", cand], merge=False)
    if rc != 0:
        status.die(f"minimize: cannot decode {cand}")
    lines = text.splitlines()
    head = [ln for ln in lines if not re.match(r"p[0-9]", ln)]
    ops = [ln for ln in lines if re.match(r"p[0-9]", ln)]
    _kept[:] = lines  # cand was checked to give the finding
    n, tries = len(ops), 0
    chunk = (len(ops) + 1) // 2
    status.info(f"minimize: op pass over {n} op(s)")
    while chunk >= 1 and len(ops) > 1:
        removed = False
        i = 0
        while i < len(ops):
            trial = ops[:i] + ops[i + chunk:]
            if trial:
                tries += 1
                if _try(rp, kind, work, head + trial):
                    ops, removed = trial, True
                    continue  # the same i is now the next chunk
            i += chunk
        if not removed:
            chunk //= 2
    status.info(f"minimize: op pass: {n} -> {len(ops)} op(s) in {tries} replays")
    return head + ops


def _fault_pass(rp, kind, work, lines):
    """Drop each fault line the finding does not need."""
    n = sum(1 for ln in lines if ln.startswith("fault "))
    for i in range(len(lines) - 1, -1, -1):
        if not lines[i].startswith("fault "):
            continue
        trial = lines[:i] + lines[i + 1:]
        if _try(rp, kind, work, trial):
            lines = trial
    left = sum(1 for ln in lines if ln.startswith("fault "))
    status.info(f"minimize: fault pass: {n} -> {left} fault line(s)")
    return lines


def _proc_pass(rp, kind, work, lines):
    """Renumber the workers that still run ops as p0, p1, ... and lower "procs"; a fault line
    of a worker that is gone goes too. Kept only if the finding stays."""
    used = sorted({int(m.group(1)) for ln in lines for m in [re.match(r"p([0-9]+) ", ln)] if m})
    procs = next((int(m.group(1)) for ln in lines for m in [re.match(r"procs ([0-9]+)", ln)] if m), None)
    if procs is None or not used or len(used) >= procs:
        return lines
    new = {f"p{u}": f"p{i}" for i, u in enumerate(used)}
    trial = []
    for ln in lines:
        w = ln.split()
        if ln.startswith("procs "):
            w[1] = str(len(used))
            trial.append(" ".join(w))
        elif ln.startswith("fault "):
            if len(w) > 1 and w[1] == "all":
                trial.append(ln)
            elif len(w) > 1 and w[1] in new:
                w[1] = new[w[1]]
                trial.append(" ".join(w))
        elif re.match(r"p[0-9]+ ", ln):
            w[0] = new[w[0]]
            trial.append(" ".join(w))
        else:
            trial.append(ln)
    if _try(rp, kind, work, trial):
        status.info(f"minimize: process pass: {procs} -> {len(used)} process(es)")
        return trial
    status.info(f"minimize: process pass: the finding needs all {procs} processes")
    return lines
