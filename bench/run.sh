#!/usr/bin/env bash
# make bench: run bench/bench_log (see docs/performance.md) and keep its
# output in $BUILD/bench/last.txt.
#   BENCH_ROUNDS   rounds, interleaved (default 3)
#   BENCH_SECONDS  seconds per case and round (default 3)
#   BENCH_EVENTS   events for the READ / subscriber cases (default 1000000)
#   BENCH_PREFILL  "protocol": pre-fill by durable APPENDs (default: through the store)
#   BENCH_KEEP     keep the temporary data directory
#   TMPDIR         where the data goes (the disk under test)
set -euo pipefail
BUILD=${BUILD:-build/release}
export DBK_BIN_DIR="$PWD/$BUILD/bin"
out="$BUILD/bench/last.txt"
mkdir -p "$(dirname "$out")"
tmp=${TMPDIR:-/tmp}
{
    echo "machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), $(uname -sr), load $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "disk under test: $tmp on $(df -P "$tmp" | awk 'NR==2 {print $1}') ($(stat -f -c %T "$tmp"))"
} | tee "$out"
"$BUILD/bench/bench_log" | tee -a "$out"
