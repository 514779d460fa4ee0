#!/usr/bin/env python3
"""Bytes per idle TCP connection held by ScriptedSip.

Starts the host (a built ScriptedSip.Host.dll) with a tcp: listener, opens N connections that each
send one OPTIONS and read its 200, then stay idle; reports the host's resident memory (VmRSS)
before and after, divided by N, and the kernel's TCP buffer memory (/proc/net/sockstat "mem").

    dotnet build host/ScriptedSip.Host -c Release
    python3 bench/tcp-idle/measure.py [N]        # default 10000; needs `ulimit -n` above N + 100

Not a test: numbers depend on the machine and the runtime; results go to bench/results/.
"""
import json, os, re, resource, socket, subprocess, sys, tempfile, time

N = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DLL = os.path.join(ROOT, "host/ScriptedSip.Host/bin/Release/net10.0/ScriptedSip.Host.dll")
PORT = 25960

def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))

def sock_pages():
    with open("/proc/net/sockstat") as f:
        return int(re.search(r"TCP:.*mem (\d+)", f.read()).group(1))

def options(i, port):
    return (f"OPTIONS sip:x@127.0.0.1:{PORT} SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:{port};branch=z9hG4bKidle{i}\r\n"
            f"From: <sip:m@x>;tag={i}\r\nTo: <sip:x@127.0.0.1>\r\nCall-ID: idle-{i}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n").encode()

def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, N + 1000), hard))
    root = tempfile.mkdtemp(prefix="scriptedsip-idle-")
    os.makedirs(os.path.join(root, "scripts"))
    os.makedirs(os.path.join(root, "plugins"))
    with open(os.path.join(root, "scripts", "request_route.csx"), "w") as f:
        f.write('SlSendReply(200, "OK");\n')
    with open(os.path.join(root, "hostsettings.json"), "w") as f:
        json.dump({"Sip": {"Listen": [f"tcp:127.0.0.1:{PORT}"], "Workers": 2},
                   "Tcp": {"MaxConnections": N + 100, "IdleTimeoutMs": 3600000, "HeaderTimeoutMs": 3600000},
                   "Scripts": {"CachePath": ""}}, f)
    host = subprocess.Popen(["dotnet", DLL, "--contentRoot", root], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 120
        while True:  # ready once the listener accepts and the script answers
            try:
                warm = socket.create_connection(("127.0.0.1", PORT))
                break
            except OSError:
                if time.time() > deadline or host.poll() is not None:
                    raise SystemExit("the host did not start")
                time.sleep(0.2)
        warm.sendall(options(0, 1)); warm.recv(4096); warm.close()
        time.sleep(2)
        before_rss, before_sock = rss_kb(host.pid), sock_pages()
        conns = []
        for i in range(1, N + 1):
            s = socket.create_connection(("127.0.0.1", PORT))
            s.sendall(options(i, s.getsockname()[1]))
            conns.append(s)
        for s in conns:
            s.settimeout(10)
            if not s.recv(4096).startswith(b"SIP/2.0 200"):
                raise SystemExit("no 200")
        time.sleep(5)  # let the runtime settle (GC, thread pool)
        after_rss, after_sock = rss_kb(host.pid), sock_pages()
        page = os.sysconf("SC_PAGE_SIZE")
        print(f"connections: {N}")
        print(f"host VmRSS: {before_rss} kB -> {after_rss} kB: {(after_rss - before_rss) * 1024 / N:.0f} bytes per idle connection")
        print(f"kernel TCP buffer memory (/proc/net/sockstat mem, both ends): {before_sock} -> {after_sock} pages ({page} bytes each)")
        for s in conns:
            s.close()
    finally:
        host.terminate()
        host.wait(timeout=20)

if __name__ == "__main__":
    main()
