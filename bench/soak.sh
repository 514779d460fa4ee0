#!/usr/bin/env bash
# Soak run: a mixed load for a long time against one ScriptedSip process, sampled every 10 s.
# Not part of CI. Needs sipp, python3, curl (and gnuplot for the plot: apt-get install -y gnuplot-nox).
#
#   bench/soak.sh
#
# Load (calls/s each; defaults are half of a clean maximum measured on a 2-core machine, see
# bench/results/soak.md): CALL_RATE proxied calls, ASYNC_RATE calls through AsyncRoute (1 s),
# SUSPEND_RATE calls suspended and resumed over UDP, REG_RATE REGISTERs with digest auth over a pool
# of USERS users, NOSIP_RATE 40-byte non-SIP packets. Every RELOAD_S the request route is changed
# (a new compile and swap), every PLUGIN_RELOAD_S the Registrar plugin is reloaded.
# DURATION_S (default 3600), SAMPLE_S (10), OUT_DIR (a new folder), SCRIPTEDSIP_DLL (default: build
# this checkout), ports SIP_PORT/UAC_PORT/UAS_PORT/RESUMER_PORT/MGMT_PORT.
# Writes OUT_DIR/samples.tsv (time, RSS, GC heap, threads, live transactions, failed calls, ...),
# OUT_DIR/soak.png and a summary with the pass figures: 0 failed calls, live transactions back to 0,
# RSS slope after the first 10 minutes under 1 MB per hour.
set -u -o pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(dirname "$BENCH_DIR")
DURATION_S=${DURATION_S:-3600}; SAMPLE_S=${SAMPLE_S:-10}
RELOAD_S=${RELOAD_S:-60}; PLUGIN_RELOAD_S=${PLUGIN_RELOAD_S:-600}
CALL_RATE=${CALL_RATE:-200}; ASYNC_RATE=${ASYNC_RATE:-50}; SUSPEND_RATE=${SUSPEND_RATE:-50}
REG_RATE=${REG_RATE:-50}; USERS=${USERS:-1000}; NOSIP_RATE=${NOSIP_RATE:-100}
SIP_PORT=${SIP_PORT:-5060}; UAC_PORT=${UAC_PORT:-5070}; UAS_PORT=${UAS_PORT:-5080}
RESUMER_PORT=${RESUMER_PORT:-5090}; MGMT_PORT=${MGMT_PORT:-9160}; IP=127.0.0.1
OUT_DIR=${OUT_DIR:-$(mktemp -d /tmp/scriptedsip-soak.XXXXXX)}
mkdir -p "$OUT_DIR"
log() { printf '[soak] %s\n' "$*" >&2; }
for c in sipp python3 curl; do command -v $c >/dev/null || { echo "soak: $c missing" >&2; exit 3; }; done

if [ -z "${SCRIPTEDSIP_DLL:-}" ]; then
    dotnet build "$REPO_DIR/host/ScriptedSip.Host" -c Release -nologo -v q >&2 || exit 1
    for p in Auth Registrar; do dotnet build "$REPO_DIR/plugins/$p" -c Release -nologo -v q >&2 || exit 1; done
    SCRIPTEDSIP_DLL=$REPO_DIR/host/ScriptedSip.Host/bin/Release/net10.0/ScriptedSip.Host.dll
fi

PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -- -"$p" 2>/dev/null || kill "$p" 2>/dev/null; done; }
trap cleanup EXIT

# Users userNNNN / secretNNNN for the server and sipp (sipp cycles through the file).
awk -v n="$USERS" 'BEGIN { for (i = 0; i < n; i++) printf "user%04d;secret%04d\n", i, i }' >"$OUT_DIR/users.csv"
{ echo SEQUENTIAL; cat "$OUT_DIR/users.csv"; } >"$OUT_DIR/register.inf"
python3 "$BENCH_DIR/tools/content_root.py" "$BENCH_DIR/deploy/soak" "$OUT_DIR/content" "$REPO_DIR/plugins" \
    --plugin Auth --plugin Registrar --users "$OUT_DIR/users.csv" \
    --set "Plugins:Registrar:SnapshotIntervalSeconds=${SNAPSHOT_S:-300}" >&2 || exit 1
# copies, not links: the plugin reloads below change the copy, and the watcher sees a real folder
for p in Auth Registrar; do
    rm "$OUT_DIR/content/plugins/$p" && cp -rL "$REPO_DIR/plugins/$p" "$OUT_DIR/content/plugins/$p" || exit 1
