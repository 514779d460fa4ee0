#!/usr/bin/env python3
"""Round-trip percentiles from sipp's -trace_rtt file (every response time, -rtt_freq 1).

    latency.py RTT_CSV... [SKIP_S]   -> rtd1_n=.. rtd1_p50_ms=.. rtd1_p99_ms=.. rtd1_p999_ms=.. (one group per timer)

Several files (one per sipp process of a run with GENERATORS > 1) are pooled; SKIP_S is counted
from each file's first sample.

Timer 1 of the bench scenarios is the whole request (OPTIONS -> 200, INVITE -> 200); timer 2 of
uac_invite.xml is INVITE -> 100. SKIP_S leaves out the first seconds (start of the load).
"""
import csv
import math
import sys


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    k = max(0, math.ceil(p / 100.0 * len(sorted_values)) - 1)
    return sorted_values[k]


def main():
    args = sys.argv[1:]
    skip_ms = 0.0
    if len(args) > 1:
        try:
            skip_ms = float(args[-1]) * 1000
            args = args[:-1]
        except ValueError:
            pass
    samples = {}
    for path in args:
        read_file(path, skip_ms, samples)
    out = []
    for rtd in sorted(samples):
        values = sorted(samples[rtd])
        out.append(f"rtd{rtd}_n={len(values)} rtd{rtd}_p50_ms={percentile(values, 50):.3f} "
                   f"rtd{rtd}_p99_ms={percentile(values, 99):.3f} rtd{rtd}_p999_ms={percentile(values, 99.9):.3f}")
    print(" ".join(out))


def read_file(path, skip_ms, samples):
    with open(path, newline="") as f:
        rows = csv.reader(f, delimiter=";")
        header = [h.strip().lower() for h in next(rows)]
        date_i = next(i for i, h in enumerate(header) if h.startswith("date"))
        value_i = next(i for i, h in enumerate(header) if h.startswith("response_time"))
        rtd_i = next(i for i, h in enumerate(header) if h.startswith("rtd"))
        first = None
        for row in rows:
            if len(row) <= max(date_i, value_i, rtd_i) or not row[value_i].strip():
                continue
            when = float(row[date_i])
            first = when if first is None else first
            if when - first < skip_ms:
                continue
            samples.setdefault(row[rtd_i].strip(), []).append(float(row[value_i]))


if __name__ == "__main__":
    main()
