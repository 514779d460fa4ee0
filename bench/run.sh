#!/usr/bin/env bash
# Load harness: drives a SIP server on 127.0.0.1 with sipp (or a UDP sender)
# and reports throughput, failures, server CPU time and memory.
#
#   bench/run.sh SCENARIO [TARGET]
#     SCENARIO  A B BT C D D20 E F G H I M, or "all"
#     TARGET    scriptedsip (default) | kamailio | floor | all
#
# See bench/README.md for the scenarios, the environment variables and how
# every number is computed. Installs nothing: it says what is missing.

set -u -o pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(dirname "$BENCH_DIR")
ALL_SCENARIOS="A B BT C D D20 E F G H I M"
ALL_TARGETS="scriptedsip kamailio floor"

usage() {
    cat <<EOF
usage: bench/run.sh SCENARIO [TARGET]
  SCENARIO: A | B | BT | C | D | D20 | E | F | G | H | I | M | all
  TARGET:   scriptedsip (default) | kamailio | floor | all
  A  OPTIONS answered statelessly with 200
  B  INVITE/100/180/200/ACK/BYE/200 proxied statefully to a sipp UAS
  BT B over TCP: one TCP connection per sipp process (sipp -t t1), the server
     listening on TCP only and relaying to the UAS over TCP
  C  INVITE held 1 s in an async route, then relayed to the UAS
  D  40-byte non-SIP UDP packets through the nosip route (RATE=0: unpaced)
  D20 like D with 20-byte packets, which the server must drop
  E  INVITE suspended, resumed by an outside UDP resumer, relayed to the UAS
  F  100000 INVITEs held suspended: memory per suspended transaction
  G  REGISTER with digest auth (401, then 200), one new user per call:
     registrar + auth; also memory per registered contact
  H  authenticated call between registered users: INVITE/407/ACK, INVITE with
     credentials, location lookup, relay to the UAS; ACK, BYE
  I  INVITE spread over three UASes by a Call-ID hash (dispatcher, OPTIONS
     probing on), record-routed; ACK, BYE
  M  100000 users REGISTER without auth: memory per registered contact
Environment: CALLS RATE WARMUP_CALLS RATE_SWEEP SWEEP_SECONDS SWEEP_CALLS
  SWEEP_STOP_ON_FAIL OUT_DIR SIP_PORT UAC_PORT UAS_PORT RESUMER_PORT
  RECV_TIMEOUT_MS SERVER_START_TIMEOUT F_SETTLE_SECONDS G_SETTLE_SECONDS
  GENERATORS A_GEN SWEEP_MAX_P99_MS LATENCY D_DRAIN_MS H_USERS H_REG_RATE DS_PING_INTERVAL SCRAPE_EVERY_S SCRAPE_WARMUP SCRAPE_TOGGLE_S SCRAPE_SKIP SCRAPE_THREADS SCRAPE_PATH MANAGEMENT
  SCRIPTEDSIP_DLL SCRIPTEDSIP_BUILD SCRIPTEDSIP_PLUGINS SCRIPTEDSIP_ARGS KAM_MEM KAM_SHM_MB KAM_PKG_MB KAM_ARGS
  (details in bench/README.md)
EOF
}

log() { printf '[bench] %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 2; }

[ $# -ge 1 ] || { usage >&2; exit 2; }
case "$1" in -h|--help) usage; exit 0 ;; esac
SCENARIO_ARG=$(printf '%s' "$1" | tr '[:lower:]' '[:upper:]')
TARGET_ARG=${2:-scriptedsip}
[ "$SCENARIO_ARG" = ALL ] && SCENARIO_ARG=all

case " $ALL_SCENARIOS all " in *" $SCENARIO_ARG "*) ;; *) usage >&2; die "unknown scenario '$1'" ;; esac
case " $ALL_TARGETS all " in *" $TARGET_ARG "*) ;; *) usage >&2; die "unknown target '$TARGET_ARG'" ;; esac

# ---------------------------------------------------------------- settings
BENCH_IP=127.0.0.1
SIP_PORT=${SIP_PORT:-5060}
UAS_PORT=${UAS_PORT:-5080}
UAC_PORT=${UAC_PORT:-5070}
RESUMER_PORT=${RESUMER_PORT:-5090}
RECV_TIMEOUT_MS=${RECV_TIMEOUT_MS:-10000}
SWEEP_SECONDS=${SWEEP_SECONDS:-10}
SWEEP_STOP_ON_FAIL=${SWEEP_STOP_ON_FAIL:-1}
SERVER_START_TIMEOUT=${SERVER_START_TIMEOUT:-90}
F_SETTLE_SECONDS=${F_SETTLE_SECONDS:-3}
G_SETTLE_SECONDS=${G_SETTLE_SECONDS:-3}   # G, M: wait before the memory reading after the load
H_USERS=${H_USERS:-1000}                  # H: users registered (to the UAS) before the calls
H_REG_RATE=${H_REG_RATE:-1000}            # H: rate of those registrations
DS_PING_INTERVAL=${DS_PING_INTERVAL:-5}   # I: seconds between OPTIONS probes of a destination
D_DRAIN_MS=${D_DRAIN_MS:-500}
KAM_PKG_MB=${KAM_PKG_MB:-32}
KAM_MEM=${KAM_MEM:-tlsf}   # kamailio -x: tlsf | fm | qm (stock default, with memory debugging)
MGMT_PORT=${MGMT_PORT:-9060}          # scriptedsip's management endpoint (metrics, RPC)
SCRAPE_EVERY_S=${SCRAPE_EVERY_S:-0}   # >0: GET /metrics this often during the measured load (scriptedsip only)
SCRAPE_WARMUP=${SCRAPE_WARMUP:-}      # scrapes before the load, in four bursts (the scrape path's JIT tier-up);
                                      # default 200 with the management endpoint on (the GC counts are read by
                                      # a scrape just before the measured load, and an unwarmed scrape path
                                      # recompiles itself inside it), 0 with MANAGEMENT=off
SCRAPE_TOGGLE_S=${SCRAPE_TOGGLE_S:-0}  # >0: scrape in windows of this length, every other one
LATENCY=${LATENCY:-0}                  # 1: sipp records every round trip of the measured load (-trace_rtt): p50/p99/p99.9 in the RESULT line
SCRAPE_SKIP=${SCRAPE_SKIP:-6}          # toggle windows left out of the summary (the scrape path's JIT tier-up)
SCRAPE_THREADS=${SCRAPE_THREADS:-1}    # the toggle windows' CPU by thread name as well
export SCRAPE_THREADS
                                      # (on, off, on, ...) in one server run; the summary compares
                                      # each "on" window's CPU with the "off" windows beside it
