"""How shmfuzz drives libFuzzer and AFL++, and reads their progress.

A campaign is an out dir with a fixed layout, so every other command can read it:
  campaign.txt   target=, preset=, engine=, jobs=, seconds=, seed=, started=; written first,
                 so every finding lies in a dir that says what found it
  seeds/         the binary seeds the campaign started from
  corpus/        libFuzzer's growing corpus      afl/<instance>/  AFL++'s -o tree
  findings/      every saved finding, engine-independent names (what triage reads)
  logs/          engine output (AFL++: findings.log, the harness's reason of each finding it judged)
  summary.md     the end report
The engines write their findings to disk themselves; the summary only replays copies.

Progress comes from the engines' own reports, read so that a half-written line is skipped,
never fatal: AFL++'s fuzzer_stats and plot_data (whichever is further along), libFuzzer's
status lines (whose exec/s is 0 in the first second and whose lines then come at powers of
two: our own rate from the counts we saw and when, where it says 0) and final stats.
"""

import glob
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import time

from . import build, config, proc, status

PRESET = {"libfuzzer": "libfuzzer", "afl": "afl"}


def afl_wrap():
    """unshare -i when we may (root): prefixed to every afl-fuzz, afl-tmin, afl-cmin."""
    if os.geteuid() == 0 and proc.capture(["unshare", "-i", "true"])[0] == 0:
        return ["unshare", "-i", "--"]
    return []


def plain_names(work, **paths):
    """libFuzzer runs its own sub-processes (-fork=N, -merge=1, -minimize_crash=1) through
    sh -c with its arguments joined by spaces, unquoted: a path holding a space or a quote
    (a user's checkout, an out dir) breaks them ("sh: 1: /tmp/my: not found"). So each path
    gets a symlink with a plain name in work, the engine runs there (cwd) and is given those
    names, and TMPDIR="." puts libFuzzer's own temporary directories in work too (removed with
    it: a stopped -fork run leaves its libFuzzerTemp.* behind). Returns the environment."""
    for name, path in paths.items():
        os.symlink(os.path.abspath(path), os.path.join(work, name))
    return proc.env_with(TMPDIR=".")


def seed_dir(build_dir, target, dest):
    """Binary seeds into dest: the build's encoded corpus, or the text seeds encoded with the
    replay driver. Never leaves dest empty: AFL++ refuses an empty input directory."""
    from . import targets

    os.makedirs(dest, exist_ok=True)
    n = 0
    src = os.path.join(build_dir, "corpus", target)
    files = sorted(glob.glob(os.path.join(src, "*"))) if os.path.isdir(src) else []
    if files:
        for f in files:
            if os.path.isfile(f):
                shutil.copy(f, dest)
                n += 1
    else:
        seeds = os.path.join(config.ROOT, "corpus", targets.hardened_of(target), "seeds")
        replay = build.binary(build_dir, target, "replay")
        for s in sorted(glob.glob(os.path.join(seeds, "*.txt"))):
            name = os.path.basename(s)[:-4]
            if proc.capture([replay, "--encode", "-o", os.path.join(dest, name), s])[0] == 0:
                n += 1
    if n == 0:
        with open(os.path.join(dest, "empty"), "w") as f:
            f.write("SFZ")


