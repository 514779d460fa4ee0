#!/usr/bin/env python3
"""Seconds from process start to the first answered OPTIONS, N times.

    bench/tools/startup.py N [host args...]     COLD=1: the compile cache is removed before each start
                                                DLL=...: another build (a ReadyToRun publish, say)
The host runs from the repository root on the shipped configuration (udp:127.0.0.1:5060).
"""
import os
import shutil
import socket
import subprocess
import sys
import time

repo = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
dll = os.environ.get("DLL", os.path.join(repo, "host/ScriptedSip.Host/bin/Release/net10.0/ScriptedSip.Host.dll"))
n = int(sys.argv[1])
extra = sys.argv[2:]
results = []
for i in range(n):
    if os.environ.get("COLD") == "1":
        shutil.rmtree(os.path.join(repo, ".cache"), ignore_errors=True)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(0.01)
    port = s.getsockname()[1]
    msg = ("OPTIONS sip:127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-st%d\r\n"
           "From: <sip:t@127.0.0.1>;tag=1\r\nTo: <sip:127.0.0.1>\r\nCall-ID: st-%d\r\nCSeq: 1 OPTIONS\r\n"
           "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n" % (port, i, i)).encode()
    t0 = time.monotonic()
    p = subprocess.Popen(["dotnet", dll] + extra, cwd=repo, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    answered = False
    while time.monotonic() - t0 < 30:
        s.sendto(msg, ("127.0.0.1", 5060))
        try:
            s.recv(4096)
            answered = True
            break
        except socket.timeout:
            pass
    results.append(time.monotonic() - t0 if answered else float("nan"))
    p.terminate()
    p.wait()
    s.close()
print(" ".join(f"{x:.2f}" for x in results))
