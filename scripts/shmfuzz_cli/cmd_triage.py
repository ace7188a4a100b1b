"""shmfuzz triage: group the findings of a directory by kind and stable site hash.

Every input under DIR is replayed once; inputs are grouped by (kind, site), each group one
line with its count and its smallest input. AFL++'s own crashes/ and hangs/ files are skipped
where the campaign's findings/ holds their copy (afl-INST-KIND-ID): one input, counted once.
Inputs that replay ok or cannot be replayed are counted and said, never dropped silently."""

import os
import re

from . import build, replay, report, status, targets
from .cli import Arg, Opt, command

_SKIP_NAMES = {"README.txt", "campaign.txt", "fuzzer_stats", "plot_data", "cmdline",
               "fuzz_bitmap", "fuzzer_setup"}
_SKIP_DIRS = {"queue", "corpus", "seeds", "logs", "seeds-with-findings"}


def _target_of_dir(d, inputs):
    """DIR's campaign.txt's target, else its first input's ("" when neither tells)."""
    campaign = os.path.join(d, "campaign.txt")
    target = targets.campaign_value(campaign, "target") if os.path.isfile(campaign) else ""
    return target or (targets.target_of_file(inputs[0]) if inputs else "")


@command("triage", "group the findings of a directory by kind and stable site hash, one line each",
         args=[Arg("DIR", missing="triage: which DIR? (shmfuzz triage --help)")],
         opts=[Opt("--target", "T", help="the fuzz target (default: DIR's campaign.txt, or DIR's name)"),
               Opt("--preset", "P", help="the build whose replay driver judges; default: the preset of DIR's\n"
                   "campaign (campaign.txt in DIR or above it: the build that found them), else dev")],
         about="Replays every file under DIR (recursively; AFL++'s README.txt, engine queues and seeds,\n"
               "shmfuzz's own reports are skipped; an AFL++ crash copied to findings/ counts once)\n"
               "and prints one line per unique finding:\n"
               "    KIND  SITE-HASH  COUNT  REPRODUCER\n"
               "          REASON\n"
               "The site hash is stable across runs and machines: the kind, the verdict reason with\n"
               "numbers and addresses replaced, and the top three frames of a sanitizer stack if any.\n"
               "Also writes DIR/triage.tsv.",
         exit_status="0 nothing in DIR is a finding, 1 findings (listed), 2 usage or set-up error")
def triage(a):
    if not os.path.isdir(a.dir):
        status.die_usage(f"triage: {a.dir}: no such directory")
    d = os.path.abspath(a.dir)
    inputs = inputs_of(d)
    target = targets.need_target_of("triage", d, a.target, lambda _: _target_of_dir(d, inputs))
    preset = targets.replay_preset("triage", d, a.preset)
    rp = build.need_built(preset, target, "replay")

    groups = {}  # (kind, site) -> [count, size, smallest input, reason]; in order of finding
    nok = nerr = 0
    progress = status.Progress()
    for i, f in enumerate(inputs, 1):
        progress.update(f"triage: {i} of {len(inputs)} replayed, "
                        f"{sum(g[0] for g in groups.values())} finding(s)")
        out = replay.run(rp, f)[1]
        kind = replay.kind_from_output(out)
        if kind == "ok":
            nok += 1
            continue
        if kind == "error":
            nerr += 1
            continue
        key = (kind, replay.site_hash(kind, out))
        size = os.path.getsize(f)
        reason = replay.reason_from_output(out) or replay.sanitizer_reason(out)
        g = groups.get(key)
        if g is None:
            groups[key] = [1, size, f, reason]
        else:
            g[0] += 1
            if size < g[1]:
                g[1:] = [size, f, reason]
    progress.end()
    findings = sum(g[0] for g in groups.values())
    rows = sorted(groups.items())
    tsv = os.path.join(d, "triage.tsv")
    try:
        with open(tsv, "w", encoding="utf-8", errors="surrogateescape") as t:
            t.write("kind\tsite\tcount\treproducer\treason\n")
            for (kind, site), (count, _, f, reason) in rows:
                # a path may hold a tab or newline: escaped, the other bytes as they are
                t.write("\t".join(map(report.tsv_field, (kind, site, str(count), f, reason))) + "\n")
    except OSError as e:
        status.die(f"triage: cannot write {tsv}: {e.strerror}")
    status.info(f"triage: {len(inputs)} input(s) replayed on {target} (preset {preset}), "
                f"{findings} finding(s), {len(groups)} unique")
    if nok:
        status.info(f"triage: {nok} input(s) replay ok on preset {preset}: not findings there "
                    "(another build, e.g. --preset libfuzzer for sanitizer findings, may differ)")
    if nerr:
        status.info(f"triage: {nerr} input(s) could not be replayed on {target}")
    for (kind, site), (count, _, f, reason) in rows:
        status.out(f"{kind:<10} {site} {count:4d}  {f}\n           {reason}")
    return status.FINDING if findings else status.OK


def inputs_of(d):
    """The inputs under d, sorted, without engine trees, reports, and AFL++ originals whose
    copy is in the campaign's findings/."""
    out = []
    for dirpath, dirnames, filenames in os.walk(d):
        dirnames[:] = sorted(n for n in dirnames if n not in _SKIP_DIRS and not n.startswith("."))
        for n in sorted(filenames):
            if n in _SKIP_NAMES or n.startswith(".") or n.endswith((".md", ".tsv", ".log")):
                continue
            p = os.path.join(dirpath, n)
            if os.path.isfile(p) and not _copied(p):
                out.append(p)
    return sorted(out)


def _copied(p):
    """An AFL++ crashes/ or hangs/ file whose copy is in findings/ (engines.collect_findings)."""
    parent = os.path.basename(os.path.dirname(p))
    if parent not in ("crashes", "hangs"):
        return False
    m = re.match(r"id:(\d+)", os.path.basename(p))
    inst_dir = os.path.dirname(os.path.dirname(p))
    afl_dir = os.path.dirname(inst_dir)
    if not m or os.path.basename(afl_dir) != "afl":
        return False
    kind = "crash" if parent == "crashes" else "hang"
    copy = os.path.join(os.path.dirname(afl_dir), "findings",
                        f"afl-{os.path.basename(inst_dir)}-{kind}-{m.group(1)}")
    return os.path.isfile(copy)
