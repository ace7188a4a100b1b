#!/usr/bin/env python3
"""report.py - turn bench/run's raw samples into results.json, results.md and the plot data.

usage: report.py OUT_DIR

Reads OUT_DIR/samples.tsv (figure, variant, unit, value: one line per repetition),
OUT_DIR/meta.tsv (figure, variant, key, value) and OUT_DIR/machine.tsv (key, value).
Writes OUT_DIR/results.json, OUT_DIR/results.md, OUT_DIR/throughput.dat and
OUT_DIR/throughput.gp (the gnuplot script bench/run feeds to gnuplot).

Every result object has the same keys, so scripts can rely on them:
figure, variant, unit, median, min, max, n, ratio, baseline, found, seeds, note, us_per_input,
us_per_op, added_us, cs_per_input, exec_per_s. Values that do not apply are null. The last five
are for throughput rows. Their unit is "us/input" (CPU microseconds per input: lower is
faster, so the ratio is the baseline's median / the row's, the share of the baseline's speed);
the older "exec/s" (ratio: row / baseline) is still read. us_per_input, us_per_op (over the
program's "ops" meta, keyed by the part of the variant before the first "/"), added_us (what
the row adds per input over its baseline); cs_per_input and exec_per_s are the medians of the
row's meta values of those names (context switches per input, wall-clock exec/s). A time-to-find sample of "inf" means "not found within the
budget": it sorts after every finite time, so a median of inf is reported as null with
found < seeds saying why. The first object (figure "machine") describes the machine.
"""
import json
import math
import os
import statistics
import sys
from collections import OrderedDict

FIGURES = OrderedDict([
    ("fault-cost", "1. Fault-layer cost per call"),
    ("throughput", "2. Harness throughput"),
    ("enumeration", "3. Fault enumeration speed"),
    ("time-to-find", "4. Time to find each catalogue entry"),
    ("valgrind", "5. Valgrind replay rate"),
    ("enum-precision", "6. Precision and recall of enumerate"),
    ("memcheck", "7. Valgrind in enumerate (fork server under memcheck)"),
])
KEYS = ["figure", "variant", "unit", "median", "min", "max", "n", "ratio", "baseline",
        "found", "seeds", "note", "us_per_input", "us_per_op", "added_us", "cs_per_input",
        "exec_per_s"]
# Units where a smaller median is faster: the ratio is inverted so it still reads "% of".
COST_UNITS = ("us/input",)


def read_tsv(path, width):
    rows = []
    if not os.path.exists(path):
        return rows
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= width:
                rows.append(parts[:width - 1] + ["\t".join(parts[width - 1:])])
    return rows


def number(text):
    try:
        return float(text)
    except ValueError:
        return math.nan


def median_of(values):
    """Median where inf (not found) counts as larger than any time."""
    ordered = sorted(values)
    return statistics.median(ordered) if ordered else math.nan


def finite_or_none(x):
    if x is None or math.isnan(x) or math.isinf(x):
        return None
    return round(x, 3) if abs(x) < 1000 else round(x, 1)


def collect(out):
    samples = OrderedDict()
    for fig, variant, unit, value in read_tsv(os.path.join(out, "samples.tsv"), 4):
        entry = samples.setdefault((fig, variant), {"unit": unit, "values": []})
        v = number(value)
        if not math.isnan(v):
            entry["values"].append(v)
    meta = {}
    for fig, variant, key, value in read_tsv(os.path.join(out, "meta.tsv"), 4):
        meta.setdefault((fig, variant), {}).setdefault(key, []).append(value)
    machine = OrderedDict(read_tsv(os.path.join(out, "machine.tsv"), 2))
    return samples, meta, machine


def results(samples, meta):
    medians = {k: median_of(v["values"]) for k, v in samples.items()}
    rows = []
    for (fig, variant), entry in samples.items():
        vals = entry["values"]
        m = meta.get((fig, variant), {})
        base = m.get("baseline", [None])[0]
        ratio = None
        if base is not None and (fig, base) in medians:
            b, a = medians[(fig, base)], medians[(fig, variant)]
            if entry["unit"] in COST_UNITS:
                a, b = b, a
            if b and not math.isinf(b) and not math.isinf(a):
                ratio = a / b
        found = seeds = None
        if fig == "time-to-find":
            seeds = len(vals)
            found = sum(1 for v in vals if not math.isinf(v))
        rows.append(OrderedDict([
            ("figure", fig), ("variant", variant), ("unit", entry["unit"]),
            ("median", finite_or_none(median_of(vals))),
            ("min", finite_or_none(min(vals)) if vals else None),
            ("max", finite_or_none(max(vals)) if vals else None),
            ("n", len(vals)),
            ("ratio", finite_or_none(ratio) if ratio is not None else None),
            ("baseline", base if ratio is not None else None),
            ("found", found), ("seeds", seeds),
            ("note", "; ".join(m.get("note", [])) or None),
        ]))
        rows[-1].update(costs(fig, variant, entry["unit"], medians, meta, base, ratio))
    return rows