done
# Two builds of the Registrar that differ only in their version: a plugin reload needs a different
# DLL (the catalog compares content hashes), so the reloads alternate between them.
for v in 1 2; do
    dotnet build "$REPO_DIR/plugins/Registrar" -c Release -nologo -v q "-p:Version=1.0.$v" -o "$OUT_DIR/registrar-$v" >&2 || exit 1
done

(cd "$OUT_DIR" && BENCH_UAS_URI="sip:$IP:$UAS_PORT" BENCH_RESUMER_PORT=$RESUMER_PORT \
    exec setsid dotnet "$SCRIPTEDSIP_DLL" --contentRoot "$OUT_DIR/content" "--Sip:Listen:0=udp:$IP:$SIP_PORT" \
    "--Scripts:CachePath=$OUT_DIR/script-cache" "--Management:Urls:0=http://$IP:$MGMT_PORT") >"$OUT_DIR/server.log" 2>&1 &
SERVER=$!; PIDS+=("$SERVER")
for _ in $(seq 120); do curl -sf "http://$IP:$MGMT_PORT/health/ready" >/dev/null && break; sleep 0.5; done
curl -sf "http://$IP:$MGMT_PORT/health/ready" >/dev/null || { log "server not ready; see $OUT_DIR/server.log"; exit 1; }
SERVER_PID=$(pgrep -f -- "--contentRoot $OUT_DIR/content" | head -1)

start() { # NAME ARGS... : one load process in its own session
    local name=$1; shift
    setsid "$@" >"$OUT_DIR/$name.out" 2>&1 & PIDS+=("$!")
}
bound=$((DURATION_S + 120))
start resumer python3 "$BENCH_DIR/tools/resumer.py" "$RESUMER_PORT" "$SIP_PORT" "$bound"
for _ in $(seq 50); do ss -Hlun "sport = :$RESUMER_PORT" | grep -q . && break; sleep 0.2; done
start uas sipp -sf "$BENCH_DIR/sipp/uas.xml" -i $IP -p "$UAS_PORT" -nostdin -buff_size 4194304 -timeout "$bound"
for _ in $(seq 50); do ss -Hlun "sport = :$UAS_PORT" | grep -q . && break; sleep 0.2; done
uac() { # NAME SERVICE RATE PORT [XML [EXTRA...]]
    local name=$1 service=$2 rate=$3 port=$4 xml=${5:-uac_invite.xml}; shift 5 2>/dev/null || shift $#
    start "$name" sipp -sf "$BENCH_DIR/sipp/$xml" -i $IP -p "$port" "$IP:$SIP_PORT" -s "$service" \
        -r "$rate" -m $((rate * DURATION_S)) -l $((rate * 40 + 100)) -nostdin -buff_size 4194304 \
        -recv_timeout 32000 -timeout "$bound" -trace_stat -stf "$OUT_DIR/$name.csv" -fd "$SAMPLE_S" \
        -trace_err -error_file "$OUT_DIR/$name.err" -max_log_size 10000000 "$@"
}
uac calls plain "$CALL_RATE" "$UAC_PORT" uac_invite.xml
uac async async "$ASYNC_RATE" $((UAC_PORT + 1)) uac_invite.xml
uac suspend suspend "$SUSPEND_RATE" $((UAC_PORT + 2)) uac_invite.xml
uac register soak "$REG_RATE" $((UAC_PORT + 3)) uac_register_auth.xml -inf "$OUT_DIR/register.inf" -key contact_port $((UAC_PORT + 3))
start nosip python3 - "$IP" "$SIP_PORT" "$NOSIP_RATE" "$DURATION_S" <<'PY'
import socket, sys, time
ip, port, rate, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
packet = b"soak-keepalive-0123456789-abcdefghijklm\n"  # 40 bytes, not SIP
start = time.monotonic(); sent = 0
while time.monotonic() - start < seconds:
    s.sendto(packet, (ip, port)); sent += 1
    time.sleep(max(0.0, start + sent / rate - time.monotonic()))
PY

failed_now() { # sum of FailedCall(C) over the UACs' last stat lines
    local total=0 f v
    for f in calls async suspend register; do
        [ -f "$OUT_DIR/$f.csv" ] || continue
        v=$(python3 "$BENCH_DIR/tools/sipp_stats.py" "$OUT_DIR/$f.csv" 2>/dev/null | sed -n 's/.* failed=\([0-9]*\).*/\1/p')
        total=$((total + ${v:-0}))
    done
    echo $total
}
metric() { awk -v n="$1" '$1 == n { printf "%.0f", $2; exit }' "$OUT_DIR/metrics.txt"; }