export SCRAPE_TOGGLE_S
[ -n "$SCRAPE_WARMUP" ] || { [ "$SCRAPE_EVERY_S" != 0 ] || [ "${MANAGEMENT:-on}" != off ] && SCRAPE_WARMUP=200 || SCRAPE_WARMUP=0; }
DEFAULT_SCRIPTEDSIP_DLL=$REPO_DIR/host/ScriptedSip.Host/bin/Release/net10.0/ScriptedSip.Host.dll
SCRIPTEDSIP_DLL=${SCRIPTEDSIP_DLL:-$DEFAULT_SCRIPTEDSIP_DLL}
SCRIPTEDSIP_BUILD=${SCRIPTEDSIP_BUILD:-1}   # 0: never build the host
# Plugins for G, H, I, M: those of the checkout the dll was built in (ROOT/host/ScriptedSip.Host/
# bin/CFG/net10.0/ScriptedSip.Host.dll -> ROOT/plugins), so an older build (compare.sh) gets
# plugins built against its own SDK; else this checkout's.
default_plugins_dir() {
    local root
    root=$(cd "$(dirname "$SCRIPTEDSIP_DLL")/../../../../.." 2>/dev/null && pwd) || root=
    if [ -n "$root" ] && [ -d "$root/plugins" ] && [ -d "$root/host/ScriptedSip.Host" ]; then
        echo "$root/plugins"
    else
        echo "$REPO_DIR/plugins"
    fi
}
SCRIPTEDSIP_PLUGINS=${SCRIPTEDSIP_PLUGINS:-$(default_plugins_dir)}
CLK_TCK=$(getconf CLK_TCK)
. "$BENCH_DIR/generators.sh"   # GENERATORS, A_GEN: who sends the load

for p in "$SIP_PORT" "$UAS_PORT" "$UAC_PORT" "$RESUMER_PORT"; do
    case "$p" in ''|*[!0-9]*) die "ports must be numbers" ;; esac
done
for v in "$H_USERS" "$H_REG_RATE" "$DS_PING_INTERVAL" "$G_SETTLE_SECONDS"; do
    case "$v" in ''|*[!0-9]*|0) die "H_USERS, H_REG_RATE, DS_PING_INTERVAL, G_SETTLE_SECONDS must be positive integers" ;; esac
done
[ "$H_USERS" -ge 2 ] || die "H_USERS must be at least 2 (a caller and a callee)"

# per-scenario defaults: calls rate warmup (each scenario <= ~60 s)
scenario_defaults() {
    case "$1" in
        A) echo "30000 3000 2000" ;;
        B|BT) echo "10000 500 500" ;;
        C) echo "5000 250 250" ;;
        D|D20) echo "200000 20000 60000" ;;  # 3 s: the tiering JIT of the packet path, not the packets, filled the first second
        E) echo "10000 500 500" ;;
        F) echo "100000 5000 0" ;;
        G) echo "20000 1000 2000" ;;
        H|I) echo "10000 500 500" ;;
        M) echo "100000 2000 1000" ;;
    esac
}
# what one "call" is, and how many server-side requests it carries
scenario_unit() {
    case "$1" in
        A) echo "req 1" ;;
        B|BT|C|E) echo "call 3" ;;   # INVITE, ACK, BYE
        D|D20) echo "pkt 1" ;;
        F) echo "call 1" ;;
        G) echo "reg 2" ;;        # REGISTER twice (401, then 200)
        H) echo "call 5" ;;       # INVITE, ACK (of the 407), INVITE, ACK, BYE
        I) echo "call 3" ;;       # INVITE, ACK, BYE
        M) echo "reg 1" ;;
    esac
}
# G, H and M run the same ScriptedSip deployment (and the same Kamailio route; M with auth off)
deploy_dir() { case "$1" in D20) echo D ;; BT) echo B ;; H|M) echo G ;; *) echo "$1" ;; esac; }
# the transport every SIP hop of a scenario uses (BT is B over TCP); run_one sets SIP_TRANSPORT from it
scenario_transport() { case "$1" in BT) echo tcp ;; *) echo udp ;; esac; }
SIP_TRANSPORT=udp
# the plugins a scenario's ScriptedSip deployment loads (linked into its content root)
scenario_plugins() { case "$1" in G|H|M) echo "Auth Registrar" ;; I) echo "Dispatcher" ;; esac; }

# ---------------------------------------------------------------- work dir
OUT_DIR=${OUT_DIR:-$(mktemp -d /tmp/scriptedsip-bench.XXXXXX)}
mkdir -p "$OUT_DIR" "$OUT_DIR/bin" || die "cannot create $OUT_DIR"
OUT_DIR=$(cd "$OUT_DIR" && pwd)   # absolute: the sipp generators run in their run's folder
RESULTS_FILE=$OUT_DIR/results.txt

# ---------------------------------------------------------------- process control
STARTED_PIDS=()

tree_pids() { # PID -> PID and all its descendants
    ps -e -o pid=,ppid= 2>/dev/null | awk -v root="$1" '
        { par[$1] = $2 }
        END {
            if (!(root in par)) exit
            ids[root] = 1; changed = 1
            while (changed) {
                changed = 0
                for (p in par) if (!(p in ids) && (par[p] in ids)) { ids[p] = 1; changed = 1 }
            }
            for (p in ids) print p
        }'
}

# Servers and helpers run in their own session (setsid), so a server that
# signals its whole process group on shutdown cannot hit this script, and
# whatever they leave behind can be stopped through their group id.
stop_pid() { # graceful TERM, then KILL for the process and anything it left
    local pid=$1 i tree
    kill -0 "$pid" 2>/dev/null || return 0
    tree=$(tree_pids "$pid")
    kill -TERM "$pid" 2>/dev/null
    for i in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    for p in $tree; do
        [ "$p" = "$pid" ] && continue
        kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null
    done
    kill -KILL -- "-$pid" 2>/dev/null # the rest of its session's process group, if any
    wait "$pid" 2>/dev/null
    return 0
}

