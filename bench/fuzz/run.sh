#!/usr/bin/env bash
# Coverage-guided fuzzing of the ScriptedSip fuzz targets (tests/Fuzz) with AFL++ through SharpFuzz.
#
#   bench/fuzz/run.sh [TARGET...]        default: every target
#
# Environment: FUZZ_SECONDS (per target, default 3600), FUZZ_EXECS (per target, default 10000000:
# a target stops at whichever comes first), OUT_DIR (default a new folder under /tmp).
# Needs afl-fuzz (apt-get install -y afl++) and sharpfuzz (dotnet tool install --global
# SharpFuzz.CommandLine); installs nothing. Prints one table row per target: executions, paths
# (corpus entries), crashes, hangs, stability. Crashing inputs stay in OUT_DIR/TARGET/out/default/crashes:
# minimise each with afl-tmin and commit it under tests/Fixtures/fuzz/TARGET/ (replayed by the tests).
set -u -o pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO_DIR=$(dirname "$BENCH_DIR")
FUZZ_SECONDS=${FUZZ_SECONDS:-3600}
FUZZ_EXECS=${FUZZ_EXECS:-10000000}
OUT_DIR=${OUT_DIR:-$(mktemp -d /tmp/scriptedsip-fuzz.XXXXXX)}
TARGETS=${*:-parser uri via name-addr editor nosip config framer digest}
PATH=$PATH:$HOME/.dotnet/tools

command -v afl-fuzz >/dev/null || { echo "afl-fuzz missing: apt-get install -y afl++" >&2; exit 3; }
command -v sharpfuzz >/dev/null || { echo "sharpfuzz missing: dotnet tool install --global SharpFuzz.CommandLine" >&2; exit 3; }

app=$OUT_DIR/app
echo "== publishing the fuzz program into $app" >&2
dotnet publish "$REPO_DIR/tests/Fuzz/ScriptedSip.Fuzz" -c Release -o "$app" -nologo -v q >&2 || exit 1
# Seeds first: cutting them parses the fixtures, and instrumented code crashes outside afl-fuzz
# (its coverage map is afl's shared memory).
for target in $TARGETS; do
    dotnet "$app/ScriptedSip.Fuzz.dll" --seeds "$target" "$REPO_DIR" "$OUT_DIR/$target/in" >&2 || exit 1
done
# Instrument the code under test (not the runtime, not the fuzz program itself).
sharpfuzz "$app/ScriptedSip.Core.dll" >&2 || exit 1
sharpfuzz "$app/ScriptedSip.Host.dll" ScriptedSip.Host.Configuration >&2 || exit 1
sharpfuzz "$app/Auth.dll" >&2 || exit 1   # the Digest parser of the Auth plugin (target digest)

export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_SKIP_BIN_CHECK=1
printf '| target | executions | execs/s | paths | crashes | hangs | seconds | stability |\n|---|---:|---:|---:|---:|---:|---:|---:|\n'
for target in $TARGETS; do
    dir=$OUT_DIR/$target
    start=$(date +%s)
    for attempt in 1 2; do
        afl-fuzz -i "$dir/in" -o "$dir/out" -t 10000 -m none -V "$FUZZ_SECONDS" -E "$FUZZ_EXECS" \
            -- dotnet "$app/ScriptedSip.Fuzz.dll" "$target" >"$dir/afl.log" 2>&1
        # On a loaded machine the first dry run of a .NET target can come back with an empty
        # coverage map ("No instrumentation detected") although the next one works: try once more.
        [ -f "$dir/out/default/fuzzer_stats" ] && break
        grep -q "No instrumentation detected" "$dir/afl.log" || break
        rm -rf "$dir/out"
    done
    seconds=$(( $(date +%s) - start ))
    stats=$dir/out/default/fuzzer_stats
    if [ ! -f "$stats" ]; then
        printf '| %s | afl-fuzz did not start: see %s ||||||\n' "$target" "$dir/afl.log"
        continue
    fi
    get() { sed -n "s/^$1 *: *//p" "$stats"; }
    printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$target" "$(get execs_done)" "$(get execs_per_sec)" \
        "$(get corpus_count)" "$(get saved_crashes)" "$(get saved_hangs)" "$seconds" "$(get stability)"
done
echo "outputs: $OUT_DIR" >&2
