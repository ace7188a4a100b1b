"""Declarative subcommands: options and positionals as data, help generated from them,
one parser for all (bad input: one line on stderr, exit 2), and main(), the one place where
an outcome becomes an exit status (status.py).

A subcommand module cmd_NAME.py declares itself:

    from .cli import Opt, Arg, command

    @command("repro", "replay one saved input exactly: ...",
             args=[Arg("FILE")],
             opts=[Opt("--target", "T", help="the fuzz target ..."),
                   Opt("--trace", help="also print libshmfault's trace")],
             about="Replays FILE ...", exit_status="1 the finding reproduces, ...")
    def repro(a):          # a.file, a.target, a.trace; a.rest for rest=True commands
        return status.OK
"""

import importlib
import os
import sys
import traceback

from . import config, status, workdir

REGISTRY = {}
INT_MAX = 2**31 - 1


class Opt:
    """One option. metavar None: a flag (False/True). kind: str, uint (>= 1), uint0 (>= 0),
    int (any whole number, 0x too), a list of choices, or a function value -> value that raises
    status.UsageError. maximum: the largest uint/uint0 (default INT_MAX: the C tools and the
    engines take the value as an int, and a bigger one wraps or aborts them). repeat: every
    occurrence appended to a list."""

    def __init__(self, name, metavar=None, help="", default=None, kind=str, repeat=False,
                 dest=None, maximum=INT_MAX):
        self.name, self.metavar, self.help, self.kind, self.repeat = name, metavar, help, kind, repeat
        self.maximum = maximum
        self.dest = dest or name.lstrip("-").replace("-", "_")
        if default is None:
            default = [] if repeat else (False if metavar is None else None)
        self.default = default

    def usage(self):
        if self.metavar is None:
            return f"[{self.name}]"
        mv = "|".join(self.kind) if isinstance(self.kind, (list, tuple)) else self.metavar
        return f"[{self.name} {mv}]"

    def convert(self, cmd, value):
        k = self.kind
        if isinstance(k, (list, tuple)):
            if value not in k:
                status.die_usage(f"{cmd}: {self.name} is {_alternatives(k)}, not '{value}'")
            return value
        if k in ("uint", "uint0"):
            low = 1 if k == "uint" else 0
            if not value.isdigit() or not value.isascii() or int(value) < low:
                status.die_usage(f"{cmd}: {self.name} wants a whole number >= {low}, not '{value}'")
            if int(value) > self.maximum:
                status.die_usage(f"{cmd}: {self.name} {value} is too large (at most {self.maximum})")
            return int(value)
        if k == "int":
            try:
                int(value, 0)
            except ValueError:
                status.die_usage(f"{cmd}: {self.name} '{value}' is not a number")
            return value
        if callable(k) and k is not str:
            return k(value)
        return value


def _alternatives(choices):
    choices = list(choices)
    return choices[0] if len(choices) == 1 else ", ".join(choices[:-1]) + " or " + choices[-1]


class Arg:
    """A positional. required: missing -> 'missing' message (default: which NAME?)."""

    def __init__(self, name, required=True, missing=None):
        self.name, self.required = name, required
        self.dest = name.lower().replace("-", "_")
        self.missing = missing


# Accepted by every command that builds or reads a build (docs/cli.md "Builds").
BUILD_DIR = Opt("--build-dir", "DIR", help="an existing build (in-tree or out-of-tree, with its\n"
                "shmfuzz-targets.tsv) used as it is for every preset: no cmake")