stop_all() {
    local i
    for ((i = ${#STARTED_PIDS[@]} - 1; i >= 0; i--)); do
        stop_pid "${STARTED_PIDS[$i]}"
    done
    STARTED_PIDS=()
}

on_exit() {
    local rc=$?
    stop_all
    exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

udp_port_bound() { # PORT -> success if some socket is bound to it on 127.0.0.1 or 0.0.0.0
    local hex
    hex=$(printf '%04X' "$1")
    awk -v p="$hex" 'NR > 1 { split($2, a, ":"); if (a[2] == p && (a[1] == "0100007F" || a[1] == "00000000")) f = 1 }
                     END { exit !f }' /proc/net/udp
}

tcp_port_listening() { # PORT -> success if some socket listens on it on 127.0.0.1 or any address
    ss -ltnH "sport = :$1" 2>/dev/null |
        awk '{ a = $4; sub(/:[0-9]+$/, "", a); if (a == "127.0.0.1" || a == "0.0.0.0" || a == "*" || a == "[::]") f = 1 }
             END { exit !f }'
}

port_bound() { # PORT [PROTO: udp (default) | tcp]
    if [ "${2:-udp}" = tcp ]; then tcp_port_listening "$1"; else udp_port_bound "$1"; fi
}

wait_port() { # PORT PID TIMEOUT_S LABEL [PROTO]
    local port=$1 pid=$2 timeout=$3 label=$4 proto=${5:-udp} i
    for i in $(seq 1 $((timeout * 10))); do
        kill -0 "$pid" 2>/dev/null || { log "$label exited during start-up"; return 1; }
        port_bound "$port" "$proto" && return 0
        sleep 0.1
    done
    log "$label did not bind $proto $BENCH_IP:$port within ${timeout}s"
    return 1
}

scriptedsip_wait_ready() { # PID TIMEOUT_S [PROTO] -> success once the host's receive thread runs
    # The host binds its sockets before it compiles the scripts (so a port in use is reported at
    # once), and the kernel queues datagrams for a bound socket: "port bound" is not "ready". The
    # receive threads (named sip-rx) start only once the scripts are loaded. A TCP-only host has
    # no sip-rx thread: its workers (sip-worker N) start, also after the scripts, right before
    # the listener accepts.
    local pid=$1 timeout=$2 thread='^sip-rx' i p
    [ "${3:-udp}" = tcp ] && thread='^sip-worker'
    for i in $(seq 1 $((timeout * 10))); do
        for p in "$pid" $(pgrep -P "$pid" 2>/dev/null); do
            grep -qs "$thread" /proc/"$p"/task/*/comm && return 0
        done
        sleep 0.1
    done
    log "scriptedsip did not start receiving within ${timeout}s"
    return 1
}

ensure_port_free() { # PORT [PROTO]
    if port_bound "$1" "${2:-udp}"; then
        log "${2:-udp} port $1 is already in use (another server or bench still running?)"
        return 1
    fi
}

# ---------------------------------------------------------------- measurements
cpu_ticks() { # utime+stime (clock ticks) summed over a process tree
    local files=() p
    for p in $(tree_pids "$1"); do
        [ -r "/proc/$p/stat" ] && files+=("/proc/$p/stat")
    done
    [ ${#files[@]} -gt 0 ] || { echo 0; return; }
    awk '{ s = $0; sub(/^.*\) /, "", s); split(s, f, " "); t += f[12] + f[13] } END { print t + 0 }' \
        "${files[@]}" 2>/dev/null
}

mem_kb() { # -> "pss_kb peak_rss_kb nproc": PSS summed over the tree, largest VmHWM
    local pss=0 hwm=0 n=0 p v
    for p in $(tree_pids "$1"); do
        [ -r "/proc/$p/status" ] || continue
        n=$((n + 1))
        v=$(awk '/^Pss:/ { print $2; exit }' "/proc/$p/smaps_rollup" 2>/dev/null)
        pss=$((pss + ${v:-0}))
        v=$(awk '/^VmHWM:/ { print $2; exit }' "/proc/$p/status" 2>/dev/null)
        [ "${v:-0}" -gt "$hwm" ] && hwm=$v
    done
    echo "$pss $hwm $n"
}

udp_counters() { # -> "NoPorts InErrors RcvbufErrors" from /proc/net/snmp (whole host)
    awk '/^Udp:/ { if (h) { for (i = 2; i <= NF; i++) v[name[i]] = $i; print v["NoPorts"], v["InErrors"], v["RcvbufErrors"] }
                   else { for (i = 2; i <= NF; i++) name[i] = $i; h = 1 } }' /proc/net/snmp
}

sock_drops() { # PORT -> datagrams dropped by the sockets bound to it (last column of /proc/net/udp)
    local hex
    hex=$(printf '%04X' "$1")
    awk -v p="$hex" 'NR > 1 { split($2, a, ":"); if (a[2] == p) d += $NF } END { print d + 0 }' /proc/net/udp
}

ms_from_ticks() { awk -v t="$1" -v hz="$CLK_TCK" 'BEGIN { printf "%.0f", t * 1000 / hz }'; }

# ---------------------------------------------------------------- tools
need_cmd() { # CMD INSTALL_HINT
    command -v "$1" >/dev/null 2>&1 && return 0
    log "$1 not found: install it with: $2"
    return 1
}

build_c_tool() { # SOURCE NAME [GCC_FLAGS...] -> path of the binary in OUT_DIR/bin
    local src=$1 bin=$OUT_DIR/bin/$2
    shift 2
    if [ ! -x "$bin" ] || [ "$src" -nt "$bin" ]; then
        need_cmd gcc "apt-get install -y gcc" || return 1
        gcc -O2 -Wall "$@" -o "$bin" "$src" 2>"$OUT_DIR/bin/${bin##*/}.build.log" || {
            log "gcc failed for $src (see $OUT_DIR/bin/${bin##*/}.build.log)"
            return 1
        }
    fi
    echo "$bin"
}

scriptedsip_ready() {
    if [ ! -f "$SCRIPTEDSIP_DLL" ]; then
        if [ -z "${SCRIPTEDSIP_BUILD_TRIED:-}" ] && [ "$SCRIPTEDSIP_BUILD" = 1 ] &&
            [ "$SCRIPTEDSIP_DLL" = "$DEFAULT_SCRIPTEDSIP_DLL" ] &&
            [ -d "$REPO_DIR/host/ScriptedSip.Host" ] && command -v dotnet >/dev/null 2>&1; then
            SCRIPTEDSIP_BUILD_TRIED=1
            log "building ScriptedSip host (dotnet build -c Release host/ScriptedSip.Host) ..."
            (cd "$REPO_DIR" && timeout 900 dotnet build -c Release host/ScriptedSip.Host) \
                >"$OUT_DIR/scriptedsip-build.log" 2>&1 ||
                log "build failed, see $OUT_DIR/scriptedsip-build.log"
        fi
    fi
    if [ ! -f "$SCRIPTEDSIP_DLL" ]; then
        log "ScriptedSip host not built: $SCRIPTEDSIP_DLL is missing" \
            "(build it with: dotnet build -c Release host/ScriptedSip.Host)"
        return 1
    fi
    need_cmd dotnet "the .NET 10 SDK/runtime (dotnet)" || return 1
}

target_available() { # TARGET SCENARIO
    case "$1" in
        scriptedsip) scriptedsip_ready ;;
        kamailio) need_cmd kamailio "apt-get install -y kamailio" ;;
        floor)
            if [ "$2" != A ]; then
                log "floor target only answers OPTIONS (scenario A); skipping $2"
                return 1
            fi
            need_cmd gcc "apt-get install -y gcc" ;;
    esac
}

# ---------------------------------------------------------------- scenario data (G, H, I)
# Users are userNNNN with password secretNNNN. sipp reads them from injection files
# (-inf, SEQUENTIAL: call k uses line k); the servers get the same list: ScriptedSip in
# Plugins:Auth:Users of the run's content root, Kamailio as a db_text table loaded into
# an htable at start.
write_users() { # FIRST COUNT FILE [SEQUENTIAL] -> "user;password" lines
    awk -v f="$1" -v n="$2" -v head="${4:-}" 'BEGIN {
        if (head != "") print head
        for (i = f; i < f + n; i++) printf "user%04d;secret%04d\n", i, i
    }' >"$3"
}

write_h_calls() { # COUNT USERS FILE -> "caller;password;callee" lines, caller and callee registered
    awk -v n="$1" -v u="$2" 'BEGIN {
        print "SEQUENTIAL"
        for (k = 0; k < n; k++) {
            a = k % u; b = (k + int(u / 2)) % u
            printf "user%04d;secret%04d;user%04d\n", a, a, b
        }
    }' >"$3"
}

