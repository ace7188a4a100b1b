"""report.py: one data model from the C tools' output to report.json, report.md and junit.xml.

Two models, each read once and counted once:
  Matrix    the rows of shmfault-enum's cells.tsv (tools/shmfault-enum.c) with the command that
            produced them; `shmfuzz enumerate` writes it as REPORT/report.{json,md} and
            REPORT/junit.xml, each non-ok row with its reproducers (argument lists, quoted by
            shlex.join only when shown).
  Checks    the checks of `shmfuzz ci` (one JUnit test case and one summary line each).

Text from the tools is bytes: a /dev/shm name a fuzzed library created can be anything. It is
read as UTF-8 with surrogateescape (PEP 383), so every byte survives into the model, and is
written by visible(): valid UTF-8 stays as it is, a backslash becomes `\\`, and a byte that is
not valid UTF-8 (or a control character other than tab and newline) becomes `\\xNN`. The rule
is reversible (invisible() undoes it; docs/cli.md "Reports") and its output is valid UTF-8, so
JSON, Markdown and XML all parse.
"""
import json
import os
import re
import shlex
from xml.sax.saxutils import escape as xml_escape, quoteattr

# ---- text that may not be UTF-8 -----------------------------------------------------------------

def decode(data):
    """bytes (or str) -> str; bytes that are not UTF-8 kept as lone surrogates (PEP 383)."""
    if isinstance(data, str):
        return data
    return data.decode("utf-8", "surrogateescape")


def encode(text):
    """The inverse of decode(): the original bytes."""
    return text.encode("utf-8", "surrogateescape")


def _visible_char(ch):
    o = ord(ch)
    if ch == "\\":
        return "\\\\"
    if 0xDC80 <= o <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
        return "\\x%02x" % (o - 0xDC00)
    if (o < 0x20 and ch not in "\t\n") or o == 0x7F:
        return "\\x%02x" % o
    if 0xD800 <= o <= 0xDFFF:  # cannot come from decode(); never let one through
        return "\\u%04x" % o
    return ch


_NEEDS = re.compile("[\\\\\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")


def visible(text):
    """Valid UTF-8 text with a visible, reversible escape (see the module comment)."""
    text = decode(text)
    if not _NEEDS.search(text):
        return text
    return "".join(_visible_char(c) for c in text)


_ESCAPE = re.compile(r"\\(\\|x[0-9a-f]{2})")


def invisible(text):
    """The bytes visible() was given (for readers of report.json)."""
    out = bytearray()
    pos = 0
    for m in _ESCAPE.finditer(text):
        out += text[pos:m.start()].encode("utf-8")
        out += b"\\" if m.group(1) == "\\" else bytes([int(m.group(1)[1:], 16)])
        pos = m.end()
    out += text[pos:].encode("utf-8")
    return bytes(out)


