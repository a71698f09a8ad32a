#!/usr/bin/env bash
# Run every test suite and print one closing line: "N passed, N failed".
#   - Criterion suites: $BUILD/tests/test_*
#   - script tests: tests/*_test.sh and tests/*_test.py (run with
#     /usr/bin/python3, which sees Debian's python3-zmq and python3-msgpack)
# Each suite's own output goes to the terminal; the counts are summed.
set -uo pipefail
BUILD=${BUILD:-build/release}
export DBK_BIN_DIR="$PWD/$BUILD/bin"
export DBK_TEST_BIN_DIR="$PWD/$BUILD/tests"
export DBK_ROOT="$PWD"
export PYTHONDONTWRITEBYTECODE=1
# LeakSanitizer cannot follow Criterion's forked workers reliably; leaks are
# checked by valgrind on the service binary instead (tests/valgrind_test.sh).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
passed=0
failed=0
skipped=0
failed_names=()
logdir=$(mktemp -d /tmp/dbk-test-logs-XXXXXX)

# one suite per source file: a binary left in the build tree by a removed
# suite is not run
for src in tests/test_*.c; do
    name=$(basename "$src" .c)
    t="$BUILD/tests/$name"
    if [ ! -x "$t" ]; then
        echo "$name: not built"; failed=$((failed + 1)); failed_names+=("$name"); continue
    fi
    out="$logdir/$name.log"
    # to a file, not a pipe: a stray child holding the pipe open cannot hang
    # the run; a hung suite is stopped by timeout and counted as failed
    timeout 900 "$t" --jobs 2 --timeout 120 >"$out" 2>&1
    grep -avE '^\[----\]|^\[RUN |^\[PASS' "$out" || true
    syn=$(grep -a 'Synthesis:' "$out" | tail -1)
    if [ -z "$syn" ]; then
        echo "$name: no synthesis line (suite crashed)"
        failed=$((failed + 1)); failed_names+=("$name")
        continue
    fi
    p=$(sed -E 's/.*Passing: ([0-9]+).*/\1/' <<<"$syn")
    f=$(sed -E 's/.*Failing: ([0-9]+).*/\1/' <<<"$syn")
    c=$(sed -E 's/.*Crashing: ([0-9]+).*/\1/' <<<"$syn")
    passed=$((passed + p)); failed=$((failed + f + c))
    if [ $((f + c)) -gt 0 ]; then
        failed_names+=("$name")
        # what the failed assertions said (criterion's [----] lines, left
        # out above for the passing tests' sake)
        grep -a '^\[----\]' "$out" | grep -av '^\[----\] *$' | head -40
    fi
done

for t in tests/*_test.sh tests/*_test.py; do
    [ -f "$t" ] || continue
    name=$(basename "$t")
    if [[ "$t" == *.py ]]; then cmd=(/usr/bin/python3 "$t"); else cmd=(bash "$t"); fi
    timeout 600 "${cmd[@]}" >"$logdir/$name.log" 2>&1; rc=$?
    if [ $rc -eq 0 ]; then
        echo "[PASS] $name"; passed=$((passed + 1))
    elif [ $rc -eq 77 ]; then   # the automake convention for "skipped"
        echo "[SKIP] $name: $(tail -1 "$logdir/$name.log")"; skipped=$((skipped + 1))
    else
        echo "[FAIL] $name (last lines of its output:)"; tail -20 "$logdir/$name.log"
        failed=$((failed + 1)); failed_names+=("$name")
    fi
done

[ ${#failed_names[@]} -gt 0 ] && echo "failed: ${failed_names[*]} (logs in $logdir)"
# the last line is exactly "N passed, N failed" (that is how results are read)
[ $skipped -gt 0 ] && echo "$skipped skipped (not counted below)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
