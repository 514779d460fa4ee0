#!/usr/bin/env python3
"""Bench scenario E resumer.

Listens on a UDP port for datagrams "<tindex>:<tlabel>" sent by the server
under test right after it suspended an INVITE transaction, and answers each
one with the non-SIP datagram

    :KREQUEST-RESUME-TRANSACTION:<tindex>:<tlabel>:RESUME:

sent from the same socket (127.0.0.1) to the server's SIP port. The server's
nosip route parses it and resumes the transaction in route "RESUME".

Usage: resumer.py LISTEN_PORT SERVER_PORT [MAX_SECONDS]
Stops on SIGTERM/SIGINT or after MAX_SECONDS (default 600); prints counters
to stdout on exit.
"""
import signal
import socket
import sys
import time


def main() -> int:
    listen_port = int(sys.argv[1])
    server = ("127.0.0.1", int(sys.argv[2]))
    max_seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 600.0

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * 1024 * 1024)
    sock.bind(("127.0.0.1", listen_port))
    sock.settimeout(0.5)

    stop = False

    def on_signal(_signo, _frame):
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    received = resumed = bad = 0
    deadline = time.monotonic() + max_seconds
    while not stop and time.monotonic() < deadline:
        try:
            data, _peer = sock.recvfrom(2048)
        except socket.timeout:
            continue
        except InterruptedError:
            continue
        received += 1
        parts = data.strip().split(b":")
        if len(parts) != 2 or not parts[0].isdigit() or not parts[1].isdigit():
            bad += 1
            continue
        msg = b":KREQUEST-RESUME-TRANSACTION:" + parts[0] + b":" + parts[1] + b":RESUME:"
        try:
            sock.sendto(msg, server)
            resumed += 1
        except OSError:
            bad += 1
    print(f"resumer received={received} resumed={resumed} bad={bad}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
