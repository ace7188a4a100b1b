"""shmfuzz repro: replay one saved input exactly. The replay driver does the work (decode, run
with the input's fault plan and schedule, judge); this finds the target and the build, and adds
Valgrind, gdb and the libshmfault trace."""

import os
import re
import subprocess
import sys

from . import build, config, isolate, proc, replay, status, targets, workdir
from .cli import Arg, Opt, command


@command("repro", "replay one saved input exactly: program, trace, verdict (exit 1: still a finding)",
         args=[Arg("FILE", missing="repro: which FILE? (shmfuzz repro --help)")],
         opts=[Opt("--target", "T", help="the fuzz target; default: the file's \"# target:\" header, or the\n"
                   "campaign.txt of the shmfuzz fuzz out dir the file lies in"),
               Opt("--preset", "P", help="the build to replay with; default: the preset of the campaign.txt of\n"
                   "the fuzz out dir the file lies in (a sanitizer finding of the libfuzzer build\n"
                   "replays ok on another build), else dev (gcc, debug, what Valgrind and gdb read)"),
               Opt("--valgrind", help="run the replay under Valgrind memcheck (heap leaks, invalid accesses)"),
               Opt("--gdb", help="run it under gdb (interactive on a terminal, a backtrace in batch otherwise)"),
               Opt("--trace", help="also print libshmfault's trace of every intercepted call")],
         about="Replays FILE (binary input saved by an engine, or the text form) on sfz-T-replay and\n"
               "prints the decoded program, each op's result and the verdict.",
         exit_status="1 the finding reproduces (or Valgrind reports errors), 0 the input replays ok,\n"
                     "2 usage error, unreadable input or failed build")
def repro(a):
    if a.gdb and a.valgrind:  # one replay runs under one tool; silently dropping one is a lie
        status.die_usage("repro: --valgrind or --gdb, not both")
    tool = "gdb" if a.gdb else "valgrind" if a.valgrind else ""
    target, preset = targets.replay_setup("repro", a.file, a.target, a.preset,
                                          [tool] if tool else [])
    return run_replay(build.need_built(preset, target, "replay"), a.file, tool, a.trace)


def _tee(argv):
    """Run argv, its output shown as it comes and kept; (status, output)."""
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    kept = []
    out = sys.stdout.buffer
    try:
        for chunk in iter(lambda: p.stdout.read1(65536), b""):
            kept.append(chunk)
            sys.stdout.flush()
            out.write(chunk)
            out.flush()
        rc = p.wait()
    except BaseException:  # Ctrl-C, SIGTERM: the replay does not outlive us
        p.kill()
        p.wait()
        raise
    return (128 - rc if rc < 0 else rc), proc.text(b"".join(kept))


def run_replay(rp, f, tool, trace):
    """The replay itself; the exit status of repro."""
    with workdir.temp("repro") as work:
        extra = ["--trace", os.path.join(work, "trace.jsonl")] if trace else []
        if tool == "gdb":
            gdb = ["gdb", "-q", "-ex", "set follow-fork-mode child", "-ex", "run"]
            if config.tty():
                proc.run([*gdb, "--args", rp, *extra, f], stdin=None)
                return status.OK
            argv = [*gdb[:2], "-batch", *gdb[2:], "-ex", "bt", "--args", rp, *extra, f]
        elif tool == "valgrind":
            argv = isolate.isolated(["valgrind", *replay.valgrind_opts(),
                                     "--errors-for-leak-kinds=definite", "--error-exitcode=99",
                                     rp, *extra, f])
        else:
            argv = isolate.isolated([rp, *extra, f])
        rc, out = _tee(argv)
        if trace:
            status.out("== trace (libshmfault: one line per intercepted call)")
            t = os.path.join(work, "trace.jsonl")
            if os.path.isfile(t) and os.path.getsize(t) > 0:
                sys.stdout.flush()
                with open(t, "rb") as fh:
                    sys.stdout.buffer.write(fh.read())
                sys.stdout.flush()
            else:
                status.out("(empty: libshmfault is not linked into this build, or no call was intercepted)")
    kind = replay.kind_from_output(out)
    # Workers are forked: a leak or error there shows in their own Valgrind report, not in
    # the replay's exit status.
    if tool == "valgrind" and kind == "ok" and re.search(r"definitely lost: [1-9]|ERROR SUMMARY: [1-9]", out):
        kind = "valgrind"
    expected = targets.header_field(f, "finding")
    if kind == "ok":
        status.info(f"repro: {f} replays ok: the finding does not reproduce"
                    + (f" (its header expects {expected})" if expected else ""))
        return status.OK
    if kind == "error":
        status.info(f"repro: {f} could not be replayed (exit {rc})")
        return status.USAGE
    if kind == "valgrind":
        status.info(f"repro: Valgrind reports errors in {f} (see above)")
        return status.FINDING
    status.info(f"repro: {f} reproduces FINDING {kind}"
                + (f" (header expects {expected})" if expected else ""))
    return status.FINDING
