# Load generators of bench/run.sh (sourced by it; not run on its own).
#
#   GENERATORS=N  the load of a sipp scenario (A B BT C E I) is sent by N sipp processes in
#                 parallel, each with 1/N of the calls and of the rate and a port of its own
#                 (UAC_PORT, then UAC_PORT+201, +202, ...). One sipp process stops near
#                 32,000 OPTIONS/s or 5,000 calls/s on one core here: beyond that a sweep
#                 measures sipp, not the server.
#   A_GEN=c       scenario A is sent by bench/tools/options_load.c instead of sipp: a few
#                 microseconds of CPU per request instead of about 30, round trips in
#                 microseconds (sipp: whole milliseconds).
#
# Every run reports what the load's other processes spent during the measured load, so a reader
# sees who saturates the cores: gen_cpu_ms (the UAC generators; GNU time), peer_cpu_ms (the UASes
# and the resumer), host_busy_pct (all CPUs, /proc/stat).

GENERATORS=${GENERATORS:-1}
A_GEN=${A_GEN:-sipp}
case "$GENERATORS" in ''|*[!0-9]*|0) die "GENERATORS must be a positive integer" ;; esac
case "$A_GEN" in sipp|c) ;; *) die "A_GEN must be sipp or c" ;; esac

generators_of() { # SCENARIO -> what sent its measured load, for the RESULT line
    case "$1" in
        A) [ "$A_GEN" = c ] && echo options_load || echo "${GENERATORS}xsipp" ;;
        B|BT|C|E|I) echo "${GENERATORS}xsipp" ;;
        *) echo 1xsipp ;;
    esac
}

generator_port() { # K -> local port of generator K (0-based)
    if [ "$1" = 0 ]; then echo "$UAC_PORT"; else echo $((UAC_PORT + 200 + $1)); fi
}

generator_prefix() { # PREFIX K -> file prefix of generator K
    if [ "$2" = 0 ]; then echo "$1"; else echo "$1.g$2"; fi
}

# One sipp UAC: SCENARIO_XML CALLS RATE PREFIX PORT CONTACT_PORT TIMEOUT_S [EXTRA...]
# Runs in the run's folder (sipp writes its -trace_rtt file into the current folder) and under
# GNU time when present (PREFIX.time: user and system seconds).
sipp_uac_one() {
    local xml=$1 calls=$2 rate=$3 prefix=$4 port=$5 contact_port=$6 tmo=$7 limit timer=()
    shift 7
    limit=$(( rate * 5 + 200 ))
    [ -x /usr/bin/time ] && timer=(/usr/bin/time -f '%U %S' -o "$prefix.time")
    rm -f "$prefix".csv "$prefix".err "$prefix".time
    (cd "$(dirname "$prefix")" &&
        exec "${timer[@]}" timeout -k 5 $((tmo + 30)) sipp -sf "$BENCH_DIR/sipp/$xml" -i "$BENCH_IP" -p "$port" \
            "$BENCH_IP:$SIP_PORT" -s bench -m "$calls" -r "$rate" -rp 1000 -l "$limit" \
            -nostdin -buff_size 4194304 -timeout "$tmo" -timeout_error -recv_timeout "$RECV_TIMEOUT_MS" \
            -trace_stat -stf "$prefix.csv" -fd 1 -trace_err -error_file "$prefix.err" \
            -trace_screen -screen_file "$prefix.screen" -max_log_size 10000000 \
            -key contact_port "$contact_port" "$@") >"$prefix.out" 2>&1
    echo $? >"$prefix.rc"
}

