#!/usr/bin/env python3
"""Summarise one sipp run for bench/run.sh.

Usage: sipp_stats.py STAT_CSV [ERROR_LOG]

Reads the -trace_stat CSV (written with -fd 1) and prints one line of
key=value pairs:
  created     TotalCallCreated
  ok, failed  SuccessfulCall(C), FailedCall(C)
  unexpected  FailedUnexpectedMessage(C), or the number of "unexpected message"
              events in ERROR_LOG when that is larger
  ooc, dead   OutOfCallMsgs(C), DeadCallMsgs(C) (late or stray messages)
  retrans     Retransmissions(C)
  timeouts    FailedTimeoutOnRecv(C) + FailedMaxUDPRetrans(C)
  achieved    call creation rate: calls created / time at which the last call
              was created (interpolated between the 1 s CSV samples)
  elapsed_s   StartTime .. last sample
"""
import csv
import sys


def epoch(field: str) -> float:
    # sipp writes "YYYY-MM-DD<TAB>HH:MM:SS.us<TAB>epoch.us"
    return float(field.split("\t")[-1])


def main() -> int:
    rows = list(csv.reader(open(sys.argv[1], newline=""), delimiter=";"))
    if len(rows) < 2:
        print("created=0 ok=0 failed=0 unexpected=0 ooc=0 dead=0 retrans=0 timeouts=0 achieved=0 elapsed_s=0")
        return 0
    head = rows[0]
    data = [dict(zip(head, r)) for r in rows[1:] if len(r) >= len(head) - 1]
    last = data[-1]

    def num(key: str) -> int:
        try:
            return int(float(last.get(key, "0") or 0))
        except ValueError:
            return 0

    start = epoch(last["StartTime"])
    created = num("TotalCallCreated")
    t_reach = None
    prev_t, prev_c = start, 0
    for d in data:
        t, c = epoch(d["CurrentTime"]), int(d["TotalCallCreated"])
        if created > 0 and c >= created:
            t_reach = prev_t + (t - prev_t) * (created - prev_c) / max(c - prev_c, 1)
            break
        prev_t, prev_c = t, c
    achieved = 0.0
    if t_reach is not None and t_reach > start and created > 1:
        achieved = (created - 1) / (t_reach - start)

    unexpected = num("FailedUnexpectedMessage(C)")
    if len(sys.argv) > 2:
        try:
            with open(sys.argv[2], errors="replace") as f:
                events = sum(1 for line in f if "on unexpected message" in line)
            unexpected = max(unexpected, events)
        except OSError:
            pass

    print(
        f"created={created} ok={num('SuccessfulCall(C)')} failed={num('FailedCall(C)')} "
        f"unexpected={unexpected} ooc={num('OutOfCallMsgs(C)')} dead={num('DeadCallMsgs(C)')} "
        f"retrans={num('Retransmissions(C)')} "
        f"timeouts={num('FailedTimeoutOnRecv(C)') + num('FailedMaxUDPRetrans(C)')} "
        f"achieved={achieved:.1f} elapsed_s={epoch(last['CurrentTime']) - start:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