def _visible_tree(value):
    if isinstance(value, str):
        return visible(value)
    if isinstance(value, dict):
        return {visible(k): _visible_tree(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_visible_tree(v) for v in value]
    return value


ESCAPES = ("strings are UTF-8; a backslash is written \\\\ and a byte that is not UTF-8 (or a "
           "control character) \\xNN: replace them back to get the exact bytes (docs/cli.md)")


def write_json(path, obj):
    """obj as JSON, every string made visible(); written whole or not at all."""
    text = json.dumps(_visible_tree(obj), indent=1, ensure_ascii=False) + "\n"
    _write_text(path, text)


def _write_text(path, text):
    tmp = "%s.tmp%d" % (path, os.getpid())
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def md_cell(text):
    """Text for one cell of a Markdown table: visible, a '|' escaped, one line."""
    return visible(text).replace("|", "\\|").replace("\n", " ")


def md_code(text):
    """Text as inline code: visible, the fence longer than any backtick run inside."""
    text = visible(text).replace("\n", " ")
    longest = max((len(r) for r in re.findall("`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def tsv_field(text):
    """One field of a TSV file (fuzz's findings.tsv, triage.tsv): the bytes as they are, but a
    tab or newline (a path may hold them) would split the row, so those and the backslash get
    the same escape as visible(): \\x09, \\x0a, \\\\."""
    return decode(text).replace("\\", "\\\\").replace("\t", "\\x09").replace("\n", "\\x0a")


# ---- JUnit -------------------------------------------------------------------------------------

class Case:
    """One JUnit test case: status pass, fail or skip."""

    def __init__(self, classname, name, status, seconds, message="", body=""):
        self.classname, self.name, self.status = classname, name, status
        self.seconds, self.message, self.body = seconds, message, body


def junit_xml(suites_name, suite_name, cases, seconds):
    """The JUnit XML of CASES (valid UTF-8 whatever bytes the messages hold)."""
    fails = sum(c.status == "fail" for c in cases)
    skips = sum(c.status == "skip" for c in cases)
    attrs = f'tests="{len(cases)}" failures="{fails}" skipped="{skips}" time="{seconds}"'
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f"<testsuites name={quoteattr(visible(suites_name))} {attrs}>",
           f"  <testsuite name={quoteattr(visible(suite_name))} {attrs}>"]
    for c in cases:
        out.append(f"    <testcase classname={quoteattr(visible(c.classname))} "
                   f'name={quoteattr(visible(c.name))} time="{c.seconds}">')
        msg = quoteattr(visible(c.message))
        if c.status == "fail":
            out.append(f"      <failure message={msg}>{xml_escape(visible(c.body))}</failure>")
        elif c.status == "skip":
            out.append(f"      <skipped message={msg}/>")
        elif c.message:
            out.append(f"      <system-out>{xml_escape(visible(c.message))}</system-out>")
        out.append("    </testcase>")
    out += ["  </testsuite>", "</testsuites>", ""]
    return "\n".join(out)


# ---- enumerate: the matrix ----------------------------------------------------------------------

FIELDS = ("cell", "function", "call", "fault", "outcome", "status", "why", "process")


def read_cells(path):
    """The rows of a cells.tsv (header first) as dicts of FIELDS; a short row gets '' fields."""
    with open(path, "rb") as f:
        lines = f.read().split(b"\n")
    rows = []
    for raw in lines[1:]:
        if not raw:
            continue
        parts = decode(raw).split("\t")
        parts += [""] * (len(FIELDS) - len(parts))
        rows.append(dict(zip(FIELDS, parts[:len(FIELDS)])))
    return rows


class Matrix:
    """The rows of one enumeration and how to reproduce each.

    mode "preload": argv is the program and its arguments (absolute program path), lib the
    libshmfault.so; mode "harness": target and input (replay of a harness input). memcheck is
    the user's memcheck options as words (carried into the reproducers).
    """

    def __init__(self, rows, mode, argv, lib="", target="", input_path="", memcheck=(),
                 command="scripts/shmfuzz"):
        self.rows = rows
        self.mode, self.argv, self.lib = mode, list(argv), lib
        self.target, self.input, self.memcheck = target, input_path, list(memcheck)
        self.command = command
        # counted once, here: every number printed or written comes from these
        self.clean_rows = [r for r in rows if r["cell"] == "0"]
        self.cells = [r for r in rows if r["cell"] != "0"]
        self.bad = [r for r in rows if r["outcome"] != "ok"]
        self.bad_cells = [r for r in self.cells if r["outcome"] != "ok"]
        self.counts = {}
        for r in rows:
            self.counts[r["outcome"]] = self.counts.get(r["outcome"], 0) + 1

    # ---- names
    @property
    def program(self):
        return " ".join(self.argv)

    @staticmethod
    def is_clean(row):
        return row["cell"] == "0" or row["fault"].startswith("none")

    @staticmethod
    def rule(row):
        return f'{row["function"]}@{row["call"]}={row["fault"]}'

    @classmethod
    def point(cls, row):
        if cls.is_clean(row):
            return "clean run"
        return cls.rule(row)

    # ---- reproducers (argument lists)
    def reproducer(self, row):
        """The shmfuzz command that runs ROW alone (an argument list), or None for an ok row."""
        if row["outcome"] == "ok":
            return None
        if self.mode == "harness":
            base = [self.command, "enumerate", "--target", self.target, self.input]
            return base if self.is_clean(row) else base + ["--rule", self.rule(row)]
        rule = "" if self.is_clean(row) else self.rule(row)
        return [self.command, "enumerate"] + self.memcheck + ["--rule", rule, "--"] + self.argv

    def shell(self, row):
        """A plain shell command (an argument list) that runs ROW's fault without shmfuzz:
        private namespaces, the rule, the ledger on stderr, the library preloaded."""
        if row["outcome"] == "ok" or self.mode == "harness" or self.is_clean(row):
            return None
        inner = "mount -t tmpfs none /dev/shm && exec " + shlex.join(
            ["env", "SHMFAULT_RULES=" + self.rule(row), "SHMFAULT_LEDGER=stderr",
             "LD_PRELOAD=" + self.lib] + self.argv)
        return ["unshare", "-ipmf", "--mount-proc", "sh", "-c", inner]

    # ---- writers
    def json_obj(self):
        cells = []
        for r in self.rows:
            c = dict(r)
            rep = self.reproducer(r)
            c["reproducer"] = shlex.join(rep) if rep else ""
            sh = self.shell(r)
            if sh:
                c["shell"] = shlex.join(sh)
            cells.append(c)
        return {"program": self.program, "argv": self.argv, "mode": self.mode,
                "escapes": ESCAPES, "counts": dict(sorted(self.counts.items())),
                "clean_runs": len(self.clean_rows), "cells_total": len(self.cells),
                "not_ok": len(self.bad), "cells": cells}

    def markdown(self):
        out = [f"# shmfuzz enumerate: {md_code(self.program)}", "",
               "Outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(self.counts.items())), "",
               "| cell | point | fault | outcome | why |", "|---|---|---|---|---|"]
        for r in self.rows:
            point = "-" if r["function"] == "-" else f'{r["function"]}@{r["call"]}'
            out.append(f'| {md_cell(r["cell"])} | {md_cell(point)} | {md_cell(r["fault"])} | '
                       f'{md_cell(r["outcome"])} | {md_cell(r["why"])} |')
        if self.bad:
            out += ["", "## Reproducers (non-ok cells; each run's files under runs/CELL/)", ""]
            for r in self.bad:
                out.append(f'- cell {md_cell(r["cell"])} ({md_cell(r["outcome"])}): '
                           f"{md_code(shlex.join(self.reproducer(r)))}")
        return "\n".join(out) + "\n"

    def junit(self):
        name = os.path.basename(self.argv[0]) if self.mode == "preload" else self.target
        cases = []
        for r in self.rows:
            rep = self.reproducer(r)
            body = f'{r["why"]}\nreproducer: {shlex.join(rep)}\n' if rep else ""
            cases.append(Case(f"enumerate.{name}", f'cell {r["cell"]}: {self.point(r)}',
                              "pass" if r["outcome"] == "ok" else "fail", 0,
                              f'{r["outcome"]}: {r["why"]}', body))
        return junit_xml("shmfuzz enumerate", f"enumerate.{name}", cases, 0)

    def write(self, report_dir):
        """report.json, report.md and junit.xml in REPORT_DIR."""
        write_json(os.path.join(report_dir, "report.json"), self.json_obj())
        _write_text(os.path.join(report_dir, "report.md"), self.markdown())
        _write_text(os.path.join(report_dir, "junit.xml"), self.junit())

    def summary(self, report_md, limit=40):
        """The lines enumerate prints on stderr (without the command's prefix)."""
        clean = f" and {len(self.clean_rows)} clean run(s)" if self.clean_rows else ""
        lines = [f"enumerate: {len(self.cells)} cell(s){clean}, {len(self.bad)} not ok; "
                 f"report: {report_md}"]
        for r in self.bad[:limit]:
            lines.append("  %-10s %-22s %s" % (visible(r["outcome"]), visible(self.point(r)),
                                               visible(r["why"])))
        if len(self.bad) > limit:
            lines.append(f"  ... and {len(self.bad) - limit} more (report.md)")
        return lines


# ---- ci: the checks ---------------------------------------------------------------------------

class Checks:
    """The checks of one `shmfuzz ci` run, appended as they end (to OUT/results.tsv too, so a
    job killed half-way keeps what it did)."""

    def __init__(self, out_dir):
        self.out = out_dir
        self.cases = []
        self.tsv = os.path.join(out_dir, "results.tsv")
        with open(self.tsv, "wb"):
            pass

    def add(self, cls, name, status, seconds, message="", details=""):
        case = Case("shmfuzz." + cls, name, status, seconds, message, details)
        case.cls = cls
        self.cases.append(case)
        fields = [cls, name, status, str(seconds), message.replace("\t", " ").replace("\n", " "),
                  details]
        with open(self.tsv, "ab") as f:
            f.write(encode("\t".join(fields) + "\n"))
        return case

    @property
    def failed(self):
        return [c for c in self.cases if c.status == "fail"]

    @property
    def skipped(self):
        return [c for c in self.cases if c.status == "skip"]

    @staticmethod
    def _details(path):
        """A details file's last 20000 characters (its path if it cannot be read)."""
        if not path:
            return ""
        try:
            with open(path, "rb") as f:
                f.seek(0, os.SEEK_END)
                size = f.tell()
                f.seek(max(0, size - 80000))
                return decode(f.read())[-20000:]
        except OSError:
            return path

    def write(self, seconds):
        """junit.xml and summary.md; each case's details file is read here."""
        cases = []
        for c in self.cases:
            body = self._details(c.body) if c.status == "fail" else ""
            cases.append(Case(c.classname, c.name, c.status, c.seconds, c.message, body))
        _write_text(os.path.join(self.out, "junit.xml"),
                    junit_xml("shmfuzz ci", "shmfuzz", cases, seconds))
        fails, skips = len(self.failed), len(self.skipped)
        verdict = "FAILED" if fails else "passed"
        out = [f"# shmfuzz ci: {verdict}", "",
               f"{len(self.cases)} checks, {fails} failed, {skips} skipped, {seconds} s.", "",
               "| check | result | details |", "|---|---|---|"]
        marks = {"pass": "pass", "fail": "**FAIL**", "skip": "skip"}
        for c in self.cases:
            out.append(f"| {md_cell(c.cls + '.' + c.name)} | {marks.get(c.status, c.status)} | "
                       f"{md_cell(c.message)} |")
        _write_text(os.path.join(self.out, "summary.md"), "\n".join(out) + "\n")