def per_input_us(unit, value):
    """Microseconds per input of a throughput median (us/input as is, exec/s inverted)."""
    if value is None or not value > 0 or math.isinf(value):
        return None
    if unit in COST_UNITS:
        return value
    return 1e6 / value if unit == "exec/s" else None


def meta_median(m, key):
    values = [v for v in (number(x) for x in m.get(key, [])) if not math.isnan(v)]
    return finite_or_none(statistics.median(values)) if values else None


def costs(fig, variant, unit, medians, meta, base, ratio):
    """Microseconds per input and per op of a throughput row, what it adds over its baseline,
    its context switches per input and wall-clock exec/s."""
    m = meta.get((fig, variant), {})
    out = OrderedDict([("us_per_input", None), ("us_per_op", None), ("added_us", None),
                       ("cs_per_input", meta_median(m, "cs_per_input")),
                       ("exec_per_s", meta_median(m, "exec_per_s"))])
    per_input = per_input_us(unit, medians.get((fig, variant)))
    if per_input is None:
        return out
    out["us_per_input"] = finite_or_none(per_input)
    ops = number(meta.get((fig, variant.split("/")[0]), {}).get("ops", ["nan"])[0])
    if ops > 0:
        out["us_per_op"] = finite_or_none(per_input / ops)
    base_us = per_input_us(unit, medians.get((fig, base))) if ratio is not None else None
    if base_us is not None:
        out["added_us"] = finite_or_none(per_input - base_us)
    return out


def fmt(x):
    if x is None:
        return "—"
    if isinstance(x, int):
        return str(x)
    if abs(x) >= 100:
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.3g}"


def ratio_text(row):
    r = row["ratio"]
    if r is None:
        return ""
    if row["figure"] == "throughput":
        pct = r * 100
        return f"{pct:.1f} % of {row['baseline']}" if pct < 10 else f"{pct:.0f} % of {row['baseline']}"
    return f"{r:.3g}x {row['baseline']}"


def machine_line(machine):
    return (f"{machine.get('cpu', '?')}, {machine.get('cores', '?')} cores, kernel "
            f"{machine.get('kernel', '?')}, {machine.get('os', '?')}; {machine.get('date', '?')}, "
            f"commit {machine.get('commit', '?')}, mode {machine.get('mode', '?')}, "
            f"run time {machine.get('runtime', '?')}")


def fault_cost_table(mine):
    """One line per call: direct ns, then each way's ns with the ns it adds (paired)."""
    ways = ["preload-no-rule", "armed-not-firing", "rules-32", "libfiu"]
    by = {r["variant"]: r for r in mine}
    calls = []
    for r in mine:
        call = r["variant"].split("/")[0]
        if call not in calls:
            calls.append(call)
    lines = ["| call | direct ns | " + " | ".join(f"{w} ns (added)" for w in ways) + " |",
             "|---|---:|" + "---:|" * len(ways)]
    for call in calls:
        cells = [fmt(by.get(f"{call}/direct", {}).get("median"))]
        for w in ways:
            r, added = by.get(f"{call}/{w}"), by.get(f"{call}/{w}-added")
            cell = "—" if r is None else fmt(r["median"])
            if added is not None and added["median"] is not None:
                cell += f" ({added['median']:+.1f})"
            cells.append(cell)
        lines.append(f"| {call} | " + " | ".join(cells) + " |")
    n = max((r["n"] for r in mine), default=0)
    lines += ["", f"Medians over {n} repetitions; (added): the way minus direct, paired by "
              "repetition, median. Every row is also in results.json."]
    return lines


