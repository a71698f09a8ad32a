#!/usr/bin/env bash
# dealbookd, the all-in-one process: on an empty log it loads the demo data
# set through the real commands; its services answer the CLI on the
# DEALBOOK_* endpoints (tcp loopback here, as `make run` uses); SIGINT
# stops it cleanly (exit 0); a restart keeps everything and does not load
# the demo twice.
set -euo pipefail
BIN=${DBK_BIN_DIR:?}
dir=$(mktemp -d /tmp/dbk-dealbookd-XXXXXX)
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$dir"
}
trap cleanup EXIT
. "$(dirname "$0")/support/cli_lib.sh"
json() { /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert $1, d" "$dir/out"; }
# six free loopback ports in a row
base=$(/usr/bin/python3 - <<'PY'
import socket, random
for _ in range(200):
    p = random.randint(20000, 60000)
    try:
        ss = [socket.socket() for _ in range(6)]
        for i, s in enumerate(ss):
            s.bind(("127.0.0.1", p + i))
        for s in ss:
            s.close()
        print(p)
        break
    except OSError:
        for s in ss:
            s.close()
PY
)
export DEALBOOK_LOG_ENDPOINT=tcp://127.0.0.1:$base DEALBOOK_PUB_ENDPOINT=tcp://127.0.0.1:$((base + 1)) \
       DEALBOOK_CONTACTS_ENDPOINT=tcp://127.0.0.1:$((base + 2)) \
       DEALBOOK_OPPORTUNITIES_ENDPOINT=tcp://127.0.0.1:$((base + 3)) \
       DEALBOOK_BIDDING_ENDPOINT=tcp://127.0.0.1:$((base + 4)) \
       DEALBOOK_FORECASTING_ENDPOINT=tcp://127.0.0.1:$((base + 5)) DEALBOOK_DURABLE=0 \
       DEALBOOK_MANAGERS=li.mei DEALBOOK_DIRECTORS=wang.zong
start() {
    "$BIN/dealbookd" --data-dir "$dir/data" --demo 1 >"$dir/stdout" 2>"$dir/stderr" &
    pid=$!
    for _ in $(seq 1 600); do
        grep -q '^Try' "$dir/stdout" 2>/dev/null && return 0
        kill -0 "$pid" 2>/dev/null || { cat "$dir/stdout" "$dir/stderr"; fail "dealbookd died"; }
        sleep 0.1
    done
    cat "$dir/stdout"; fail "dealbookd did not get ready in 60 s"
}
stop() {
    kill -INT "$pid"
    local rc=0
    wait "$pid" || rc=$?
    pid=
    [ "$rc" -eq 0 ] || { cat "$dir/stderr"; fail "dealbookd exited $rc on SIGINT"; }
}

start
grep -q 'demo loaded: 40 accounts, 150 contacts.* 20 tenders, 5 contracts, 16 quotas' "$dir/stdout" || fail "demo: $(cat "$dir/stdout" "$dir/stderr")"
expect_rc 0 db status
expect_rc 0 db status --json
json 'all(s["state"] == "up" for s in d) and len(d) == 5'
expect_rc 0 db log status --json
head=$(/usr/bin/python3 -c "import json; print(json.load(open('$dir/out'))['head'])")
[ "$head" -gt 1000 ] || fail "head $head"
expect_rc 0 db account list --region 华东 --json
json 'len(d["accounts"]) >= 10'
expect_rc 0 db opp list --status all --limit 500 --json
json 'len(d["opportunities"]) == 80'
json 'sorted({o["level"] for o in d["opportunities"] if o["status"] == "open"}) == ["L1","L2","L3","L4","L5"]'
# 4 won and 2 lost by hand, 5 won and 3 lost through their tenders' awards
json 'sum(o["status"] == "won" for o in d["opportunities"]) == 9 and sum(o["status"] == "lost" for o in d["opportunities"]) == 5'
expect_rc 0 db opp show demo-o070
grep -q 'PROCUREMENT ANALYSIS CHART' "$dir/out" || fail "chart: $(cat "$dir/out")"
expect_rc 0 db tender list --limit 500 --json
json 'len(d["tenders"]) == 20 and sum(t["result"] == "won" for t in d["tenders"]) == 5'
expect_rc 0 db quote pending --json
json 'len(d["quotes"]) >= 2'
expect_rc 0 db contract receivables --json
json 'len(d["contracts"]) == 5'
expect_rc 0 db log verify
stop

# a restart keeps everything and does not load the demo again
start
grep -q 'loading the demo' "$dir/stdout" && fail "the demo was loaded twice"
expect_rc 0 db log status --json
json "d['head'] == $head"
expect_rc 0 db opp list --status all --limit 500 --json
json 'len(d["opportunities"]) == 80'
stop
echo "dealbookd: ok"
