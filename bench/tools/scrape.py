#!/usr/bin/env python3
"""GET /metrics every N seconds over one kept-alive HTTP connection, as a Prometheus server does.

    scrape.py HOST PORT EVERY_SECONDS [WARM_SCRAPES]    (EVERY_SECONDS 0: the warm-up only)

WARM_SCRAPES scrapes are made back to back first: the .NET runtime compiles a method again,
optimised, after about 30 calls, so a server scraped once a second for a minute is still
recompiling its scrape path; one scraped for days is not. The burst brings the endpoint to that
steady state before the measured load, as the warm-up does for the SIP path.

Runs until killed. A failed request (the server not up yet, or restarting) closes the connection
and the next one opens a new connection.
"""
import http.client
import sys
import os
import time

PATH = os.environ.get("SCRAPE_PATH", "/metrics")
BY_THREAD = os.environ.get("SCRAPE_THREADS", "0") == "1"  # per window: CPU by thread name too  # another path: what any HTTP request costs

TOGGLE_SUMMARY = float(os.environ.get("SCRAPE_TOGGLE_S", "5") or 5)

if sys.argv[1] == "--summary":
    # scrape.py --summary SCRAPE_LOG [SKIP]: each "on" window's CPU per second against the "off"
    # window right after it, leaving out the first SKIP windows (the scrape path's one-time JIT
    # tier-up) and windows after the load ended (under half the median window's CPU). The median of
    # the pairs' rises is the figure: a single pair moves by 10-20 % with the machine.
    skip = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    windows = [line for line in open(sys.argv[2]) if line.startswith("window ")][skip:]
    rows = []
    for line in windows:
        f = dict(kv.split("=") for kv in line.split()[2:])
        rows.append((line.split()[1] == "on", float(f["cpu_ms"]) / float(f["seconds"])))
    typical = sorted(r for _, r in rows)[len(rows) // 2] if rows else 0
    rises = sorted(rows[i + 1][1] and rows[i][1] / rows[i + 1][1] - 1
                   for i in range(len(rows) - 1)
                   if rows[i][0] and not rows[i + 1][0] and min(rows[i][1], rows[i + 1][1]) >= typical / 2)
    if not rises:
        print("pairs=0")
        sys.exit(0)
    n = len(rises)
    median = rises[n // 2] if n % 2 else (rises[n // 2 - 1] + rises[n // 2]) / 2
    on = [r for o, r in rows if o and r >= typical / 2]
    off = [r for o, r in rows if not o and r >= typical / 2]
    print(f"pairs={n} median_rise_pct={median * 100:.1f} min_pct={rises[0] * 100:.1f} max_pct={rises[-1] * 100:.1f}"
          f" on_ms_per_s={sum(on) / len(on):.1f} off_ms_per_s={sum(off) / len(off):.1f}")

    # With SCRAPE_THREADS=1: each thread name's mean CPU per second in "on" and "off" windows.
    sums = {}
    for line in [line for line in open(sys.argv[2]) if line.startswith("threads ")][skip:]:
        state = line.split()[1]
        for kv in line.split()[2:]:
            name, value = kv.rsplit("=", 1)
            sums.setdefault(name, {"on": 0.0, "off": 0.0})[state] += float(value)
    ons = sum(1 for o, _ in rows if o) or 1
    offs = sum(1 for o, _ in rows if not o) or 1
    for name, v in sorted(sums.items(), key=lambda kv: -(kv[1]["on"] / ons - kv[1]["off"] / offs)):
        on_ms, off_ms = v["on"] / ons / TOGGLE_SUMMARY, v["off"] / offs / TOGGLE_SUMMARY
        if abs(on_ms - off_ms) >= 0.05:
            print(f"thread {name} on_ms_per_s={on_ms:.2f} off_ms_per_s={off_ms:.2f} rise_ms_per_s={on_ms - off_ms:+.2f}")
    sys.exit(0)

host, port, every = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
warm = int(sys.argv[4]) if len(sys.argv) > 4 else 0
conn = http.client.HTTPConnection(host, port, timeout=10)


def scrape():
    """One GET /metrics; False (and a new connection next time) when it failed."""
    global conn
    try:
        conn.request("GET", PATH)
        conn.getresponse().read()
        return True
    except (OSError, http.client.HTTPException):
        conn.close()
        conn = http.client.HTTPConnection(host, port, timeout=10)
        return False


# The warm-up in rounds with a pause between them: the runtime counts a method's calls only once
# no new method has been compiled for 100 ms, so calls made while the first scrapes still compile
# code do not count towards the optimised recompile. "warm" on stdout when done (the caller waits
# for it before its own measurement starts).
rounds = 4
for _ in range(rounds if warm > 0 else 0):
    done = 0
    while done < warm // rounds:
        if scrape():
            done += 1
        else:
            time.sleep(0.1)  # the server is not up yet
    time.sleep(0.5)
print("warm", flush=True)

TOGGLE = float(os.environ.get("SCRAPE_TOGGLE_S", "0"))


def server_cpu_ns(pid):
    """CPU time of each thread of the server so far, by thread id (schedstat: nanoseconds)."""
    threads = {}
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                threads[task] = int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass  # a thread that ended meanwhile
    return threads


def thread_names(pid, tasks):
    """Each thread's name (comm), by thread id; threads of a pool share a name."""
    names = {}
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/comm") as f:
                names[task] = f.read().strip()
        except OSError:
            names[task] = "?"
    return names


def cpu_by_name(pid, before, after):
    """CPU between two readings, in ms, summed by thread name."""
    names, out = thread_names(pid, after), {}
    for task, ns in after.items():
        name = names.get(task, "?").replace(" ", "_")
        out[name] = out.get(name, 0) + (ns - before.get(task, 0)) / 1e6
    return out


def cpu_between(before, after):
    """The server's CPU between two readings: threads that ended meanwhile are left out (their
    last readings are gone), threads that started count in full."""
    return sum(ns - before.get(task, 0) for task, ns in after.items())


if TOGGLE > 0:
    # Alternating windows in one server run: the same process, JIT state and machine load on both
    # sides of each comparison, which separate runs (noise of 15-20 % here) cannot give.
    pid, started = os.environ["SCRAPE_PID"], os.environ["SCRAPE_STARTED"]
    while not os.path.exists(started):
        time.sleep(0.05)
    on = True
    while True:
        t0, c0 = time.monotonic(), server_cpu_ns(pid)
        scrapes = 0
        while time.monotonic() - t0 < TOGGLE:
            if on:
                scrape()
                scrapes += 1
            time.sleep(min(every, TOGGLE) if on else 0.05)
        c1, t1 = server_cpu_ns(pid), time.monotonic()
        print(f"window {'on' if on else 'off'} scrapes={scrapes} seconds={t1 - t0:.3f} cpu_ms={cpu_between(c0, c1) / 1e6:.1f}", flush=True)
        if BY_THREAD:
            parts = " ".join(f"{n}={v:.1f}" for n, v in sorted(cpu_by_name(pid, c0, c1).items()) if v >= 0.05)
            print(f"threads {'on' if on else 'off'} {parts}", flush=True)
        on = not on

while every > 0:  # 0: the warm-up only (the baseline of a scrape-cost comparison)
    scrape()
    time.sleep(every)
