#!/usr/bin/env bash
# A block of same-run comparisons, ScriptedSip beside Kamailio, repeated A/B/A/B.
#
#   bench/block.sh "SCENARIOS" [REPETITIONS]      e.g. bench/block.sh "A B C D E G H I" 3
#
# For every repetition and scenario it runs both servers with bench/run.sh (one at a time, same
# ports and settings; the first one alternates between repetitions, so a drift of the machine
# does not always favour the same server) and appends one TSV row per run to $OUT_DIR/block.tsv:
#   repetition  scenario  target  start (UTC)  load average before  RESULT line of bench/run.sh
# At the end bench/tools/load_report.py turns the rows into the tables of bench/results/load.md
# (stdout). Everything bench/run.sh reads from the environment applies. Installs nothing.
set -u -o pipefail

[ $# -ge 1 ] || { sed -n 2,11p "$0" >&2; exit 2; }
SCENARIOS=$1 REPS=${2:-3}
case "$REPS" in ''|*[!0-9]*|0) echo "block: REPETITIONS must be a positive integer" >&2; exit 2 ;; esac
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT_DIR=${OUT_DIR:-$(mktemp -d /tmp/scriptedsip-block.XXXXXX)}
mkdir -p "$OUT_DIR"
tsv=$OUT_DIR/block.tsv
: >"$tsv"

run_one() { # REP SCENARIO TARGET
    local start load line dir=$OUT_DIR/r$1
    start=$(date -u +%H:%M:%S)
    load=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' /)
    line=$(OUT_DIR=$dir "$BENCH_DIR/run.sh" "$2" "$3" 2>>"$OUT_DIR/run.log" | grep '^RESULT' | tail -n 1)
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$start" "$load" "${line:-RESULT status=error}" >>"$tsv"
    printf '%s rep %s %-11s %s\n' "$2" "$1" "$3" \
        "$(grep -o 'ms_per_1k_[a-z]*=[0-9.]*\| failed=[0-9]*' <<<"$line" | tr -d '\n')" >&2
}

for rep in $(seq 1 "$REPS"); do
    for scen in $SCENARIOS; do
        if [ $((rep % 2)) = 1 ]; then order="scriptedsip kamailio"; else order="kamailio scriptedsip"; fi
        for target in $order; do run_one "$rep" "$scen" "$target"; done
    done
done
echo "raw rows: $tsv" >&2
python3 "$BENCH_DIR/tools/load_report.py" "$tsv"
