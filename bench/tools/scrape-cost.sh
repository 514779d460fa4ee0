#!/usr/bin/env bash
# CPU of the server per GET /metrics, with no SIP load: starts the host (bench/deploy/A),
# scrapes 200 times to warm up, then 500 times over one kept-alive connection, and prints the
# server's CPU per scrape (from /proc/PID/stat, 10 ms ticks).
#
#   bench/tools/scrape-cost.sh [HOST_DLL]
set -u -o pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO_DIR=$(dirname "$BENCH_DIR")
DLL=${1:-$REPO_DIR/host/ScriptedSip.Host/bin/Release/net10.0/ScriptedSip.Host.dll}
SIP_PORT=${SIP_PORT:-15161} MGMT_PORT=${MGMT_PORT:-19161}
dir=$(mktemp -d)
(cd "$REPO_DIR" && exec setsid dotnet "$DLL" --contentRoot "$BENCH_DIR/deploy/A" \
    "--Sip:Listen:0=udp:127.0.0.1:$SIP_PORT" "--Scripts:CachePath=$dir/cache" \
    "--Management:Urls:0=http://127.0.0.1:$MGMT_PORT" >"$dir/server.log" 2>&1) &
pid=$!
for _ in $(seq 150); do
    python3 - "$MGMT_PORT" <<'PY' 2>/dev/null && break
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=1)
c.request("GET", "/health/ready"); sys.exit(0 if c.getresponse().status == 200 else 1)
PY
    sleep 0.2
done
scrape() { python3 - "$MGMT_PORT" "$1" <<'PY'
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=10)
for _ in range(int(sys.argv[2])):
    c.request("GET", "/metrics"); c.getresponse().read()
PY
}
ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
scrape 200
t0=$(ticks); scrape 500; t1=$(ticks)
echo "$(( (t1 - t0) * 10 * 1000 / 500 )) us of server CPU per scrape (500 back to back, one connection)"
kill "$pid"; wait "$pid" 2>/dev/null; rm -rf "$dir"