kamailio_users_db() { # USERS_CSV DIR -> db_text folder with the tables version and users
    mkdir -p "$2"
    printf 'table_name(string) table_version(int)\nusers:2\n' >"$2/version"
    {
        echo 'key_name(string) key_type(int) value_type(int) key_value(string) expires(int)'
        awk -F';' '$1 != "SEQUENTIAL" { printf "%s:0:0:%s:0\n", $1, $2 }' "$1"
    } >"$2/users"
}

prepare_scenario_data() { # TARGET SCENARIO RUN_DIR CALLS WARMUP
    local target=$1 scen=$2 dir=$3 calls=$4 warm=$5
    case "$scen" in
        G)  # every call registers a user of its own: warm-up users first, then the measured ones
            write_users 0 "$((warm + calls))" "$dir/users.csv"
            write_users 0 "$warm" "$dir/warmup.inf" SEQUENTIAL
            write_users "$warm" "$calls" "$dir/load.inf" SEQUENTIAL ;;
        H)  # H_USERS users register to the UAS, then call each other
            write_users 0 "$H_USERS" "$dir/users.csv"
            write_users 0 "$H_USERS" "$dir/register.inf" SEQUENTIAL
            write_h_calls "$warm" "$H_USERS" "$dir/warmup.inf"
            write_h_calls "$calls" "$H_USERS" "$dir/load.inf" ;;
        M)  # every call registers a user of its own; no passwords on the server (auth off)
            write_users 0 "$warm" "$dir/warmup.inf" SEQUENTIAL
            write_users "$warm" "$calls" "$dir/load.inf" SEQUENTIAL ;;
        I)  [ "$target" = kamailio ] && printf '1 sip:%s:%s\n' \
                "$BENCH_IP" "$UAS_PORT" "$BENCH_IP" "$((UAS_PORT + 1))" "$BENCH_IP" "$((UAS_PORT + 2))" \
                >"$dir/dispatcher.list" ;;
        *) return 0 ;;
    esac
    if [ "$target" = kamailio ] && [ -f "$dir/users.csv" ]; then
        kamailio_users_db "$dir/users.csv" "$dir/kamailio/db"
    fi
    return 0
}

scriptedsip_content_root() { # SCENARIO RUN_DIR -> path of the content root to run
    local scen=$1 dir=$2 plugins args=() p
    plugins=$(scenario_plugins "$scen")
    if [ -z "$plugins" ]; then
        echo "$BENCH_DIR/deploy/$(deploy_dir "$scen")"
        return 0
    fi
    # a copy in the run folder with only this scenario's plugins linked (Plugins:Path
    # "plugins"), the generated users and this run's ports
    for p in $plugins; do args+=(--plugin "$p"); done
    [ -f "$dir/users.csv" ] && args+=(--users "$dir/users.csv")
    [ "$scen" = M ] && args+=(--set "Plugins:Auth:Enabled=false")
    if [ "$scen" = I ]; then
        for p in 0 1 2; do
            args+=(--set "Plugins:Dispatcher:Sets:1:$p:Uri=sip:$BENCH_IP:$((UAS_PORT + p))")
        done
        args+=(--set "Plugins:Dispatcher:ProbeIntervalSeconds=$DS_PING_INTERVAL")
    fi
    python3 "$BENCH_DIR/tools/content_root.py" "$BENCH_DIR/deploy/$(deploy_dir "$scen")" "$dir/content" \
        "$SCRIPTEDSIP_PLUGINS" "${args[@]}" >&2 || return 1
    echo "$dir/content"
}

# ---------------------------------------------------------------- servers
SERVER_PID=
SERVER_RUN_DIR=
RESUMER_PID=
PEER_PIDS=()   # the run's UASes and resumer: their CPU is reported beside the server's

# MANAGEMENT=off starts ScriptedSip without its management endpoint (the cost of having it on).
management_arg() {
    if [ "${MANAGEMENT:-on}" = off ]; then
        printf '%s' "--Management:Urls="
    else
        printf '%s' "--Management:Urls:0=http://$BENCH_IP:$MGMT_PORT"
    fi
}

start_server() { # TARGET SCENARIO RUN_DIR
    local target=$1 scen=$2 dir=$3 bin kscen root uas_uri
    ensure_port_free "$SIP_PORT" "$SIP_TRANSPORT" || return 1
    # where B and its variants relay the INVITE (BT: over TCP)
    uas_uri="sip:$BENCH_IP:$UAS_PORT"
    [ "$SIP_TRANSPORT" = tcp ] && uas_uri="$uas_uri;transport=tcp"
    case "$target" in
        floor)
            bin=$(build_c_tool "$BENCH_DIR/floor/udp_options_responder.c" udp_options_responder) || return 1
            setsid "$bin" "$BENCH_IP" "$SIP_PORT" >"$dir/server.log" 2>&1 &
            SERVER_PID=$!
            ;;
        kamailio)
            kscen=$scen
            [ "$scen" = D20 ] && kscen=D
            local shm=${KAM_SHM_MB:-}
            [ -n "$shm" ] || { [ "$scen" = F ] && shm=4096 || shm=2048; }
            mkdir -p "$dir/kamailio"
            setsid kamailio -f "$BENCH_DIR/kamailio/kamailio.cfg" -DD -E -x "$KAM_MEM" -m "$shm" -M "$KAM_PKG_MB" \
                -Y "$dir/kamailio" -w "$dir/kamailio" \
                -A "SCEN_$kscen" -A "BENCH_PORT=$SIP_PORT" ${KAM_ARGS:-} \
                -A "UAS_URI=\"$uas_uri\"" \
                -A "RESUMER_URI=\"sip:$BENCH_IP:$RESUMER_PORT\"" \
                -A "CTL_SOCK=\"unix:$dir/kamailio/kamailio_ctl\"" \
                -A "USERS_DB=\"text://$dir/kamailio/db\"" \
                -A "DS_LIST=\"$dir/dispatcher.list\"" -A "DS_PING_INTERVAL=$DS_PING_INTERVAL" \
                >"$dir/server.log" 2>&1 &
            SERVER_PID=$!
            ;;
        scriptedsip)
            root=$(scriptedsip_content_root "$scen" "$dir") || return 1
            (cd "$REPO_DIR" &&
                BENCH_UAS_URI="$uas_uri" BENCH_RESUMER_PORT=$RESUMER_PORT \
                exec setsid dotnet "$SCRIPTEDSIP_DLL" --contentRoot "$root" \
                    "--Sip:Listen:0=$SIP_TRANSPORT:$BENCH_IP:$SIP_PORT" "--Scripts:CachePath=$dir/script-cache" \
                    "$(management_arg)" ${SCRIPTEDSIP_ARGS:-}) \
                >"$dir/server.log" 2>&1 &
            SERVER_PID=$!
            ;;
    esac
    STARTED_PIDS+=("$SERVER_PID")
    SERVER_RUN_DIR=$dir
    wait_port "$SIP_PORT" "$SERVER_PID" "$SERVER_START_TIMEOUT" "$target" "$SIP_TRANSPORT" || {
        log "server log: $dir/server.log"
        tail -n 20 "$dir/server.log" >&2
        return 1
    }
    if [ "$target" = scriptedsip ]; then
        scriptedsip_wait_ready "$SERVER_PID" "$SERVER_START_TIMEOUT" "$SIP_TRANSPORT" || return 1
    fi
    sleep 0.5 # let worker processes/threads come up
    kill -0 "$SERVER_PID" 2>/dev/null || { log "$target died after binding; see $dir/server.log"; return 1; }
}

