#!/usr/bin/env bash
# Same-run comparison of two ScriptedSip builds beside Kamailio, repeated A/B/A/B.
#
#   bench/compare.sh OLD_DLL NEW_DLL "SCENARIOS" [REPETITIONS]
#
# For every repetition and scenario it runs Kamailio, OLD, NEW (bench/run.sh, one target at a
# time, same ports and settings) and appends one TSV row per run to $OUT_DIR/compare.tsv:
#   repetition  scenario  target  ms_per_1k  failed  achieved_rate
# then prints the median and spread of each target per scenario and the ratios to Kamailio.
# Runs at a raised priority (nice -n -15) when allowed, so other work on the machine takes what the
# bench leaves instead of the other way round. (A real-time class, chrt -f, was tried and distorts
# the figures: Kamailio's CPU per call in scenario C rose from about 450 to 730 ms per 1,000 calls.)
# OLD_ENV="VAR=value ..." is set for the OLD runs only: SCRAPE_WARMUP=0 for a build without the
# management endpoint (nothing to warm, and the scraper would wait 30 s for it).
# Installs nothing; see bench/README.md.
set -u -o pipefail

[ $# -ge 3 ] || { sed -n 2,13p "$0" >&2; exit 2; }
OLD_DLL=$1 NEW_DLL=$2 SCENARIOS=$3 REPS=${4:-3}
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT_DIR=${OUT_DIR:-$(mktemp -d /tmp/scriptedsip-compare.XXXXXX)}
mkdir -p "$OUT_DIR"
export OUT_DIR
tsv=$OUT_DIR/compare.tsv
: >"$tsv"
nice_cmd=()
if nice -n -15 true 2>/dev/null; then
    nice_cmd=(nice -n -15)
fi
echo "priority: ${nice_cmd[*]:-normal}" >&2

run_one() { # rep scenario label target dll [VAR=value ...]
    local line
    line=$(env SCRIPTEDSIP_DLL="$5" "${@:6}" "${nice_cmd[@]}" "$BENCH_DIR/run.sh" "$2" "$4" 2>/dev/null | grep '^RESULT' | tail -n 1)
    if [ -z "$line" ]; then
        printf '%s\t%s\t%s\tNA\tNA\tNA\n' "$1" "$2" "$3" >>"$tsv"
        return
    fi
    local ms failed rate
    ms=$(printf '%s' "$line" | sed -n 's/.* ms_per_1k_[a-z]*=\([0-9.]*\).*/\1/p')
    failed=$(printf '%s' "$line" | sed -n 's/.* failed=\([0-9]*\).*/\1/p')
    rate=$(printf '%s' "$line" | sed -n 's/.* achieved=\([0-9.]*\).*/\1/p')
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$ms" "$failed" "$rate" >>"$tsv"
    printf '%s rep %s %-8s %s ms/1k failed=%s\n' "$2" "$1" "$3" "$ms" "$failed" >&2
}

for rep in $(seq 1 "$REPS"); do
    for scen in $SCENARIOS; do
        run_one "$rep" "$scen" kamailio kamailio "$NEW_DLL"
        # shellcheck disable=SC2086 # OLD_ENV: words of VAR=value
        run_one "$rep" "$scen" old scriptedsip "$OLD_DLL" ${OLD_ENV:-}
        run_one "$rep" "$scen" new scriptedsip "$NEW_DLL"
    done
done

python3 - "$tsv" <<'PY'
import sys, statistics as st
rows = [l.rstrip('\n').split('\t') for l in open(sys.argv[1]) if l.strip()]
data = {}
for rep, scen, target, ms, failed, rate in rows:
    if ms != 'NA':
        data.setdefault(scen, {}).setdefault(target, []).append(float(ms))
print('scenario\ttarget\tmedian_ms_per_1k\tmin\tmax\truns\tratio_to_kamailio')
for scen, targets in data.items():
    kam = st.median(targets['kamailio']) if 'kamailio' in targets else None
    for target in ('kamailio', 'old', 'new'):
        v = targets.get(target)
        if not v:
            continue
        med = st.median(v)
        ratio = f'{med / kam:.2f}' if kam else 'NA'
        print(f'{scen}\t{target}\t{med:.2f}\t{min(v):.2f}\t{max(v):.2f}\t{len(v)}\t{ratio}')
PY
echo "raw rows: $tsv" >&2
