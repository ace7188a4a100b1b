#!/usr/bin/env python3
"""report_model.py SOURCE_DIR: scripts/shmfuzz_cli/report.py on its own, with every byte.

The escape of the reports is reversible for all 256 byte values (and backslashes next to
them); ci's checks with a message and a details file holding bytes that are not UTF-8 give a
junit.xml that parses and a summary.md that is UTF-8, both with the escaped bytes, and counts
that agree with the checks; a matrix's counts, summary and reproducers come from its rows
(a program path with a quote: shlex.join, which sh reads back as the same words).
"""
import json
import os
import shlex
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(sys.argv[1], "scripts"))
from shmfuzz_cli import report  # noqa: E402

failed = 0


def check(ok, what):
    global failed
    print(("ok: " if ok else "FAIL: ") + what)
    failed |= not ok


# every byte, alone and after a backslash, round-trips and comes out as valid UTF-8
blob = bytes(range(256)) + b"\\x41\\\\\xff\\" + "é→".encode()
shown = report.visible(report.decode(blob))
shown.encode("utf-8")  # raises if not valid UTF-8
check(report.invisible(shown) == blob, "visible/invisible round-trip of all 256 bytes")
check(report.visible("plain /dev/shm/name é") == "plain /dev/shm/name é", "valid UTF-8 stays as it is")
check(report.visible(report.decode(b"/dev/shm/\xff")) == "/dev/shm/\\xff", "a stray byte is \\xNN")

with tempfile.TemporaryDirectory() as d:
    details = os.path.join(d, "details.log")
    with open(details, "wb") as f:
        f.write(b"left behind: /dev/shm/sfz-\xff\xfe <&> \x01\n")
    c = report.Checks(d)
    c.add("build", "dev", "pass", 1, "/build")
    c.add("fuzz.afl", "shmipc-kv", "fail", 2, report.decode(b"1 finding(s): leak-ipc /dev/shm/\xff | x"),
          details)
    c.add("valgrind", "all", "skip", 0, "valgrind is not installed")
    c.write(3)
    root = ET.parse(os.path.join(d, "junit.xml")).getroot()
    cases = list(root.iter("testcase"))
    check(root.get("tests") == "3" and root.get("failures") == "1" and root.get("skipped") == "1"
          and len(cases) == 3, "junit.xml counts agree with its cases")
    text = ET.tostring(root, encoding="unicode")
    check("/dev/shm/\\xff" in text and "sfz-\\xff\\xfe &lt;&amp;&gt; \\x01" in text,
          "junit.xml keeps the message's and the details' bytes, escaped")
    with open(os.path.join(d, "summary.md"), encoding="utf-8") as f:
        md = f.read()
    check("3 checks, 1 failed, 1 skipped, 3 s." in md and "/dev/shm/\\xff \\| x" in md,
          "summary.md is UTF-8 with the counts and the escaped message")
    with open(os.path.join(d, "results.tsv"), "rb") as f:
        check(b"/dev/shm/\xff" in f.read(), "results.tsv keeps the raw bytes")

    # a matrix: two clean-run rows (one a failing repeat), two cells, one of them not ok
    rows = [dict(zip(report.FIELDS, r)) for r in (
        ("0", "-", "-", "none (clean run)", "ok", "0", "exit 0", "-"),
        ("0", "-", "-", "none (clean run again)", "crash", "139", "SIGSEGV", "-"),
        ("1", "shmat", "1", "ENOMEM", "leak", "1", report.decode(b"left behind: /dev/shm/\xff"), "-"),
        ("2", "shmdt", "1", "EINVAL", "ok", "1", "graceful", "-"))]
    prog = os.path.join(d, "it's a prog")
    with open(prog, "w") as f:
        f.write("#!/bin/sh\nprintf '%s\\n' \"$@\"\n")
    os.chmod(prog, 0o755)
    m = report.Matrix(rows, "preload", [prog, "a b", "c'd"], lib="/lib/x.so")
    m.write(d)
    line = m.summary("R")[0]
    check(line == "enumerate: 2 cell(s) and 2 clean run(s), 2 not ok; report: R",
          f"summary counts from the rows: {line}")
    with open(os.path.join(d, "report.json"), encoding="utf-8") as f:
        j = json.load(f)
    check(j["counts"] == {"crash": 1, "leak": 1, "ok": 2} and j["not_ok"] == 2
          and j["cells_total"] == 2 and j["clean_runs"] == 2, "report.json counts agree")
    rep = [c["reproducer"] for c in j["cells"] if c["outcome"] == "leak"][0]
    words = shlex.split(rep)
    check(words[-3:] == [prog, "a b", "c'd"] and words[words.index("--rule") + 1] == "shmat@1=ENOMEM",
          "the reproducer splits back into the same words")
    out = subprocess.run(["sh", "-c", shlex.join(words[-3:])], capture_output=True).stdout
    check(out == b"a b\nc'd\n", "sh runs the quoted program with its arguments")
    ET.parse(os.path.join(d, "junit.xml"))
    check(True, "the matrix's junit.xml parses")
sys.exit(failed)