start_uas() { # RUN_DIR BOUND_SECONDS [PORT [SCENARIO_XML [NAME]]] -> NAME_stat.csv (default uas)
    local port=${3:-$UAS_PORT} xml=${4:-uas.xml} name=${5:-uas} mode=()
    # sipp -t t1: one TCP socket for all calls (tn would be one per call); default u1 (UDP)
    [ "$SIP_TRANSPORT" = tcp ] && mode=(-t t1)
    need_cmd sipp "apt-get install -y sip-tester" || return 1
    ensure_port_free "$port" "$SIP_TRANSPORT" || return 1
    setsid sipp -sf "$BENCH_DIR/sipp/$xml" -i "$BENCH_IP" -p "$port" "${mode[@]}" -nostdin -buff_size 4194304 \
        -timeout "$2" -trace_stat -stf "$1/${name}_stat.csv" -fd 1 \
        -trace_err -error_file "$1/${name}_err.log" -max_log_size 10000000 >"$1/$name.out" 2>&1 &
    local pid=$!
    STARTED_PIDS+=("$pid")
    PEER_PIDS+=("$pid")
    wait_port "$port" "$pid" 10 "sipp UAS on $port" "$SIP_TRANSPORT"
}

start_resumer() { # RUN_DIR BOUND_SECONDS
    need_cmd python3 "apt-get install -y python3" || return 1
    ensure_port_free "$RESUMER_PORT" || return 1
    setsid python3 "$BENCH_DIR/tools/resumer.py" "$RESUMER_PORT" "$SIP_PORT" "$2" >"$1/resumer.out" 2>&1 &
    RESUMER_PID=$!
    STARTED_PIDS+=("$RESUMER_PID")
    PEER_PIDS+=("$RESUMER_PID")
    wait_port "$RESUMER_PORT" "$RESUMER_PID" 10 "resumer"
}

# ---------------------------------------------------------------- load
run_udp_flood() { # SCENARIO COUNT RATE PREFIX -> PREFIX.out
    local size=40 bin
    [ "$1" = D20 ] && size=20
    bin=$(build_c_tool "$BENCH_DIR/tools/udp_flood.c" udp_flood) || return 1
    timeout -k 5 600 "$bin" "$BENCH_IP" "$SIP_PORT" "$2" "$3" "$size" 540 >"$4.out" 2>&1
    echo $? >"$4.rc"
}

scriptedsip_heap_bytes() { # -> managed heap in use (dotnet_total_memory_bytes from /metrics), empty without curl
    command -v curl >/dev/null 2>&1 || return 0
    curl -s --max-time 5 "http://$BENCH_IP:$MGMT_PORT/metrics" 2>/dev/null |
        awk '/^dotnet_total_memory_bytes / { printf "%.0f", $2 }'
}

scriptedsip_gc_counts() { # -> "gen0 gen1 gen2" collections since start (/metrics), empty without curl
    command -v curl >/dev/null 2>&1 || return 0
    curl -s --max-time 5 "http://$BENCH_IP:$MGMT_PORT/metrics" 2>/dev/null |
        awk -F'[{}" ]+' '/^dotnet_collection_count_total\{/ { g[$3] = $NF } END { if (length(g)) print g[0] + 0, g[1] + 0, g[2] + 0 }'
}

kam_rpc() { # CMD... (kamailio only)
    timeout 10 kamcmd -s "unix:$SERVER_RUN_DIR/kamailio/kamailio_ctl" "$@" 2>/dev/null
}

# ---------------------------------------------------------------- one run
declare -A R   # result of the last run_one

