#!/usr/bin/env bash
# `make bench` still runs: every bench program, at a tiny size, one short
# round each, exits 0 and prints its table, with a row for every case. The
# figures mean nothing here (docs/performance.md); a bench that no longer
# starts its processes, dies on a changed reply or leaves a case out is
# caught by `make test` rather than by whoever next measures.
set -euo pipefail
BIN=${DBK_BIN_DIR:?}
BENCH=$BIN/../bench
out=$(mktemp -d /tmp/dbk-bench-smoke-XXXXXX)
trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
export BENCH_ROUNDS=1 BENCH_SECONDS=0.3 TMPDIR=$out

run() { # NAME SETTINGS... : run bench NAME with the settings, keep its output
    local name=$1
    shift
    env "$@" "$BENCH/bench_$name" >"$out/$name.txt" 2>"$out/$name.err" ||
        fail "bench_$name exited $?: $(tail -3 "$out/$name.err")"
}
has() { # NAME TEXT: the output of bench NAME has a line with TEXT
    grep -qF -- "$2" "$out/$1.txt" || fail "bench_$1: no line with '$2' in: $(cat "$out/$1.txt")"
}

run log BENCH_EVENTS=3000
for row in "R1     LMDB" "R1000  LMDB" "RTT    DEALER" "A      8x64 APPENDs acked" \
    "APPEND 1 client x 1" "APPEND 8 clients x 1" "APPEND 64 clients x 1" \
    "APPEND 8 clients x 64" "... the same against A" "APPEND light" "READ catch-up" \
    "subscriber catch-up" "subscriber live"; do
    has log "$row"
done

run contacts BENCH_CONTACTS_ACCOUNTS=20 BENCH_CONTACTS_CONTACTS=200 BENCH_CONTACTS_TRIPS=500 \
    BENCH_REBUILD_EVENTS=3000
run opportunities BENCH_OPPS=20000
run bidding BENCH_TENDERS=1000
run forecasting BENCH_FC_OPPS=1000 BENCH_FC_ASOF_EVENTS=5000 BENCH_FC_ACCOUNTS=20 \
    BENCH_FC_CONTACTS=100 BENCH_FC_ASOF_QUERIES=1
for name in contacts opportunities bidding forecasting; do
    has "$name" "| REBUILD |"
    has "$name" "machine, before each round"
done
echo "every bench ran"
