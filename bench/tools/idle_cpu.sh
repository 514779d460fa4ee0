#!/usr/bin/env bash
# CPU and wake-ups of an idle server, per thread: starts the host on the repository's shipped
# configuration, waits WAIT_S after /health/ready (start-up's background JIT settles), then reads
# /proc/PID/task/*/schedstat and the context-switch counts twice, WINDOW_S apart.
#   bench/tools/idle_cpu.sh [WAIT_S=60] [WINDOW_S=10]        DLL=... to measure another build
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
dll=${DLL:-$repo/host/ScriptedSip.Host/bin/Release/net10.0/ScriptedSip.Host.dll}
wait_s=${1:-60}; window_s=${2:-10}
[ -f "$dll" ] || { echo "ScriptedSip host not built: $dll (dotnet build -c Release host/ScriptedSip.Host)"; exit 3; }
cd "$repo"
dotnet "$dll" "${@:3}" > /tmp/idle_cpu.log 2>&1 & pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 200); do curl -sf -o /dev/null http://127.0.0.1:9060/health/ready && break; sleep 0.05; done
sleep "$wait_s"
snap() { for t in /proc/$pid/task/*; do echo "$(tr ' ' _ < "$t/comm")#$(basename "$t") $(awk '/ctxt_switches/{s+=$2} END{print s}' "$t/status") $(awk '{print $1}' "$t/schedstat")"; done | sort; }
snap > /tmp/idle_cpu.0; sleep "$window_s"; snap > /tmp/idle_cpu.1
join /tmp/idle_cpu.0 /tmp/idle_cpu.1 | awk -v w="$window_s" '{d=$5-$3; c=$4-$2; if (c>0||d>0) printf "%-28s wakeups %4d  cpu_us %8.0f\n", $1, c, d/1000; tc+=c; td+=d} END{printf "TOTAL over %d s: wakeups %d cpu_ms %.2f\n", w, tc, td/1e6}'
