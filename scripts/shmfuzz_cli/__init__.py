"""shmfuzz_cli: the shmfuzz command (scripts/shmfuzz), one Python 3 program, standard library
only. docs/cli.md is the user's page; this is the map for whoever adds or changes a command.

Modules (one concern each):
  cli       declarative subcommands (Opt, Arg, @command), generated --help, the one parser,
            and main(): the only place an outcome becomes an exit status
  status    OK 0, FINDING 1, USAGE 2, SKIP 77, INTERRUPTED 130; info(msg) -> "shmfuzz: msg"
            on stderr; raise ShmfuzzError / UsageError / Skipped (die(), die_usage()) for 2/77.
            Any other exception escaping a command: traceback + exit 2, never 1
  config    ROOT, SCRIPTS, SELF, CATALOGUE; get("SHMFUZZ_X"): our configuration variables,
            removed from os.environ at import (children never see them); self_env() to run
            shmfuzz again; build_dir_override (--build-dir / SHMFUZZ_BUILD_DIR); tty()
  proc      run(argv, ...) -> status; capture(argv, merge=True, timeout=) -> (status, text);
            text()/raw() bytes<->str with surrogateescape (non-UTF-8 bytes survive);
            shell_line(argv) = shlex.join for reproducers; need_tool(); env_with(**vars)
  build     ensure(preset) -> build dir (at most one cmake per preset and command, quiet, log
            path on failure; SHMFUZZ_NO_BUILD, SHMFUZZ_BUILD_<preset>, --build-dir honoured);
            builddir(preset) without building; binary(build, target, kind); need_binary();
            need_built(preset, target, kind): the three in one
  workdir   make(name) / temp(name): $TMPDIR/shmfuzz-NAME.XXXXXX removed on every exit path;
            SIGTERM raises status.Interrupted (unwinds like Ctrl-C's KeyboardInterrupt)
  isolate   isolated(argv): argv in a private IPC + mount ns with its own /dev/shm;
            run_isolated(argv, left_status, env): run --isolate (IPC, mount, PID ns + listing)
  suppress  load(path), suppressed(rules, (kind, ident)): SHMFAULT_SUPPRESSIONS format
  targets   listing()/names()/need(t), catalogue(), catalogue_field(t, n), hardened_of(t),
            dict_of(t), target_of_file(path), campaign_of/campaign_value, replay_preset();
            need_target_of(), replay_setup(): the preamble of the commands that replay inputs
  replay    run(replay, path) -> (status, output), kind(), kind_from_output(),
            reason_from_output(), site_hash(), valgrind_opts()
  engines   Engine(name, out).start/running/stop/stats; seed_dir(); collect_findings();
            finding_files(); afl_wrap(); need_engine()

A command is a module cmd_NAME.py (found by name at start-up) with one function:

    from . import status
    from .cli import Arg, Opt, command

    @command("triage", "group the findings of a directory by kind and site",
             args=[Arg("DIR", missing="triage: which DIR? (shmfuzz triage --help)")],
             opts=[Opt("--target", "T", help="the fuzz target"),
                   Opt("--jobs", "N", kind="uint", default=1, help="...")],
             about="what it does (indented into --help)", exit_status="0 ..., 1 ...")
    def triage(a):       # a.dir, a.target, a.jobs (a.rest: words after -- with rest="PROGRAM")
        return status.FINDING

Options: Opt(name, metavar=None -> a flag, help, default, kind=str|"uint"|"uint0"|"int"|
[choices]|fn, repeat). Every command gets --build-dir DIR (build_dir=False to opt out).
rest="PROGRAM ARGS..." takes everything after "--" (rest_at_positional=True: from the first
positional past the declared ones). passthrough=True hands the raw argv to fn (bench).
raw_help="..." replaces the generated help.
"""