printf 'seconds\trss_kb\tgc_heap_bytes\tthreads\tlive_transactions\tsuspended\tfailed_calls\tscript_reloads\tplugin_reloads\n' >"$OUT_DIR/samples.tsv"
start_s=$(date +%s); reloads=0; plugin_reloads=0; next_reload=$RELOAD_S; next_plugin=$PLUGIN_RELOAD_S
while :; do
    sleep "$SAMPLE_S"
    now=$(( $(date +%s) - start_s ))
    if ! kill -0 "$SERVER" 2>/dev/null; then
        log "server died after $now s; see $OUT_DIR/server.log"
        printf 'SOAK FAILED server_died_after_s=%s out=%s\n' "$now" "$OUT_DIR"
        exit 1
    fi
    if [ "$now" -ge "$next_reload" ]; then # a real change: the route is compiled again and swapped
        echo "// reload $now" >>"$OUT_DIR/content/scripts/request_route.csx"; reloads=$((reloads + 1)); next_reload=$((next_reload + RELOAD_S))
    fi
    if [ "$now" -ge "$next_plugin" ]; then # the plugin folder changes: the Registrar is reloaded
        cp "$OUT_DIR/registrar-$(( plugin_reloads % 2 + 1 ))/Registrar.dll" "$OUT_DIR/content/plugins/Registrar/Registrar.dll.new" &&
            mv "$OUT_DIR/content/plugins/Registrar/Registrar.dll.new" "$OUT_DIR/content/plugins/Registrar/Registrar.dll"
        plugin_reloads=$((plugin_reloads + 1)); next_plugin=$((next_plugin + PLUGIN_RELOAD_S))
    fi
    curl -s --max-time 5 "http://$IP:$MGMT_PORT/metrics" >"$OUT_DIR/metrics.txt"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$now" "$(awk '/^VmRSS:/ { print $2 }' "/proc/$SERVER_PID/status")" \
        "$(metric dotnet_total_memory_bytes)" "$(awk '/^Threads:/ { print $2 }' "/proc/$SERVER_PID/status")" \
        "$(metric scriptedsip_tm_current)" "$(metric scriptedsip_tm_suspended)" "$(failed_now)" "$reloads" "$plugin_reloads" >>"$OUT_DIR/samples.tsv"
    [ "$now" -ge "$DURATION_S" ] && break
done

# The load has been offered; let the last calls end and the transactions linger out.
for _ in $(seq 60); do
    pgrep -f "sipp -sf $BENCH_DIR/sipp/uac" >/dev/null || break
    sleep 2
done
for _ in $(seq 30); do
    curl -s --max-time 5 "http://$IP:$MGMT_PORT/metrics" >"$OUT_DIR/metrics.txt"
    [ "$(metric scriptedsip_tm_current)" = 0 ] && break
    sleep 2
done
live_end=$(metric scriptedsip_tm_current)
failed=$(failed_now)
ok=0
for f in calls async suspend register; do
    v=$(python3 "$BENCH_DIR/tools/sipp_stats.py" "$OUT_DIR/$f.csv" 2>/dev/null | sed -n 's/.*\bok=\([0-9]*\).*/\1/p'); ok=$((ok + ${v:-0}))
done
slope=$(awk -F'\t' 'NR > 1 && $1 >= 600 { n++; x += $1; y += $2; xx += $1 * $1; xy += $1 * $2 }
    END { if (n < 3) { print "n/a"; exit } b = (n * xy - x * y) / (n * xx - x * x); printf "%.2f", b * 3600 / 1024 }' "$OUT_DIR/samples.tsv")
if command -v gnuplot >/dev/null; then
    gnuplot <<GP 2>>"$OUT_DIR/gnuplot.err"
set terminal pngcairo size 1000,600 noenhanced
set output "$OUT_DIR/soak.png"
set datafile separator "\t"
set key autotitle columnhead
set xlabel "seconds"
set ylabel "MB"
set y2label "count"
set y2tics
plot "$OUT_DIR/samples.tsv" using 1:(\$2/1024) with lines title "RSS (MB)", \
     "" using 1:(\$3/1048576) with lines title "GC heap (MB)", \
     "" using 1:5 axes x1y2 with lines title "live transactions", \
     "" using 1:4 axes x1y2 with lines title "threads", \
     "" using 1:7 axes x1y2 with lines title "failed calls"
GP
fi
printf 'SOAK duration_s=%s completed=%s failed_calls=%s live_transactions_at_end=%s rss_slope_mb_per_hour_after_10min=%s script_reloads=%s plugin_reloads=%s out=%s\n' \
    "$DURATION_S" "$ok" "$failed" "${live_end:-?}" "$slope" "$reloads" "$plugin_reloads" "$OUT_DIR"
