#!/usr/bin/env python3
"""Markdown tables of a same-run block (bench/block.sh) from its TSV rows.

    load_report.py BLOCK_TSV...

Each row: repetition, scenario, target, start (UTC), load average, RESULT line of bench/run.sh.
Per scenario: CPU per unit of every run of both servers, the ratio ScriptedSip / Kamailio within
each repetition (the two runs minutes apart), its median and spread, failed calls, memory, and
ScriptedSip's collections per 100,000 units. A run that produced no RESULT counts as missing,
never as zero.
"""
import re
import statistics
import sys

ORDER = ["A", "B", "BT", "C", "D", "D20", "E", "F", "G", "H", "I", "M"]
TITLES = {
    "A": "A — OPTIONS answered statelessly",
    "B": "B — stateful proxied call (UDP)",
    "BT": "BT — B over TCP",
    "C": "C — INVITE held 1 s in an AsyncRoute, then relayed",
    "D": "D — 40-byte non-SIP packets through the nosip route",
    "D20": "D20 — 20-byte packets, dropped",
    "E": "E — suspend + UDP resume + relay",
    "F": "F — 100,000 INVITEs held suspended",
    "G": "G — REGISTER with digest auth (401, then 200)",
    "H": "H — authenticated call between registered users",
    "I": "I — dispatcher over three UASes (hash over Call-ID, probing)",
    "M": "M — 100,000 REGISTERs without auth",
}


def parse_result(line):
    return dict(kv.split("=", 1) for kv in line.split()[1:] if "=" in kv)


def per_unit(r):
    for k, v in r.items():
        if k.startswith("ms_per_1k_"):
            try:
                return float(v), k[len("ms_per_1k_"):]
            except ValueError:
                return None, k[len("ms_per_1k_"):]
    return None, "?"


def fmt(x, digits=1):
    return "—" if x is None else f"{x:,.{digits}f}"


def load(paths):
    runs = []
    for path in paths:
        for raw in open(path):
            parts = raw.rstrip("\n").split("\t")
            if len(parts) < 6:
                continue
            rep, scen, target, start, loadavg, line = parts[:6]
            r = parse_result(line)
            ms, unit = per_unit(r)
            runs.append({"rep": rep, "scen": scen, "target": target, "start": start,
                         "load": loadavg, "r": r, "ms": ms, "unit": unit})
    return runs


def median_range(values):
    values = [v for v in values if v is not None]
    if not values:
        return None, None, None
    return statistics.median(values), min(values), max(values)


def scenario_table(scen, runs):
    out = [f"### {TITLES.get(scen, scen)}", ""]
    reps = sorted({x["rep"] for x in runs}, key=int)
    unit = next((x["unit"] for x in runs if x["unit"] != "?"), "?")
    out.append(f"| rep | ScriptedSip ms/1k {unit} | Kamailio ms/1k {unit} | ratio | failed (S / K) | peak RSS MB (S / K) | gen0 / gen2 per 100k (S) |")
    out.append("|---|---:|---:|---:|---|---|---|")
    ratios = []
    for rep in reps:
        s = next((x for x in runs if x["rep"] == rep and x["target"] == "scriptedsip"), None)
        k = next((x for x in runs if x["rep"] == rep and x["target"] == "kamailio"), None)
        ratio = s["ms"] / k["ms"] if s and k and s["ms"] and k["ms"] else None
        if ratio is not None:
            ratios.append(ratio)
        failed = " / ".join(x["r"].get("failed", "—") if x else "—" for x in (s, k))
        rss = " / ".join(x["r"].get("peak_rss_mb", "—") if x else "—" for x in (s, k))
        gc = "—"
        if s and "gc0_per_100k" in s["r"]:
            gc = f'{s["r"]["gc0_per_100k"]} / {s["r"]["gc2_per_100k"]}'
        out.append(f"| {rep} | {fmt(s['ms'] if s else None)} | {fmt(k['ms'] if k else None)} | "
                   f"{fmt(ratio, 2)} | {failed} | {rss} | {gc} |")
    sm = median_range([x["ms"] for x in runs if x["target"] == "scriptedsip"])
    km = median_range([x["ms"] for x in runs if x["target"] == "kamailio"])
    rm = median_range(ratios)
    out.append(f"| **median** | **{fmt(sm[0])}** | **{fmt(km[0])}** | **{fmt(rm[0], 2)}** "
               f"({fmt(rm[1], 2)}–{fmt(rm[2], 2)}) | | | |")
    extra = memory_lines(scen, runs)
    if extra:
        out += [""] + extra
    out.append("")
    return out, rm[0]


def memory_lines(scen, runs):
    key = {"F": "bytes_per_tx", "G": "bytes_per_contact", "M": "bytes_per_contact"}.get(scen)
    if not key:
        return []
    lines = []
    for target, name in (("scriptedsip", "ScriptedSip"), ("kamailio", "Kamailio")):
        m = median_range([float(x["r"][key]) for x in runs
                          if x["target"] == target and x["r"].get(key, "n/a") not in ("n/a", "")])
        if m[0] is not None:
            lines.append(f"{name}: {key.replace('_', ' ')} (PSS growth) median {m[0]:,.0f} ({m[1]:,.0f}–{m[2]:,.0f})")
    return [" · ".join(lines)] if lines else []


def main():
    runs = load(sys.argv[1:])
    if not runs:
        print("no rows", file=sys.stderr)
        return 1
    scens = sorted({x["scen"] for x in runs}, key=lambda s: ORDER.index(s) if s in ORDER else 99)
    summary = ["| scenario | ScriptedSip / Kamailio, median of the repetitions | target |", "|---|---:|---:|"]
    body = []
    for scen in scens:
        lines, ratio = scenario_table(scen, [x for x in runs if x["scen"] == scen])
        body += lines
        summary.append(f"| {TITLES.get(scen, scen)} | {fmt(ratio, 2)} | ≤ 0.70 |")
    first = min(x["start"] for x in runs)
    last = max(x["start"] for x in runs)
    print(f"Runs started {first}–{last} UTC; {len(runs)} runs, "
          f"{len({x['rep'] for x in runs})} repetitions.\n")
    print("\n".join(summary))
    print()
    print("\n".join(body))
    return 0


if __name__ == "__main__":
    sys.exit(main())