def markdown(rows, meta, machine):
    lines = ["# shmfuzz benchmark results", "",
             f"Machine: {machine_line(machine)}", "",
             "Medians of interleaved repetitions on a shared machine: read the ratios, not the "
             "absolute figures. Tools: " + machine.get("tools", "?"), ""]
    for fig, title in FIGURES.items():
        lines += [f"## {title}", ""]
        mine = [r for r in rows if r["figure"] == fig]
        if fig == "fault-cost" and mine:
            lines += fault_cost_table(mine)
        elif fig == "time-to-find" and mine:
            lines += ["| entry / engine | median s | min s | max s | found / seeds | note |",
                      "|---|---:|---:|---:|---:|---|"]
            for r in mine:
                med = fmt(r["median"]) if r["median"] is not None else ("not run" if r["n"] == 0 else "not found")
                lines.append(f"| {r['variant']} | {med} | {fmt(r['min'])} | {fmt(r['max'])} | "
                             f"{r['found']}/{r['seeds']} | {r['note'] or ''} |")
        elif fig == "throughput" and mine:
            lines += ["| variant | unit | median | min | max | n | ratio | us/input | us/op | "
                      "added us/input | cs/input | exec/s |",
                      "|---|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|"]
            for r in mine:
                lines.append(f"| {r['variant']} | {r['unit']} | {fmt(r['median'])} | "
                             f"{fmt(r['min'])} | {fmt(r['max'])} | {r['n']} | {ratio_text(r)} | "
                             f"{fmt(r['us_per_input'])} | {fmt(r['us_per_op'])} | "
                             f"{fmt(r['added_us'])} | {fmt(r['cs_per_input'])} | "
                             f"{fmt(r['exec_per_s'])} |")
        elif mine:
            lines += ["| variant | unit | median | min | max | n | ratio |",
                      "|---|---|---:|---:|---:|---:|---|"]
            for r in mine:
                lines.append(f"| {r['variant']} | {r['unit']} | {fmt(r['median'])} | "
                             f"{fmt(r['min'])} | {fmt(r['max'])} | {r['n']} | {ratio_text(r)} |")
        else:
            lines.append("No figures measured in this run.")
        lines.append("")
        for key in ("note", "skipped"):
            for text in meta.get((fig, "*"), {}).get(key, []):
                lines.append(f"- {'skipped: ' if key == 'skipped' else ''}{text}")
        for (f, variant), m in meta.items():
            if f == fig and variant != "*" and "failed" in m:
                lines.append(f"- {variant}: {m['failed'][0]}")
        lines.append("")
    return "\n".join(lines)


def plot_files(out, rows, machine):
    tp = [r for r in rows if r["figure"] == "throughput" and r["median"] is not None]
    cost = any(r["unit"] in COST_UNITS for r in tp)
    what = "CPU us per input, whole process tree" if cost else "exec/s"
    with open(os.path.join(out, "throughput.dat"), "w", encoding="utf-8") as f:
        f.write(f"# variant median min max colour ({what}; grey: the bare-loop ceilings)\n")
        for r in tp:
            colour = 0x999999 if "/ceiling" in r["variant"] else 0x4A7EBB
            f.write(f"\"{r['variant']}\" {r['median']} {r['min']} {r['max']} {colour}\n")
    title = f"shmfuzz harness throughput ({what}, log scale; grey: bare-loop ceilings): " + machine.get("cpu", "?")
    ylabel = ("CPU microseconds per input (median; lower is faster; bars: min..max)" if cost
              else "executions per second (median; bars: min..max)")
    gp = f"""set terminal {os.environ.get('BENCH_GNUPLOT_TERM', 'pngcairo size 1200,700')}
set output '{os.path.join(out, 'throughput.png')}'
set title "{title.replace('"', "'")}" noenhanced
set style data histogram
set style fill solid 0.8 border -1
set boxwidth 0.8
set logscale y
set yrange [1:*]
set ylabel '{ylabel}'
set xtics rotate by -40 noenhanced font ',9'
set grid ytics
set key off
set bmargin 10
set rmargin 12
plot '{os.path.join(out, 'throughput.dat')}' using 0:2:5:xtic(1) with boxes lc rgb variable, \\
     '' using 0:2:3:4 with yerrorbars lc rgb '#222222' pt 0
"""
    if not tp:
        # Still a PNG, so a run of other figures leaves the same set of files.
        gp = "\n".join(gp.splitlines()[:3]) + """
unset border
unset tics
set key off
set label 1 'no throughput figures in this run (bench/run --only without throughput?)' at graph 0.5, graph 0.5 center
plot [0:1] [0:1] NaN
"""
    with open(os.path.join(out, "throughput.gp"), "w", encoding="utf-8") as f:
        f.write(gp)
    return len(tp)


def main():
    if len(sys.argv) != 2:
        print("usage: report.py OUT_DIR", file=sys.stderr)
        return 2
    out = sys.argv[1]
    samples, meta, machine = collect(out)
    rows = results(samples, meta)
    head = OrderedDict((k, None) for k in KEYS)
    head.update(figure="machine", variant=machine.get("cpu", "?"), unit=None, n=0,
                note=machine_line(machine))
    head["machine"] = dict(machine)
    with open(os.path.join(out, "results.json"), "w", encoding="utf-8") as f:
        json.dump([head] + rows, f, indent=1)
        f.write("\n")
    with open(os.path.join(out, "results.md"), "w", encoding="utf-8") as f:
        f.write(markdown(rows, meta, machine))
        f.write("\n")
    plot_files(out, rows, machine)
    return 0


if __name__ == "__main__":
    sys.exit(main())