run_one() { # TARGET SCENARIO CALLS RATE WARMUP
    local target=$1 scen=$2 calls=$3 rate=$4 warm=$5
    local dir=$OUT_DIR/$target-$scen-r$rate
    local unit per_unit bound c0 c1 m0 m1 u0 u1 d0 d1 s t0 t1
    read -r unit per_unit <<<"$(scenario_unit "$scen")"
    R=([target]=$target [scen]=$scen [rate]=$rate [calls]=$calls [status]=error)
    PEER_PIDS=()
    SIP_TRANSPORT=$(scenario_transport "$scen")
    mkdir -p "$dir"

    if [ "$scen" = D ] || [ "$scen" = D20 ]; then
        if [ "$rate" -gt 0 ]; then bound=$(( (calls + warm) / rate + 60 )); else bound=120; fi
    else
        need_cmd sipp "apt-get install -y sip-tester" || return 1
        need_cmd python3 "apt-get install -y python3" || return 1
        bound=$(( (calls + warm) / rate + 2 * RECV_TIMEOUT_MS / 1000 + 120 ))
        [ "$scen" = H ] && bound=$(( bound + H_USERS / H_REG_RATE + RECV_TIMEOUT_MS / 1000 ))
    fi
    prepare_scenario_data "$target" "$scen" "$dir" "$calls" "$warm" || return 1
    case "$scen" in
        B|BT|C|E|H) start_uas "$dir" "$bound" || return 1 ;;
        I)  # the three destinations of the dispatcher; they also answer its OPTIONS probes
            start_uas "$dir" "$bound" "$UAS_PORT" uas_options.xml uas || return 1
            start_uas "$dir" "$bound" "$((UAS_PORT + 1))" uas_options.xml uas2 || return 1
            start_uas "$dir" "$bound" "$((UAS_PORT + 2))" uas_options.xml uas3 || return 1 ;;
    esac
    [ "$scen" = E ] && { start_resumer "$dir" "$bound" || return 1; }
    start_server "$target" "$scen" "$dir" || { stop_all; return 1; }
    log "$target/$scen: server pid $SERVER_PID, $calls x $unit at ${rate}/s (warm-up $warm), logs in $dir"

    local scraper=
    if { [ "$SCRAPE_EVERY_S" != 0 ] || [ "$SCRAPE_WARMUP" != 0 ]; } && [ "$target" = scriptedsip ]; then
        # A Prometheus-like scrape, from the warm-up on; its CPU during the measured load is
        # counted in the server's. It opens with SCRAPE_WARMUP scrapes in four bursts: the runtime
        # recompiles a method optimised after ~30 calls, so without them a 40 s run measures the
        # tier-up of the scrape path (a one-time cost), not a long-running server's scrape.
        # One kept-alive HTTP connection, as a Prometheus server scrapes (bench/tools/scrape.py).
        SCRAPE_PID="$SERVER_PID" SCRAPE_STARTED="$dir/load-started" \
            python3 "$BENCH_DIR/tools/scrape.py" "$BENCH_IP" "$MGMT_PORT" "$SCRAPE_EVERY_S" "$SCRAPE_WARMUP" >"$dir/scrape.log" &
        scraper=$!
        local waited=0
        until grep -q '^warm' "$dir/scrape.log" 2>/dev/null; do
            [ "$waited" -ge 300 ] && { log "scraper: no warm-up after 30 s"; break; }
            sleep 0.1; waited=$((waited + 1))
        done
        STARTED_PIDS+=("$scraper")   # stop_all ends it on every path
        R[scrape]="every ${SCRAPE_EVERY_S}s after $SCRAPE_WARMUP"
    fi

    if [ "$scen" = H ]; then
        # not measured: every user registers with the UAS's address as its contact
        run_sipp_uac H-register "$H_USERS" "$H_REG_RATE" "$dir/register"
        s=$(python3 "$BENCH_DIR/tools/sipp_stats.py" "$dir/register.csv" "$dir/register.err" 2>/dev/null)
        log "registrations: $s"
        case " $s " in
            *" ok=$H_USERS "*) ;;
            *)  log "$target/$scen: not every user registered; not measuring (logs in $dir)"
                stop_all
                return 1 ;;
        esac
    fi

    # warm-up: same traffic, not measured (JIT, script compilation, pools)
    if [ "$warm" -gt 0 ]; then
        case "$scen" in
            D|D20) run_udp_flood "$scen" "$warm" "$rate" "$dir/warmup" ;;
            A) if [ "$A_GEN" = c ]; then
                   run_options_load "$warm" "$rate" "$dir/warmup"; s=$(options_load_summary "$dir/warmup")
               else
                   run_sipp_uac "$scen" "$warm" "$rate" "$dir/warmup"; s=$(uac_summary "$dir/warmup")
               fi
               log "warm-up: $s"
               case " $s " in *" ok=0 "*|"  ") log "$target/$scen: no warm-up request succeeded; not measuring"; stop_all; return 1 ;; esac ;;
            *) run_sipp_uac "$scen" "$warm" "$rate" "$dir/warmup"
               s=$(uac_summary "$dir/warmup")
               log "warm-up: $s"
               case " $s " in
                   *" ok=0 "*|"  ")
                       log "$target/$scen: no warm-up call succeeded; not measuring (logs in $dir)"
                       stop_all
                       return 1 ;;
               esac ;;
        esac
        kill -0 "$SERVER_PID" 2>/dev/null || { log "server died during warm-up"; stop_all; return 1; }
    fi

    m0=$(mem_kb "$SERVER_PID")
    local shm0= heap0=
    [ "$target" = scriptedsip ] && { [ "$scen" = G ] || [ "$scen" = M ]; } && heap0=$(scriptedsip_heap_bytes)
    [ "$target" = kamailio ] && case "$scen" in F|G|M) true ;; *) false ;; esac &&
        shm0=$(kam_rpc core.shmmem | awk '/real_used:/ { print $2 }')
    u0=$(udp_counters)
    d0=$(sock_drops "$SIP_PORT")
    local p0=0 p1=0 h0 h1 p gc0=
    # collections by generation before and after the measured load (read outside the CPU window)
    [ "$target" = scriptedsip ] && [ "${MANAGEMENT:-on}" != off ] && gc0=$(scriptedsip_gc_counts)
    for p in "${PEER_PIDS[@]}"; do p0=$(( p0 + $(cpu_ticks "$p") )); done
    h0=$(cpu_idle_total)
    c0=$(cpu_ticks "$SERVER_PID")
    t0=$(date +%s.%N)
    : >"$dir/load-started"   # the scraper's alternating windows (SCRAPE_TOGGLE_S) start here
    case "$scen" in
        D|D20) run_udp_flood "$scen" "$calls" "$rate" "$dir/load"
               sleep "$(awk -v m="$D_DRAIN_MS" 'BEGIN { print m / 1000 }')" ;;
        A) if [ "$A_GEN" = c ]; then run_options_load "$calls" "$rate" "$dir/load"
           else run_sipp_uac "$scen" "$calls" "$rate" "$dir/load"; fi ;;
        *) run_sipp_uac "$scen" "$calls" "$rate" "$dir/load" ;;
    esac
    c1=$(cpu_ticks "$SERVER_PID")
    t1=$(date +%s.%N)
    h1=$(cpu_idle_total)
    for p in "${PEER_PIDS[@]}"; do p1=$(( p1 + $(cpu_ticks "$p") )); done
    local gc1=
    [ -n "$gc0" ] && gc1=$(scriptedsip_gc_counts)
    [ -n "$scraper" ] && { kill "$scraper" 2>/dev/null; wait "$scraper" 2>/dev/null; }
    if [ -n "$scraper" ] && [ "$SCRAPE_TOGGLE_S" != 0 ]; then
        python3 "$BENCH_DIR/tools/scrape.py" --summary "$dir/scrape.log" "$SCRAPE_SKIP" >"$dir/scrape-summary.txt"
        R[scrape_windows]=$(head -n 1 "$dir/scrape-summary.txt")
        log "scrape windows: ${R[scrape_windows]} (by thread: $dir/scrape-summary.txt)"
    fi
    u1=$(udp_counters)
    d1=$(sock_drops "$SIP_PORT")
    case "$scen" in
        F) sleep "$F_SETTLE_SECONDS" ;;
        G|M) sleep "$G_SETTLE_SECONDS" ;;
    esac
    m1=$(mem_kb "$SERVER_PID")
    local heap1=
    [ -n "$heap0" ] && heap1=$(scriptedsip_heap_bytes)
    kill -0 "$SERVER_PID" 2>/dev/null && R[alive]=yes || R[alive]=no

    # ---- traffic results
    local created ok failed unexpected achieved extra=""
    if [ "$scen" = D ] || [ "$scen" = D20 ]; then
        local sent serr rcvbuf noport drops a0 a1 r0 r1
        sent=$(sed -n 's/.*sent=\([0-9]*\).*/\1/p' "$dir/load.out")
        serr=$(sed -n 's/.*errors=\([0-9]*\).*/\1/p' "$dir/load.out")
        achieved=$(sed -n 's/.* rate=\([0-9.]*\).*/\1/p' "$dir/load.out")
        read -r a0 _ r0 <<<"$u0"; read -r a1 _ r1 <<<"$u1"
        rcvbuf=$(( r1 - r0 )); noport=$(( a1 - a0 ))
        drops=$(( d1 - d0 ))
        created=$(( ${sent:-0} + ${serr:-0} ))
        if [ "${R[alive]}" = yes ]; then
            failed=$(( drops + ${serr:-0} ))
            ok=$(( ${sent:-0} - drops ))
        else
            failed=$created; ok=0
        fi
        unexpected=0
        extra="drops=$drops host_rcvbuf_errors=$rcvbuf host_noport=$noport size=$([ "$scen" = D20 ] && echo 20 || echo 40)"
    else
        if [ "$scen" = A ] && [ "$A_GEN" = c ]; then
            s=$(options_load_summary "$dir/load")
        else
            s=$(uac_summary "$dir/load")
        fi || s="created=0 ok=0 failed=$calls unexpected=0 achieved=0"
        local -A S=()
        for kv in $s; do S[${kv%%=*}]=${kv#*=}; done
        created=${S[created]:-0}; ok=${S[ok]:-0}; failed=${S[failed]:-0}
        unexpected=${S[unexpected]:-0}; achieved=${S[achieved]:-0}
        extra="retrans=${S[retrans]:-0} timeouts=${S[timeouts]:-0} ooc=${S[ooc]:-0} sipp_rc=$(cat "$dir/load.rc" 2>/dev/null)"
        extra+=" server_drops=$(( d1 - d0 ))"   # datagrams the kernel dropped at the server's full receive buffer
        extra+=" generators=$(generators_of "$scen")"
        # round trips (sipp's 1 ms resolution; the first second of the load left out): timer 1 is the
        # whole request (OPTIONS -> 200, INVITE -> 200), timer 2 INVITE -> 100; options_load: microseconds
        # the sweep's latency bound applies to the whole request (timer 1), except in C, whose
        # INVITE is held 1 s on purpose: there INVITE -> 100 (timer 2)
        local timer=rtd1
        [ "$scen" = C ] && timer=rtd2
        if [ -n "${S[rtd1_p99_ms]:-}" ]; then
            extra+=" rtd1_p50_ms=${S[rtd1_p50_ms]} rtd1_p99_ms=${S[rtd1_p99_ms]} rtd1_p999_ms=${S[rtd1_p999_ms]} rtd1_max_ms=${S[rtd1_max_ms]}"
            R[p99_ms]=${S[rtd1_p99_ms]}
        elif compgen -G "$dir/load.rtt*.csv" >/dev/null; then
            local lat
            lat=$(python3 "$BENCH_DIR/tools/latency.py" "$dir"/load.rtt*.csv 1)
            extra+=" $lat"
            R[p99_ms]=$(sed -n "s/.*${timer}_p99_ms=\\([0-9.]*\\).*/\\1/p" <<<"$lat")
        fi
        local gen_ms=${S[gen_cpu_ms]:-$(uac_cpu_ms "$dir/load")}
        [ -n "$gen_ms" ] && extra+=" gen_cpu_ms=$gen_ms"
        if [ -f "$dir/uas_stat.csv" ]; then
            # failed calls summed over the UASes; for I also the calls each one got
            # (sipp's calls there include the OPTIONS probes it answered)
            local us f uas_failed=0 uas_created=
            for f in "$dir"/uas*_stat.csv; do
                us=$(python3 "$BENCH_DIR/tools/sipp_stats.py" "$f" 2>/dev/null)
                uas_failed=$(( uas_failed + $(sed -n 's/.* failed=\([0-9]*\).*/\1/p' <<<"$us") ))
                uas_created="$uas_created${uas_created:+,}$(sed -n 's/^created=\([0-9]*\).*/\1/p' <<<"$us")"
            done
            extra="$extra uas_failed=$uas_failed"
            [ "$scen" = I ] && extra="$extra uas_calls=$uas_created"
        fi
    fi
    if [ "$scen" = E ]; then
        stop_pid "$RESUMER_PID" # the resumer prints its counters on exit
        extra="$extra resumed=$(sed -n 's/.*resumed=\([0-9]*\).*/\1/p' "$dir/resumer.out")"
    fi

    # ---- CPU
    local ticks cpu_ms per_1k us_req
    ticks=$(( c1 - c0 ))
    cpu_ms=$(ms_from_ticks "$ticks")
    per_1k=$(awk -v ms="$cpu_ms" -v n="$created" 'BEGIN { if (n > 0) printf "%.2f", ms * 1000 / n; else print "n/a" }')
    us_req=$(awk -v ms="$cpu_ms" -v n="$created" -v k="$per_unit" 'BEGIN { if (n > 0) printf "%.2f", ms * 1000 / (n * k); else print "n/a" }')
    [ ${#PEER_PIDS[@]} -gt 0 ] && extra+=" peer_cpu_ms=$(ms_from_ticks $(( p1 - p0 )))"
    if [ -n "$gc0" ] && [ -n "$gc1" ]; then
        # per 100,000 calls (requests, packets, registrations: the scenario's unit)
        extra+=" $(awk -v a="$gc0" -v b="$gc1" -v n="$created" 'BEGIN { split(a, x, " "); split(b, y, " ")
            for (g = 0; g <= 2; g++) printf "%sgc%d_per_100k=%s", (g ? " " : ""), g, (n > 0 ? sprintf("%.1f", (y[g + 1] - x[g + 1]) * 100000 / n) : "n/a") }')"
    fi
    extra+=" host_busy_pct=$(busy_pct "$h0" "$h1")"

    # ---- memory
    local pss0 pss1 hwm1 nproc
    read -r pss0 _ _ <<<"$m0"
    read -r pss1 hwm1 nproc <<<"$m1"
    if [ "$scen" = F ] || [ "$scen" = G ] || [ "$scen" = M ]; then
        # F: per suspended transaction; G, M: per registered contact (each call added one)
        local bpt per=tx
        [ "$scen" = F ] || per=contact
        bpt=$(awk -v a="$pss0" -v b="$pss1" -v n="$ok" 'BEGIN { if (n > 0) printf "%.0f", (b - a) * 1024 / n; else print "n/a" }')
        extra="$extra mem_before_mb=$(awk -v k="$pss0" 'BEGIN { printf "%.1f", k / 1024 }') mem_after_mb=$(awk -v k="$pss1" 'BEGIN { printf "%.1f", k / 1024 }') bytes_per_$per=$bpt"
        if [ "$target" = kamailio ]; then
            local shm1 cur
            shm1=$(kam_rpc core.shmmem | awk '/real_used:/ { print $2 }')
            if [ "$scen" = F ]; then
                cur=$(kam_rpc tm.stats | awk '/current:/ { print $2 }')
                extra="$extra tm_current=${cur:-?}"
            else
                cur=$(kam_rpc cnt.get usrloc registered_users | tr -dc '0-9')
                extra="$extra registered=${cur:-?}"
            fi
            extra="$extra shm_bytes_per_$per=$(awk -v a="${shm0:-0}" -v b="${shm1:-0}" -v n="$ok" 'BEGIN { if (n > 0 && b > 0) printf "%.0f", (b - a) / n; else print "n/a" }')"
        fi
        if [ -n "$heap0" ] && [ -n "$heap1" ]; then
            extra="$extra heap_before_mb=$(awk -v b="$heap0" 'BEGIN { printf "%.1f", b / 1048576 }') heap_after_mb=$(awk -v b="$heap1" 'BEGIN { printf "%.1f", b / 1048576 }') heap_bytes_per_$per=$(awk -v a="$heap0" -v b="$heap1" -v n="$ok" 'BEGIN { if (n > 0) printf "%.0f", (b - a) / n; else print "n/a" }')"
        fi
    fi

    R[status]=ok
    R[achieved]=$achieved
    R[total]=$created
    R[ok]=$ok
    R[failed]=$failed
    R[unexpected]=$unexpected
    R[cpu_ms]=$cpu_ms
    R[ms_per_1k]=$per_1k
    R[unit]=$unit
    R[us_per_req]=$us_req
    R[peak_rss_mb]=$(awk -v k="$hwm1" 'BEGIN { printf "%.1f", k / 1024 }')
    R[pss_mb]=$(awk -v k="$pss1" 'BEGIN { printf "%.1f", k / 1024 }')
    R[nproc]=$nproc
    R[wall_s]=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
    R[extra]=$extra
    R[dir]=$dir

    stop_all
    print_result
}

print_result() {
    local line
    line=$(printf 'RESULT target=%s scenario=%s rate=%s achieved=%s total=%s ok=%s failed=%s unexpected=%s cpu_ms=%s ms_per_1k_%s=%s us_per_req=%s peak_rss_mb=%s pss_mb=%s procs=%s wall_s=%s server_alive=%s %s' \
        "${R[target]}" "${R[scen]}" "${R[rate]}" "${R[achieved]}" "${R[total]}" "${R[ok]}" \
        "${R[failed]}" "${R[unexpected]}" "${R[cpu_ms]}" "${R[unit]}" "${R[ms_per_1k]}" \
        "${R[us_per_req]}" "${R[peak_rss_mb]}" "${R[pss_mb]}" "${R[nproc]}" "${R[wall_s]}" \
        "${R[alive]}" "${R[extra]}")
    echo "$line"
    echo "$line" >>"$RESULTS_FILE"
}

SWEEP_MAX_P99_MS=${SWEEP_MAX_P99_MS:-50}   # a sweep step with a measured p99 round trip above this fails
run_passed() { # last run: every call/packet succeeded (and, where measured, p99 round trip within bound)
    [ "${R[status]}" = ok ] && [ "${R[failed]}" = 0 ] && [ "${R[unexpected]}" = 0 ] &&
        [ "${R[ok]}" = "${R[calls]}" ] &&
        awk -v p="${R[p99_ms]:-}" -v m="$SWEEP_MAX_P99_MS" 'BEGIN { exit !(p == "" || p + 0 <= m + 0) }'
}

# ---------------------------------------------------------------- table for TARGET=all
declare -A TABLE

table_add() { # TARGET (from R)
    local k
    for k in rate achieved total ok failed unexpected cpu_ms ms_per_1k us_per_req peak_rss_mb pss_mb; do
        TABLE[$1,$k]=${R[$k]:-}
    done
    TABLE[$1,sweep]=${R[sweep]:-}
    TABLE[$1,extra]=${R[extra]:-}
}

table_print() { # SCENARIO
    local scen=$1 t k label unit
    read -r unit _ <<<"$(scenario_unit "$scen")"
    printf '\nScenario %s (CPU figures per %s)\n' "$scen" "$unit"
    printf '%-16s' "metric"
    for t in $ALL_TARGETS; do printf '%16s' "$t"; done
    printf '\n'
    for k in rate achieved total ok failed unexpected cpu_ms ms_per_1k us_per_req peak_rss_mb pss_mb sweep; do
        case "$k" in
            ms_per_1k) label="ms/1k $unit" ;;
            us_per_req) label="us/request" ;;
            sweep) [ -n "$RATE_SWEEP_SET" ] || continue; label="max rate ok" ;;
            *) label=$k ;;
        esac
        printf '%-16s' "$label"
        for t in $ALL_TARGETS; do printf '%16s' "${TABLE[$t,$k]:-n/a}"; done
        printf '\n'
    done
    for t in $ALL_TARGETS; do
        [ -n "${TABLE[$t,extra]:-}" ] && printf '  %s: %s\n' "$t" "${TABLE[$t,extra]}"
    done
}

