#!/usr/bin/env python3
"""GET /metrics every N seconds over one kept-alive HTTP connection, as a Prometheus server does.

    scrape.py HOST PORT EVERY_SECONDS

Runs until killed. A failed request (the server not up yet, or restarting) closes the connection
and the next one opens a new connection.
"""
import http.client
import sys
import time

host, port, every = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
conn = http.client.HTTPConnection(host, port, timeout=10)
while True:
    try:
        conn.request("GET", "/metrics")
        conn.getresponse().read()
    except (OSError, http.client.HTTPException):
        conn.close()
        conn = http.client.HTTPConnection(host, port, timeout=10)
    time.sleep(every)