run_sipp_uac() { # SCENARIO CALLS RATE PREFIX -> PREFIX.{csv,err,screen,out,rc} (+ PREFIX.gK.* per extra generator)
    # SCENARIO may also be H-register (H's registrations to the UAS). PREFIX.inf, when it
    # exists, is sipp's injection file (users and passwords).
    local scen=$1 calls=$2 rate=$3 prefix=$4 xml tmo contact_port=$UAC_PORT extra=() n=1 k pids=()
    case "$scen" in
        A) xml=uac_options.xml ;;
        B|BT|C|E|I) xml=uac_invite.xml ;;
        F) xml=uac_invite_suspend.xml ;;
        G) xml=uac_register_auth.xml ;;
        H-register) xml=uac_register_auth.xml; contact_port=$UAS_PORT ;;
        H) xml=uac_invite_auth.xml ;;
        M) xml=uac_register.xml ;;
    esac
    case "$scen" in A|B|BT|C|E|I) n=$GENERATORS ;; esac
    [ -f "$prefix.inf" ] && extra+=(-inf "$prefix.inf")
    [ "$SIP_TRANSPORT" = tcp ] && extra+=(-t t1)   # one TCP connection per sipp process
    local measured=0
    [ "$LATENCY" = 1 ] && [ "${prefix##*/}" = load ] && measured=1
    [ "$measured" = 1 ] && extra+=(-trace_rtt -rtt_freq 1)
    tmo=$(( calls / rate + RECV_TIMEOUT_MS / 1000 + 30 ))
    rm -f "$prefix".g*.* "$prefix".rtt*.csv "$(dirname "$prefix")/${xml%.xml}"_*_rtt.csv
    [ "$n" -gt "$calls" ] && n=$calls   # no generator without a call
    for ((k = 0; k < n; k++)); do
        # calls and rate split evenly; the remainders go to the first generators
        local ck=$(( calls / n + (k < calls % n ? 1 : 0) )) rk=$(( rate / n + (k < rate % n ? 1 : 0) ))
        [ "$rk" -gt 0 ] || rk=1
        sipp_uac_one "$xml" "$ck" "$rk" "$(generator_prefix "$prefix" "$k")" "$(generator_port "$k")" \
            "$contact_port" "$tmo" "${extra[@]}" &
        pids+=($!)
    done
    wait "${pids[@]}"
    if [ "$measured" = 1 ]; then
        local rtt i=0
        for rtt in "$(dirname "$prefix")/${xml%.xml}"_*_rtt.csv; do
            [ -f "$rtt" ] && mv -f "$rtt" "$prefix.rtt$i.csv" && i=$((i + 1))
        done
    fi
}

uac_summary() { # PREFIX -> one sipp_stats.py line summed over the generators of a run
    local f line
    for f in "$1.csv" "$1".g*.csv; do
        [ -f "$f" ] || continue
        python3 "$BENCH_DIR/tools/sipp_stats.py" "$f" "${f%.csv}.err" 2>/dev/null || return 1
    done 2>/dev/null | awk '
        { n++; for (i = 1; i <= NF; i++) { split($i, kv, "="); k = kv[1]; v = kv[2]
              if (!(k in sum)) order[++m] = k
              if (k == "elapsed_s") { if (v > sum[k]) sum[k] = v } else sum[k] += v } }
        END { if (n == 0) exit 1
              for (i = 1; i <= m; i++) printf "%s%s=%s", (i > 1 ? " " : ""), order[i], sum[order[i]]; print "" }'
}

uac_cpu_ms() { # PREFIX -> CPU ms of the run's generators (GNU time), empty when not measured
    local f total=
    for f in "$1.time" "$1".g*.time; do
        [ -f "$f" ] || continue
        total=$(awk -v t="${total:-0}" 'NF >= 2 && $1 ~ /^[0-9.]+$/ { t += ($1 + $2) * 1000 } END { printf "%.0f", t }' "$f")
    done
    echo "$total"
}

run_options_load() { # CALLS RATE PREFIX -> PREFIX.out (one line), PREFIX.rc
    local bin
    bin=$(build_c_tool "$BENCH_DIR/tools/options_load.c" options_load -pthread) || return 1
    timeout -k 5 $(( $1 / $2 + RECV_TIMEOUT_MS / 1000 + 60 )) \
        "$bin" "$BENCH_IP" "$SIP_PORT" "$1" "$2" "$RECV_TIMEOUT_MS" 1 >"$3.out" 2>&1
    echo $? >"$3.rc"
}

options_load_summary() { # PREFIX -> the uac_summary keys and the round trips, from options_load's line
    awk '/^sent=/ {
        for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
        printf "created=%d ok=%d failed=%d unexpected=%d achieved=%s retrans=0 timeouts=%d ooc=%d",
            v["sent"] + (v["failed"] - v["unanswered"] - v["non200"]), v["ok"], v["failed"], v["non200"],
            v["rate"], v["unanswered"], v["stray"] + v["duplicates"]
        # no round trip counted (every reply in the first second): no latency keys, not a pass
        if (v["p99_us"] >= 0)
            printf " rtd1_p50_ms=%.3f rtd1_p99_ms=%.3f rtd1_p999_ms=%.3f rtd1_max_ms=%.3f",
                v["p50_us"] / 1000, v["p99_us"] / 1000, v["p999_us"] / 1000, v["max_us"] / 1000
        printf " gen_cpu_ms=%s gen_drops=%s\n", v["gen_cpu_ms"], v["gen_drops"]
        found = 1 } END { exit !found }' "$1.out"
}

cpu_idle_total() { # -> "idle total" jiffies of all CPUs (/proc/stat)
    awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print $5 + $6, t; exit }' /proc/stat
}

busy_pct() { # "IDLE0 TOTAL0" "IDLE1 TOTAL1" -> share of all CPUs busy in between, %
    awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " ")
        t = y[2] - x[2]; if (t > 0) printf "%.0f", 100 * (1 - (y[1] - x[1]) / t); else print "n/a" }'
}