class Command:
    def __init__(self, name, summary, fn, args=(), opts=(), about="", exit_status="",
                 rest=None, rest_at_positional=False, build_dir=True, raw_help=None,
                 passthrough=False):
        self.name, self.summary, self.fn = name, summary, fn
        self.args, self.opts = list(args), list(opts)
        if build_dir:
            self.opts.append(BUILD_DIR)
        self.about, self.exit_status = about, exit_status
        self.rest, self.rest_at_positional = rest, rest_at_positional
        self.raw_help, self.passthrough = raw_help, passthrough

    def help(self):
        if self.raw_help:
            return self.raw_help.rstrip("\n") + "\n"
        words = [f"usage: shmfuzz {self.name}"]
        words += [a.name if a.required else f"[{a.name}]" for a in self.args]
        words += [o.usage() for o in self.opts]
        if self.rest:
            words.append(f"-- {self.rest}")
        lines, line = [], ""
        for w in words:
            if line and len(line) + 1 + len(w) > 94:
                lines.append(line)
                line = " " * (len(self.name) + 16) + w
            else:
                line = f"{line} {w}" if line else w
        lines.append(line)
        text = "\n".join(lines) + "\n"
        if self.about:
            text += "\n" + _indent(self.about.strip("\n"), "  ") + "\n"
        shown = [o for o in self.opts if o.help]
        if shown:
            text += "\n"
            for o in shown:
                head = o.name if o.metavar is None else f"{o.name} {o.metavar}"
                body = o.help.strip("\n").split("\n")
                if len(head) <= 14:
                    text += f"  {head:<15}{body[0]}\n"
                else:
                    text += f"  {head}\n{'':17}{body[0]}\n"
                for b in body[1:]:
                    text += f"{'':17}{b.strip()}\n"
        if self.exit_status:
            es = self.exit_status.strip("\n").split("\n")
            text += "\nexit status: " + es[0] + "\n" + "".join(f"{'':13}{e.strip()}\n" for e in es[1:])
        return text

    def parse(self, argv):
        """argv -> a namespace; None when --help was printed."""
        ns = _Namespace()
        for o in self.opts:
            setattr(ns, o.dest, list(o.default) if o.repeat else o.default)
        for a in self.args:
            setattr(ns, a.dest, None)
        ns.rest = []
        by_name = {o.name: o for o in self.opts}
        pos = []
        i = 0
        while i < len(argv):
            w = argv[i]
            if w in ("-h", "--help"):
                sys.stdout.write(self.help())
                return None
            if w == "--" and self.rest:
                ns.rest = argv[i + 1:]
                break
            if w.startswith("-") and w != "-":
                name, eq, value = w.partition("=")
                o = by_name.get(name)
                if o is None:
                    status.die_usage(f"{self.name}: unknown option '{w}' (shmfuzz {self.name} --help)")
                if o.metavar is None:
                    if eq:
                        status.die_usage(f"{self.name}: {name} takes no value")
                    setattr(ns, o.dest, True)
                else:
                    if not eq:
                        if i + 1 >= len(argv):
                            status.die_usage(f"{self.name}: {name} needs a value (shmfuzz {self.name} --help)")
                        i += 1
                        value = argv[i]
                    v = o.convert(self.name, value)
                    if o.repeat:
                        getattr(ns, o.dest).append(v)
                    else:
                        setattr(ns, o.dest, v)
                i += 1
                continue
            if self.rest and self.rest_at_positional and len(pos) >= len(self.args):
                ns.rest = argv[i:]
                break
            if len(pos) >= len(self.args):
                if len(self.args) == 1:
                    status.die_usage(f"{self.name}: one {self.args[0].name} at a time "
                                     f"(got '{pos[0]}' and '{w}')")
                status.die_usage(f"{self.name}: unexpected argument '{w}'")
            pos.append(w)
            i += 1
        for a, v in zip(self.args, pos):
            setattr(ns, a.dest, v)
        for a in self.args[len(pos):]:
            if a.required:
                status.die_usage(a.missing or f"{self.name}: which {a.name}? (shmfuzz {self.name} --help)")
        if getattr(ns, "build_dir", None):
            set_build_dir(ns.build_dir)
        return ns


class _Namespace:
    def __repr__(self):
        return repr(self.__dict__)


def _indent(text, pre):
    return "\n".join(pre + line if line else line for line in text.split("\n"))


def command(name, summary, **kw):
    """Decorator: registers fn as subcommand name (see the module docstring)."""

    def register(fn):
        REGISTRY[name] = Command(name, summary, fn, **kw)
        return fn

    return register


def set_build_dir(d):
    if not os.path.isdir(d):
        status.die_usage(f"--build-dir {d}: no such directory")
    config.build_dir_override = os.path.abspath(d)


def _load_commands():
    for f in sorted(os.listdir(os.path.dirname(os.path.abspath(__file__)))):
        if f.startswith("cmd_") and f.endswith(".py"):
            importlib.import_module(f"{__package__}.{f[:-3]}")


def usage():
    cmds = {n: c.summary for n, c in REGISTRY.items()}
    text = ("usage: shmfuzz [--build-dir DIR] COMMAND [ARGS...]      (shmfuzz COMMAND --help for each)\n\n"
            "commands:\n")
    text += "".join(f"  {n:<10} {cmds[n]}\n" for n in sorted(cmds))
    text += ("\noptions:\n  --build-dir DIR  an existing build (in-tree or out-of-tree) for every preset:"
             " no cmake\n\nexit status: 0 clean, 1 findings, 2 usage or set-up error, 77 skipped\n")
    return text


def _dispatch(argv):
    _load_commands()
    argv = list(argv)
    while argv and argv[0].startswith("--build-dir"):
        name, eq, value = argv[0].partition("=")
        if name != "--build-dir":
            break
        if not eq:
            if len(argv) < 2:
                status.die_usage("--build-dir needs a value (shmfuzz --help)")
            value = argv[1]
            argv = argv[1:]
        set_build_dir(value)
        argv = argv[1:]
    if not argv or argv[0] in ("-h", "--help", "help"):
        sys.stdout.write(usage())
        return status.OK
    name, rest = argv[0], argv[1:]
    cmd = REGISTRY.get(name)
    if cmd is None:
        status.die_usage(f"unknown command '{name}' (shmfuzz --help lists them)")
    if cmd.passthrough:
        return cmd.fn(rest)
    ns = cmd.parse(rest)
    if ns is None:
        return status.OK
    return cmd.fn(ns)


def _setup_streams():
    for s in (sys.stdout, sys.stderr):
        try:
            s.reconfigure(errors="surrogateescape", line_buffering=True)
        except (AttributeError, ValueError):
            pass


def main(argv):
    """The only place an outcome becomes an exit status (status.py)."""
    _setup_streams()
    workdir.install_signal_handlers()
    try:
        rc = _dispatch(argv)
        if not isinstance(rc, int) or isinstance(rc, bool):
            raise TypeError(f"a command returned {rc!r}, not a status")
        return rc
    except status.ShmfuzzError as e:
        status.info(f"{e.prefix}{e}")
        return e.status
    except (KeyboardInterrupt, status.Interrupted):
        status.info("interrupted")
        return status.INTERRUPTED
    except BrokenPipeError:
        return status.USAGE
    except Exception as e:  # an internal error: never exit 1, which means "findings"
        tb = traceback.format_exc()
        status._write(sys.stderr, tb)
        status.info(f"internal error: {type(e).__name__}: {e} (a bug in shmfuzz: the traceback "
                    "above says where; exit 2)")
        return status.USAGE
