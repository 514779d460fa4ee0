#!/usr/bin/env bash
# Goodput under overload: scenario B (a proxied INVITE/ACK/BYE call between two sipp processes)
# offered at 1x, 2x and 4x each server's clean maximum; calls completed per second for each.
#
#   bench/overload.sh [TARGET...]        default: scriptedsip kamailio
#
# Environment:
#   BASE_scriptedsip, BASE_kamailio  the clean maximum (calls/s with 0 failed) of each server; when
#                                    unset it is found first with a sweep (RATE_SWEEP of bench/run.sh)
#   SWEEP        the rates tried for the clean maximum (default "500 1000 1500 2000 2500 3000 4000")
#   MULTIPLES    default "1 2 4"; SECONDS_PER_STEP default 20; OUT_DIR default a new folder
#   plus everything bench/run.sh reads (SCRIPTEDSIP_DLL, ports, KAM_ARGS, ...).
# Prints one table row per target and step and keeps every RESULT line in OUT_DIR/overload.tsv.
# "goodput" is successful calls divided by the load's wall time (sipp's last call included);
# "refused" is the calls sipp counted failed (503 from an overloaded ScriptedSip, timeouts otherwise).
set -u -o pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TARGETS=${*:-scriptedsip kamailio}
SWEEP=${SWEEP:-500 1000 1500 2000 2500 3000 4000}
MULTIPLES=${MULTIPLES:-1 2 4}
SECONDS_PER_STEP=${SECONDS_PER_STEP:-20}
OUT_DIR=${OUT_DIR:-$(mktemp -d /tmp/scriptedsip-overload.XXXXXX)}
TSV=$OUT_DIR/overload.tsv
mkdir -p "$OUT_DIR"

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }

clean_max() { # TARGET -> prints the highest swept rate with 0 failed calls
    local line
    line=$(RATE_SWEEP="$SWEEP" SWEEP_SECONDS=$SECONDS_PER_STEP OUT_DIR=$OUT_DIR/sweep-$1 \
        "$BENCH_DIR/run.sh" B "$1" 2>>"$OUT_DIR/sweep-$1.log" | grep '^SWEEP ' | tail -1)
    echo "$line" >>"$TSV.sweeps"
    field max_rate_0_failed "$line"
}

printf '| server | clean max (calls/s) | multiple | offered | achieved | completed | failed | goodput (calls/s) | goodput / clean max | server CPU ms per 1,000 offered |\n'
printf '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n'
for target in $TARGETS; do
    var=BASE_$target
    base=${!var:-}
    [ -n "$base" ] || base=$(clean_max "$target")
    case "$base" in ''|none|*[!0-9]*) printf '| %s | no clean rate found (see %s) |||||||||\n' "$target" "$OUT_DIR"; continue ;; esac
    for m in $MULTIPLES; do
        rate=$((base * m))
        line=$(RATE=$rate CALLS=$((rate * SECONDS_PER_STEP)) OUT_DIR=$OUT_DIR/$target-x$m \
            "$BENCH_DIR/run.sh" B "$target" 2>>"$OUT_DIR/$target-x$m.log" | grep '^RESULT ' | tail -1)
        if [ -z "$line" ]; then
            printf '| %s | %s | %s | %s | run failed (see %s) ||||||\n' "$target" "$base" "$m" "$rate" "$OUT_DIR/$target-x$m.log"
            continue
        fi
        printf '%s\tbase=%s\tmultiple=%s\t%s\n' "$target" "$base" "$m" "$line" >>"$TSV"
        ok=$(field ok "$line"); failed=$(field failed "$line"); wall=$(field wall_s "$line")
        achieved=$(field achieved "$line"); cpu=$(field cpu_ms "$line"); total=$(field total "$line")
        awk -v t="$target" -v b="$base" -v m="$m" -v r="$rate" -v a="$achieved" -v ok="$ok" -v f="$failed" \
            -v w="$wall" -v c="$cpu" -v n="$total" 'BEGIN {
                g = (w > 0) ? ok / w : 0
                printf "| %s | %d | %d | %d | %s | %d | %d | %.0f | %.0f %% | %.0f |\n", t, b, m, r, a, ok, f, g, 100 * g / b, (n > 0) ? 1000 * c / n : 0 }'
    done
done
echo "raw: $TSV" >&2
