#!/usr/bin/env bash
# The event log under valgrind memcheck through a workload touching every
# verb (appends, a conflict, reads, verify, backup, a malformed frame) and a
# clean stop: no invalid access, no uninitialised read, no leak.
# (LeakSanitizer cannot follow Criterion's forked workers; this covers the
# service binary itself.)
set -euo pipefail
# valgrind cannot run AddressSanitizer binaries; the SAN build has ASan
if [ "${SAN:-0}" = 1 ]; then echo "valgrind: skipped in the SAN build (ASan checks it)"; exit 77; fi
BIN=${DBK_BIN_DIR:?}
command -v valgrind >/dev/null || { echo "valgrind missing (make installs it)"; exit 1; }
dir=$(mktemp -d /tmp/dbk-vg-XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
export DEALBOOK_DATA_DIR=$dir DEALBOOK_LOG_ENDPOINT=ipc://$dir/l DEALBOOK_PUB_ENDPOINT=ipc://$dir/p \
       DEALBOOK_TIMEOUT_MS=20000
valgrind --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
    --error-exitcode=9 --log-file="$dir/vg.log" "$BIN/dealbook-eventlog" 2>"$dir/err" &
pid=$!
db() { "$BIN/dealbook" "$@"; }
for _ in $(seq 1 200); do db log status >/dev/null 2>&1 && break; done
for i in $(seq 1 20); do db log append acc-$i account.registered "{\"n\":$i}" >/dev/null; done
db log append acc-1 account.registered '{}' --expect none >/dev/null 2>&1 && exit 1 || true
db log read --limit 5 >/dev/null
db log read --type account. >/dev/null
db log read --stream acc-3 >/dev/null
db log verify >/dev/null
db log backup "$dir/bk" >/dev/null
/usr/bin/python3 - "$dir/l" <<'PY'
import sys, zmq
c = zmq.Context(); d = c.socket(zmq.DEALER); d.connect("ipc://" + sys.argv[1])
for frame in (b"\xdf\xdd\xdd\xdd\xdd", b"\xc1", b"\x81\xa2op\xa4NOPE"):
    d.send(frame)
    assert d.poll(20000), "no answer"
    d.recv()
PY
kill -TERM $pid
set +e; wait $pid; rc=$?; set -e; pid=
if [ $rc -ne 0 ]; then
    echo "valgrind reported problems (exit $rc):"; grep -E '==[0-9]+==' "$dir/vg.log" | tail -40
    exit 1
fi
grep -q "ERROR SUMMARY: 0 errors" "$dir/vg.log" || { tail -30 "$dir/vg.log"; exit 1; }
echo "valgrind: clean"
