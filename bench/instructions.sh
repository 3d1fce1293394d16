#!/usr/bin/env bash
# Instructions per idle host per simulated second, counted rather than timed: what other work on a
# shared machine does not change. Identical runs still differ, by up to a tenth either way (when
# V8 collects garbage and compiles is not fixed by its flags): compare several runs of each build.
# Runs 1,000 idle hosts (bench/simcluster-idle-run.js) under valgrind twice, with a warm-up only
# and with the warm-up and MEASURE_MS more, and divides the difference by the host-seconds. V8 is
# made repeatable (--predictable, fixed seeds); every thread's instructions count (GC helpers too).
# A run takes a minute or two. Needs valgrind (apt-get install valgrind) and `npm run build`.
# Usage: bench/instructions.sh [DIST=dist] [HEARTBEAT_INTERVAL_MS=1000] [MEASURE_MS=300000]
set -euo pipefail
dist=${1:-dist}
heartbeat_interval_ms=${2:-1000}
measure_ms=${3:-300000}
host_count=1000
warmup_ms=30000
flags=(--max-semi-space-size=32 --no-allocation-site-pretenuring --predictable --hash-seed=1 --random-seed=1)

instructions() {
  valgrind --tool=cachegrind --cache-sim=no --smc-check=all-non-file --cachegrind-out-file=/dev/null \
    node "${flags[@]}" "$dist/bench/simcluster-idle-run.js" 1 "$host_count" "$1" "$heartbeat_interval_ms" \
    "warmup=$warmup_ms" 2>&1 >/dev/null | awk '/I +refs/ { gsub(",", "", $NF); print $NF }'
}

command -v valgrind >/dev/null || { echo "bench/instructions.sh: valgrind is not installed (apt-get install valgrind)" >&2; exit 1; }
warmup_only=$(instructions 0)
with_measured=$(instructions "$measure_ms")
awk -v a="$warmup_only" -v b="$with_measured" -v hosts="$host_count" -v ms="$measure_ms" -v hb="$heartbeat_interval_ms" 'BEGIN {
  printf "1000 idle hosts, heartbeat %d ms: %.0f instructions per idle host-s (%.0f M over %d simulated ms; warm-up alone %.0f M)\n",
    hb, (b - a) / (hosts * ms / 1000), (b - a) / 1e6, ms, a / 1e6
}'
