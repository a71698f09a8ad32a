#!/usr/bin/env bash
# `make run`, the README's command: dealbookd, the all-in-one process, in
# the foreground of its own process group (as on a terminal). On an empty
# log it loads the demo data set through the real commands; its services
# answer the CLI on the DEALBOOK_* endpoints (tcp loopback); Ctrl-C
# (SIGINT to the process group) stops it cleanly and `make run` exits 0;
# a restart keeps everything and does not load the demo twice.
set -euo pipefail
BIN=${DBK_BIN_DIR:?}
ROOT=${DBK_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
dir=$(mktemp -d /tmp/dbk-dealbookd-XXXXXX)
pid=
cleanup() {
    [ -n "$pid" ] && kill -INT -- "-$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$dir"
}
trap cleanup EXIT
# the make of `make test` must not lend its job server to this one
unset MAKEFLAGS MFLAGS MAKELEVEL
. "$(dirname "$0")/support/cli_lib.sh"
json() { /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert $1, d" "$dir/out"; }
# six free loopback ports in a row, below the ephemeral range
base=$(/usr/bin/python3 "$(dirname "$0")/support/ports.py" 6)
export DEALBOOK_LOG_ENDPOINT=tcp://127.0.0.1:$base DEALBOOK_PUB_ENDPOINT=tcp://127.0.0.1:$((base + 1)) \
       DEALBOOK_CONTACTS_ENDPOINT=tcp://127.0.0.1:$((base + 2)) \
       DEALBOOK_OPPORTUNITIES_ENDPOINT=tcp://127.0.0.1:$((base + 3)) \
       DEALBOOK_BIDDING_ENDPOINT=tcp://127.0.0.1:$((base + 4)) \
       DEALBOOK_FORECASTING_ENDPOINT=tcp://127.0.0.1:$((base + 5)) DEALBOOK_DURABLE=0 \
       DEALBOOK_MANAGERS=li.mei DEALBOOK_DIRECTORS=wang.zong
# start make|direct: `make run` (the README's command) or dealbookd itself
start() {
    how=$1
    # job control: the background job gets its own process group, as the
    # foreground job of a terminal does
    set -m
    if [ "$how" = make ]; then
        make -s -C "$ROOT" run RUN_DATA="$dir/data" >"$dir/stdout" 2>"$dir/stderr" &
    else
        "$BIN/dealbookd" --data-dir "$dir/data" --demo 1 >"$dir/stdout" 2>"$dir/stderr" &
    fi
    pid=$!
    set +m
    for _ in $(seq 1 600); do
        grep -q '^Try' "$dir/stdout" 2>/dev/null && return 0
        kill -0 "$pid" 2>/dev/null || { cat "$dir/stdout" "$dir/stderr"; fail "$how: died"; }
        sleep 0.1
    done
    cat "$dir/stdout"; fail "$how: not ready in 60 s"
}
# Ctrl-C: SIGINT to the whole foreground process group. dealbookd exits 0;
# make, having waited for it, dies of the SIGINT it was sent too (130, as
# every make does on Ctrl-C)
stop() {
    kill -INT -- "-$pid"
    local rc=0 want=0
    wait "$pid" || rc=$?
    pid=
    [ "$how" = make ] && want=130
    [ "$rc" -eq "$want" ] || { tail -3 "$dir/stderr"; fail "$how: exited $rc on Ctrl-C, wanted $want"; }
    for svc in forecasting bidding opportunities contacts; do
        grep -q "I $svc: stopped at seq" "$dir/stderr" || fail "$how: $svc did not stop cleanly"
    done
    grep -q 'I eventlog: stopped at head' "$dir/stderr" || fail "$how: no clean stop: $(tail -5 "$dir/stderr")"
    grep -q ' E ' "$dir/stderr" && fail "$how: errors logged: $(grep ' E ' "$dir/stderr" | head -3)"
    pgrep -f "dealbookd --data-dir $dir/data" >/dev/null && fail "$how: dealbookd still runs after Ctrl-C"
    return 0
}

start make
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
# the README's tour over the demo, as a newcomer types it: every dealbook
# command of its first block up to `log tail` (which follows the log until
# Ctrl-C) answers, and prints something
tour=$(awk '/^## A five-minute tour/ {t = 1} t && /^```sh/ {b++; next}
            t && b == 1 && (/^```/ || /^dealbook log tail/) {exit}
            t && b == 1 && /^dealbook /' "$ROOT/README.md" | sed 's/ *#.*$//')
[ "$(wc -l <<<"$tour")" -ge 15 ] || fail "the README's tour has fewer commands than expected: $tour"
while IFS= read -r line; do
    PATH="$BIN:$PATH" bash -c "$line" >"$dir/out" 2>"$dir/err" || { cat "$dir/err"; fail "README tour: '$line' failed"; }
    [ -s "$dir/out" ] || fail "README tour: '$line' printed nothing"
done <<<"$tour"
stop

# a restart keeps everything and does not load the demo again
start direct
grep -q 'loading the demo' "$dir/stdout" && fail "the demo was loaded twice"
expect_rc 0 db log status --json
json "d['head'] == $head"
expect_rc 0 db opp list --status all --limit 500 --json
json 'len(d["opportunities"]) == 80'
stop
echo "dealbookd: ok"
