#!/usr/bin/env bash
# Build every libFuzzer target fuzz/fuzz_*.c with clang into build/fuzz/ and
# run each for $FUZZ_SECONDS seconds (default 30).
#
#   - libshared/*.c is compiled into each target with the fuzzer flags, so
#     the decoders are instrumented (ASan + UBSan + coverage);
#   - each target first replays its saved crashes (fuzz/crashes/<target>/,
#     regression inputs that must no longer fail), then fuzzes a copy of
#     its seed corpus fuzz/corpus/<target>/ (the copy grows in
#     build/fuzz/corpus/<target>/; the committed seeds stay small);
#   - fuzz/<target>.dict, if present, is its libFuzzer dictionary;
#   - a new crash, leak, timeout or OOM is saved into fuzz/crashes/<target>/
#     and the script ends non-zero.
#
# Regenerate the seeds with: /usr/bin/python3 fuzz/make_seeds.py
#   FUZZ_SECONDS=60 bash fuzz/run.sh            all targets
#   FUZZ_SECONDS=60 bash fuzz/run.sh fuzz_proto one target
set -uo pipefail
cd "$(dirname "$0")/.."
FUZZ_SECONDS=${FUZZ_SECONDS:-30}
CLANG=${CLANG:-clang}
PKGS="libczmq libzmq lmdb msgpack libsodium jansson"
OUT=build/fuzz
mkdir -p "$OUT"

CFLAGS=(-std=c17 -D_GNU_SOURCE -Wall -Wextra -Werror -g -O1 -fno-omit-frame-pointer
        -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -Iinclude)
read -r -a PKG_CFLAGS <<<"$(pkg-config --cflags $PKGS)"
read -r -a PKG_LIBS <<<"$(pkg-config --libs $PKGS)"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

if [ $# -gt 0 ]; then targets=("$@"); else
    targets=(); for src in fuzz/fuzz_*.c; do targets+=("$(basename "$src" .c)"); done
fi

status=0
summary=()
for t in "${targets[@]}"; do
    bin="$OUT/$t"
    echo "== $t: building $bin"
    if ! "$CLANG" "${CFLAGS[@]}" "${PKG_CFLAGS[@]}" "fuzz/$t.c" libshared/*.c -o "$bin" \
        "${PKG_LIBS[@]}" -lpthread; then
        echo "== $t: build failed"; status=1; summary+=("$t: build failed"); continue
    fi
    crashes="fuzz/crashes/$t"
    mkdir -p "$crashes"
    mapfile -t saved < <(find "$crashes" -maxdepth 1 -type f ! -name '.*' | sort)
    if [ ${#saved[@]} -gt 0 ]; then
        echo "== $t: replaying ${#saved[@]} saved crash inputs"
        if ! "$bin" -runs=1 "${saved[@]}" >"$OUT/$t.replay.log" 2>&1; then
            echo "== $t: a saved crash input still fails (see $OUT/$t.replay.log)"
            tail -30 "$OUT/$t.replay.log"
            status=1; summary+=("$t: regression"); continue
        fi
    fi
    corpus="$OUT/corpus/$t"
    mkdir -p "$corpus"
    [ -d "fuzz/corpus/$t" ] && cp -f "fuzz/corpus/$t"/* "$corpus"/ 2>/dev/null
    before=$(find "$crashes" -maxdepth 1 -type f | wc -l)
    dict=()
    [ -f "fuzz/$t.dict" ] && dict=(-dict="fuzz/$t.dict")
    echo "== $t: fuzzing for ${FUZZ_SECONDS}s"
    start=$(date +%s)
    "$bin" "${dict[@]}" -max_len=65536 -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$crashes/" "$corpus" >"$OUT/$t.log" 2>&1
    rc=$?
    secs=$(($(date +%s) - start))
    execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$OUT/$t.log" | tail -1)
    after=$(find "$crashes" -maxdepth 1 -type f | wc -l)
    line="$t: ${secs}s, ${execs:-?} execs, corpus $(find "$corpus" -type f | wc -l) files, $((after - before)) new crash files"
    if [ $rc -ne 0 ] || [ "$after" -gt "$before" ]; then
        line+=" (FAILED, exit $rc; log $OUT/$t.log)"
        grep -E 'ERROR|SUMMARY|property failed|Test unit written' "$OUT/$t.log" | head -20
        status=1
    fi
    echo "== $line"
    summary+=("$line")
done
echo "== fuzz summary"
printf '  %s\n' "${summary[@]}"
exit $status