class Engine:
    """The running engine processes of one campaign (each in its own session, so a terminal's
    Ctrl-C comes to us and we stop the whole engine tree)."""

    def __init__(self, name, out, work):
        self.name, self.out, self.procs, self.started = name, out, [], time.monotonic()
        self.work = work  # the campaign's temporary directory: libFuzzer runs there
        self._lf_seen = {}  # libFuzzer: count -> when we first saw it

    def start(self, binary, seconds, jobs, seed, dict_file, keep_going):
        self.started = time.monotonic()
        if self.name == "libfuzzer":
            self._start_libfuzzer(binary, seconds, jobs, seed, dict_file, keep_going)
        else:
            self._start_afl(binary, seconds, jobs, seed, dict_file, keep_going)

    def _spawn(self, argv, log, env=None, cwd=None):
        with open(log, "wb") as f:
            p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT,
                                 env=env, cwd=cwd, start_new_session=True)
        p.log = log
        self.procs.append(p)

    def _start_libfuzzer(self, binary, secs, jobs, seed, dict_file, keep):
        out = self.out
        names = {"engine": binary, "findings": f"{out}/findings", "corpus": f"{out}/corpus",
                 "seeds": f"{out}/seeds"}
        if dict_file:
            names["dict"] = dict_file
        env = plain_names(self.work, **names)
        args = ["./engine", f"-seed={seed}", f"-max_total_time={secs}", "-timeout=10",
                "-rss_limit_mb=4096", "-artifact_prefix=findings/", "-print_final_stats=1",
                "-reload=1"]
        if dict_file:
            args.append("-dict=dict")
        if jobs > 1 or keep:
            args.append(f"-fork={jobs}")
            if keep:
                args += ["-ignore_crashes=1", "-ignore_timeouts=1", "-ignore_ooms=1"]
        args += ["corpus", "seeds"]
        self._spawn(args, f"{out}/logs/libfuzzer.log", env=env, cwd=self.work)

    def _start_afl(self, binary, secs, jobs, seed, dict_file, keep):
        out = self.out
        args = ["-V", str(secs), "-t", "10000", "-i", f"{out}/seeds", "-o", f"{out}/afl"]
        if dict_file:
            args += ["-x", dict_file]
        # afl-fuzz discards the target's stderr: the harness appends each finding it judges
        # to logs/findings.log (SHMFUZZ_FINDINGS_LOG), the reason of a saved crash
        env = proc.env_with(AFL_NO_UI=1, AFL_SKIP_CPUFREQ=1,
                            AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1,
                            SHMFUZZ_FINDINGS_LOG=os.path.abspath(f"{out}/logs/findings.log"))
        env.update(self._statsd_listen())
        if not keep:  # stops an instance at its first crash; any value (even 0) sets it
            env["AFL_BENCH_UNTIL_CRASH"] = "1"
        mutator = re.sub(r"-afl$", "", binary) + "-afl-mutator.so"
        if os.path.isfile(mutator):  # the program-level mutator (driver_afl_mutator.c)
            env["AFL_CUSTOM_MUTATOR_LIBRARY"] = mutator
        wrap = afl_wrap()
        for i in range(jobs):
            name, role = ("main", "-M") if i == 0 else (f"s{i}", "-S")
            argv = [*wrap, "afl-fuzz", role, name, "-s", str(seed + i), *args, "--", binary]
            self._spawn(argv, f"{out}/logs/afl-{name}.log", env=env)

    def running(self):
        return any(p.poll() is None for p in self.procs)

    def stop(self):
        """TERM to each process group (they save state and exit), KILL if they linger."""
        # Which ended by themselves first, and how: an engine that failed to start (a flag it
        # rejects, a binary that aborts) must not read as "no finding".
        self.ended = [(p, p.returncode) for p in self.procs if p.poll() is not None]
        for p in self.procs:
            _killpg(p, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for p in self.procs:
            try:
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        for p in self.procs:
            _killpg(p, signal.SIGKILL)
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass

    def failure(self):
        """(log path, status) of an engine process that ended by itself with a non-zero
        status before stop(), else None."""
        for p, rc in getattr(self, "ended", []):
            if rc != 0:
                return p.log, rc
        return None

    # ---- progress ------------------------------------------------------------------------
    def stats(self):
        """(execs, execs per second, coverage) from the engine's own reports."""
        if self.name == "libfuzzer":
            return self._libfuzzer_stats()
        files = afl_stats(self.out)
        live = self._statsd_stats()
        if live is None or live[0] <= files[0]:
            return files
        return live[0], live[1], max(live[2], files[2])

    # AFL++ writes fuzzer_stats and plot_data rarely (plot_data not at all in its first minute,
    # fuzzer_stats once a minute without its UI): the live numbers come from its StatsD
    # metrics instead, one UDP datagram a second per instance to a socket of ours on
    # 127.0.0.1. The files stay the final word (and the only one if StatsD is missing).
    def _statsd_listen(self):
        try:
            self._statsd = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self._statsd.bind(("127.0.0.1", 0))
            self._statsd.setblocking(False)
        except OSError:
            self._statsd = None
            return {}
        self._statsd_last = {}  # sender (one per instance) -> {metric: value}
        return {"AFL_STATSD": "1", "AFL_STATSD_HOST": "127.0.0.1",
                "AFL_STATSD_PORT": str(self._statsd.getsockname()[1])}

    def _statsd_stats(self):
        sock = getattr(self, "_statsd", None)
        if sock is None:
            return None
        while True:
            try:
                data, sender = sock.recvfrom(65536)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                return None
            metrics = self._statsd_last.setdefault(sender, {})
            for line in data.decode("ascii", "replace").splitlines():
                name, _, rest = line.partition(":")
                value = rest.split("|", 1)[0]
                try:
                    v = float(value)
                except ValueError:
                    continue  # a metric we do not read, or a datagram cut short
                if math.isfinite(v):  # AFL++ sends an "inf" rate before its first second
                    metrics[name.rsplit(".", 1)[-1]] = v
        if not self._statsd_last:
            return None
        inst = self._statsd_last.values()
        return (int(sum(m.get("execs_done", 0) for m in inst)),
                int(sum(m.get("execs_per_sec", 0) for m in inst)),
                int(max(m.get("edges_found", 0) for m in inst)))

    def _libfuzzer_stats(self):
        log = os.path.join(self.out, "logs", "libfuzzer.log")
        execs = eps = cov = 0
        final_n = final_e = None
        try:
            with open(log, "rb") as f:
                data = f.read()
        except OSError:
            data = b""
        for raw in data.split(b"\n")[:-1]:  # the last piece may be half-written
            line = raw.decode("utf-8", "replace")
            m = _LF_STATUS.match(line)
            if m:
                execs = int(m.group(1))
                c = _LF_COV.search(line)
                if c:
                    cov = int(c.group(1))
                e = _LF_EPS.search(line)
                eps = int(e.group(1)) if e else 0
                continue
            m = _LF_FINAL.match(line)
            if m:
                if m.group(1) == "number_of_executed_units":
                    final_n = int(m.group(2))
                else:
                    final_e = int(m.group(2))
        if final_n is not None and final_n >= execs:
            execs = final_n
            if final_e:
                eps = final_e
        now = time.monotonic()
        self._lf_seen.setdefault(execs, now)
        if eps == 0 and execs > 0:
            # libFuzzer's exec/s is 0 within its first second and its lines then get rare
            # (powers of two): the rate from the count and when we first saw it.
            took = self._lf_seen[execs] - self.started
            eps = int(execs / took) if took >= 1 else execs
        return execs, eps, cov


_LF_STATUS = re.compile(r"^#(\d+):?\s")
_LF_COV = re.compile(r"cov: (\d+)")
_LF_EPS = re.compile(r"exec/s:? (\d+)")
_LF_FINAL = re.compile(r"^stat::(number_of_executed_units|average_exec_per_sec):\s*(\d+)")


def _killpg(p, sig):
    try:
        os.killpg(p.pid, sig)
    except (ProcessLookupError, PermissionError):
        try:
            p.send_signal(sig)
        except (ProcessLookupError, OSError):
            pass


def _read_fuzzer_stats(path):
    vals = {}
    try:
        with open(path, "rb") as f:
            for raw in f.read().split(b"\n"):
                k, sep, v = raw.decode("utf-8", "replace").partition(":")
                if sep:
                    vals[k.strip()] = v.strip()
    except OSError:
        pass
    return vals


def _last_plot_row(path):
    """The last complete plot_data row as numbers (AFL++ 4.x: relative_time, cycles_done,
    cur_item, corpus_count, pending_total, pending_favs, map_size, saved_crashes, saved_hangs,
    max_depth, execs_per_sec, total_execs, edges_found); None when there is none. A row being
    appended (short, or not ending in a newline) is skipped."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None
    for raw in reversed(data.split(b"\n")[:-1]):
        line = raw.decode("utf-8", "replace").strip()
        if not line or line.startswith("#"):
            continue
        cols = [c.strip() for c in line.split(",")]
        if len(cols) < 13:
            continue
        try:
            [float(c.rstrip("%")) for c in cols[:13]]
        except ValueError:
            continue
        return [_num(c) for c in cols[:13]]
    return None


def _num(s):
    """A number of a status file: 0 for anything else (AFL++ writes "inf" and "nan" too)."""
    try:
        v = float(str(s).rstrip("%"))
    except ValueError:
        return 0.0
    return v if math.isfinite(v) and v >= 0 else 0.0


def afl_stats(out):
    """(execs, execs per second, edges) summed (edges: max) over the AFL++ instances."""
    execs = eps = cov = 0
    for inst in sorted(glob.glob(os.path.join(out, "afl", "*"))):
        fs = _read_fuzzer_stats(os.path.join(inst, "fuzzer_stats"))
        row = _last_plot_row(os.path.join(inst, "plot_data"))
        e = _num(fs.get("execs_done", 0))
        r = _num(fs.get("execs_per_sec", 0))
        c = _num(fs.get("edges_found", 0))
        if row is not None and row[11] >= e:
            e, r, c = row[11], row[10] or r, max(c, row[12])
        execs += int(e)
        eps += int(r)
        cov = max(cov, int(c))
    return execs, eps, cov


def collect_findings(engine, out):
    """Copy what AFL++ saved into out/findings (its names hold ':' and ','). Idempotent."""
    if engine != "afl":
        return
    for kind_dir, kind in (("crashes", "crash"), ("hangs", "hang")):
        for f in sorted(glob.glob(os.path.join(out, "afl", "*", kind_dir, "id:*"))):
            inst = os.path.basename(os.path.dirname(os.path.dirname(f)))
            m = re.match(r"id:(\d+)", os.path.basename(f))
            dest = os.path.join(out, "findings", f"afl-{inst}-{kind}-{m.group(1) if m else '0'}")
            if not os.path.exists(dest):
                shutil.copy(f, dest)


def finding_files(out):
    """The saved findings of a campaign (not the .txt and .min files made from them)."""
    d = os.path.join(out, "findings")
    try:
        names = sorted(os.listdir(d))
    except OSError:
        return []
    return [os.path.join(d, n) for n in names
            if not n.endswith((".txt", ".min")) and os.path.isfile(os.path.join(d, n))]


def need_engine(engine):
    if engine == "afl":
        proc.need_tool("afl-fuzz")
    return PRESET[engine]