# ---------------------------------------------------------------- main
RATE_SWEEP_SET=${RATE_SWEEP:-}

run_scenario_target() { # TARGET SCENARIO -> fills R (and R[sweep])
    local target=$1 scen=$2 dcalls drate dwarm calls rate warm best="" r
    read -r dcalls drate dwarm <<<"$(scenario_defaults "$scen")"
    calls=${CALLS:-$dcalls}; rate=${RATE:-$drate}; warm=${WARMUP_CALLS:-$dwarm}
    case "$rate" in ''|*[!0-9]*) die "RATE must be an integer" ;; esac
    if [ "$rate" = 0 ] && [ "$scen" != D ] && [ "$scen" != D20 ]; then
        die "RATE=0 (unpaced) is only for D and D20"
    fi
    R=()
    target_available "$target" "$scen" || { R=([status]=unavailable); return 1; }

    if [ -n "$RATE_SWEEP_SET" ] && [ "$scen" != F ]; then
        local last_ok=() sweep_line="" best_achieved="" low
        for r in $RATE_SWEEP_SET; do
            case "$r" in ''|*[!0-9]*|0) die "RATE_SWEEP entries must be positive integers" ;; esac
            run_one "$target" "$scen" "${SWEEP_CALLS:-$((r * SWEEP_SECONDS))}" "$r" "$warm"
            if run_passed; then
                low=$(awk -v a="${R[achieved]}" -v r="$r" 'BEGIN { print (a < 0.9 * r) ? 1 : 0 }')
                if [ "$low" = 1 ]; then
                    # the load generator (or the machine) could not send at this rate: the step
                    # proves nothing about the server and higher steps would not either
                    sweep_line="$sweep_line $r:ok-but-achieved-only-${R[achieved]}(generator-limited)"
                    break
                fi
                best=$r
                best_achieved=${R[achieved]}
                last_ok=()
                for k in "${!R[@]}"; do last_ok+=("$k=${R[$k]}"); done
                sweep_line="$sweep_line $r:ok"
            else
                sweep_line="$sweep_line $r:FAIL(failed=${R[failed]:-?},unexpected=${R[unexpected]:-?},p99_ms=${R[p99_ms]:-n/a})"
                [ "$SWEEP_STOP_ON_FAIL" = 1 ] && break
            fi
        done
        echo "SWEEP target=$target scenario=$scen max_rate_0_failed=${best:-none} achieved_at_max=${best_achieved:-n/a} steps:$sweep_line" |
            tee -a "$RESULTS_FILE"
        if [ -n "$best" ]; then # tables show the best passing step
            R=()
            for kv in "${last_ok[@]}"; do R[${kv%%=*}]=${kv#*=}; done
        else
            R=([status]=failed)
        fi
        R[sweep]=${best:-none}
    else
        [ -n "$RATE_SWEEP_SET" ] && log "RATE_SWEEP does not apply to F; running it once"
        run_one "$target" "$scen" "$calls" "$rate" "$warm" || { R[status]=error; return 1; }
    fi
}

if [ "$SCENARIO_ARG" = all ]; then SCENARIOS=$ALL_SCENARIOS; else SCENARIOS=$SCENARIO_ARG; fi
if [ "$TARGET_ARG" = all ]; then TARGETS=$ALL_TARGETS; else TARGETS=$TARGET_ARG; fi

need_cmd sipp "apt-get install -y sip-tester" || case "$SCENARIOS" in D|D20) ;; *) exit 3 ;; esac

log "results and logs: $OUT_DIR (CLK_TCK=$CLK_TCK)"
overall=0
for scen in $SCENARIOS; do
    TABLE=()
    ran=0
    for target in $TARGETS; do
        if run_scenario_target "$target" "$scen"; then
            ran=$((ran + 1))
            [ "$TARGET_ARG" = all ] && table_add "$target"
        else
            if [ "${R[status]:-}" = unavailable ]; then
                [ "$TARGET_ARG" = all ] || overall=3
            else
                log "$target/$scen: run failed (logs in $OUT_DIR)"
                overall=1
            fi
        fi
    done
    [ "$TARGET_ARG" = all ] && [ "$ran" -gt 0 ] && table_print "$scen" | tee -a "$RESULTS_FILE"
done
log "done; results in $RESULTS_FILE"
exit "$overall"
