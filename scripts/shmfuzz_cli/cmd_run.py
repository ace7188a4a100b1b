"""shmfuzz run: a program under libshmfault: fault rules, trace, leak report (--isolate).

Exit status: the program's own, 1 when it leaked and --fail-on-leak was given (or memcheck or
a sanitizer reported), 2 on a bad rule or usage error (libshmfault refuses bad rules before the
program's main). libshmfault.so comes from $SHMFAULT_LIB, else from the dev preset's build,
built at most once and quietly (build.py: SHMFUZZ_NO_BUILD and SHMFUZZ_BUILD_dev honoured)."""

import os
import re

from . import build, isolate, memcheck, proc, status
from .cli import Opt, command


def _seed(value):
    if not re.fullmatch(r"0x[0-9a-fA-F]+|[0-9]+", value):
        status.die_usage(f"run: --seed '{value}' is not a number")
    return value


def _readable(what):
    def check(value):
        if not (os.path.isfile(value) and os.access(value, os.R_OK)):
            status.die_usage(f"run: cannot read {what} '{value}'")
        return os.path.realpath(value)
    return check


def _check_rules(info, rules):
    """A bad --fault is a usage error (exit 2) before the program starts: inside the program
    libshmfault would refuse it with exit 2 too, which reads as the program's own status 2.
    (--rules-file is left to the library: it may be a FIFO, read once.)"""
    if not os.access(info, os.X_OK):
        return
    for rule in rules:
        rc, said = proc.capture([info, "check", rule])
        if rc != 0:
            why = said.strip().splitlines()[-1] if said.strip() else f"exit {rc}"
            why = why.split(": ", 1)[1] if why.startswith("shmfault-info: ") else why
            status.die_usage(f"run: --fault '{rule}': {why}")


@command("run", "run a program under libshmfault: fault rules, trace, leak report (--isolate)",
         rest="PROGRAM ARGS...", rest_at_positional=True,
         opts=[Opt("--fault", "RULE", repeat=True, dest="rules",
                   help="a fault rule (repeatable), e.g. shmat@2=ENOMEM, semop@3+=EINTR,\n"
                   "shmget@1=SIGKILL,after  (grammar: docs/faults.md)"),
               Opt("--rules-file", "FILE", kind=_readable("--rules-file"),
                   help="rules from a file (one per line, # comments)"),
               Opt("--seed", "N", kind=_seed, help="seed of probability rules (pP)"),
               Opt("--trace", "FILE", help="JSON Lines trace of every intercepted call (%p: one file per process)"),
               Opt("--fail-on-leak", help="exit 1 when the program leaves an IPC object behind (with --isolate:\n"
                   "what the whole tree left at its end; else each process at its exit)"),
               Opt("--isolate", help="private IPC, mount (/dev/shm) and PID namespaces; list what is left"),
               Opt("--suppressions", "FILE", kind=_readable("--suppressions"),
                   help="objects kept by design, not reported (SHMFAULT_SUPPRESSIONS format,\n"
                   "docs/faults.md): by the leak report and by --isolate's listing"),
               Opt("--count", help="print each process's call counts per function at exit"),
               *memcheck.OPTS],
         about="Reports of a program built with -fsanitize=address/leak/undefined are findings too\n"
               "(exit 1). The leak report (shmfault: leak ...) is always written to stderr.\n"
               "libshmfault.so comes from $SHMFAULT_LIB, else from the dev preset's build (built\n"
               "once if needed: SHMFUZZ_NO_BUILD=1 or SHMFUZZ_BUILD_dev=DIR never run cmake).",
         exit_status="the program's own; 1 a leak with --fail-on-leak, or a memcheck/sanitizer\n"
                     "finding; 2 usage error or a bad rule")
def run(a):
    argv = a.rest
    if not argv:
        status.die_usage("run: no program (shmfuzz run [OPTIONS] -- PROGRAM ARGS...)")
    if a.suppressions:
        # the library's ledger and --isolate's listing (suppress.py) read it
        os.environ["SHMFAULT_SUPPRESSIONS"] = a.suppressions
    mc = memcheck.Memcheck(a)
    mc.prepare("run")
    lib = os.environ.get("SHMFAULT_LIB") or os.path.join(build.tools("dev"), "lib", "libshmfault.so")
    if not os.path.isfile(lib):
        status.die(f"run: {lib} not found (build the dev preset or set SHMFAULT_LIB)")
    tool = os.path.join(os.path.dirname(os.path.dirname(lib)), "bin", "shmfault-memcheck")
    _check_rules(os.path.join(os.path.dirname(tool), "shmfault-info"), a.rules)
    env = {"LD_PRELOAD": build.preloadable(lib), "SHMFAULT_RULES": ";".join(a.rules), "SHMFAULT_LEDGER": "stderr"}
    if a.rules_file:
        env["SHMFAULT_RULES_FILE"] = a.rules_file
    if a.seed:
        env["SHMFAULT_SEED"] = a.seed
    if a.trace:
        env["SHMFAULT_TRACE"] = a.trace
    # Without --isolate each process judges its own leaks at its exit (all the library can do);
    # with it the tree is judged once, when it is done, from what is left in its namespace: a
    # process that hands an object to a peer it exec'd does not fail for it.
    if a.fail_on_leak and not a.isolate:
        env["SHMFAULT_LEAK_EXIT"] = str(status.FINDING)
    if a.count:
        env["SHMFAULT_COUNT"] = "1"
    cmd = mc.run_command(tool, argv)
    if a.isolate:
        # env(1) sets the variables inside the namespaces, for the program only
        rc = isolate.run_isolated(["env", *[f"{k}={v}" for k, v in env.items()], *cmd],
                                  left_status=status.FINDING if a.fail_on_leak else None)
    else:
        rc = proc.run(cmd, env=proc.env_with(**env), stdin=None)
    if 128 < rc < 160:
        status.info(f"run: {argv[0]} was killed by signal {rc - 128} (status {rc})")
    elif rc != 0:
        status.info(f"run: {argv[0]} exited with status {rc}")
    return mc.run_verdict(tool, rc)
