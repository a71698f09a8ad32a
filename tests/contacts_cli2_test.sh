#!/usr/bin/env bash
# dealbook competitor / activity end to end, and the notebook of untouched
# contacts fed by activities: the CLI against real dealbook-eventlog and
# dealbook-contacts processes (ipc endpoints in a temp dir). Exit codes:
# 0 done, 1 usage, 2 rejected, 3 duplicate, 4 unreachable.
set -euo pipefail
BIN=${DBK_BIN_DIR:?}
dir=$(mktemp -d /tmp/dbk-contacts-cli2-XXXXXX)
log_pid= svc_pid=
cleanup() {
    for p in $svc_pid $log_pid; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
    rm -rf "$dir"
}
trap cleanup EXIT
export DEALBOOK_DATA_DIR=$dir DEALBOOK_LOG_ENDPOINT=ipc://$dir/log.sock \
       DEALBOOK_PUB_ENDPOINT=ipc://$dir/pub.sock DEALBOOK_CONTACTS_ENDPOINT=ipc://$dir/contacts.sock \
       DEALBOOK_HEARTBEAT_MS=100 DEALBOOK_TIMEOUT_MS=3000
. "$(dirname "$0")/support/cli_lib.sh"
json() { /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert $1, d" "$dir/out"; }

"$BIN/dealbook-eventlog" 2>"$dir/log.err" &
log_pid=$!
"$BIN/dealbook-contacts" 2>"$dir/contacts.err" &
svc_pid=$!
# wait for both (no fixed sleep: retry until they answer)
for _ in $(seq 1 100); do db log status >/dev/null 2>&1 && break; done
for _ in $(seq 1 100); do db competitor list >/dev/null 2>&1 && break; done
db competitor list >/dev/null || fail "contacts service did not start"

expect_rc 0 db help activity
grep -q 'activity <verb>' "$dir/out" || fail "help activity"
expect_rc 0 db account add 'Alpha Design' --type design_institute --id a1
expect_rc 0 db account add 'Beta Build' --type general_contractor --id a2
expect_rc 0 db contact add 李娜 --account a1 --id c1
expect_rc 0 db contact add 张伟 --account a1 --id c2

# competitors
expect_rc 0 db competitor add Kone --price-level high --close-to a1,a2 --strengths 'service network'
k1=$(awk '{print $2}' "$dir/out")
[ -n "$k1" ] || fail "competitor add prints its id: $(cat "$dir/out")"
expect_rc 0 db competitor add Otis --close-to a2 --id otis
expect_rc 2 db competitor add Schindler --close-to ghost
grep -q 'NOT_FOUND: close_to' "$dir/err" || fail "unknown account: $(cat "$dir/err")"
expect_rc 2 db competitor add Schindler --price-level cheap
grep -q 'INVALID: price_level' "$dir/err" || fail "bad price level: $(cat "$dir/err")"
expect_rc 3 db competitor add Otis --id otis
expect_rc 1 db competitor add
expect_rc 1 db competitor add X --colour blue
expect_rc 0 db competitor show "$k1"
grep -q '^close_to  *a1,a2$' "$dir/out" || fail "competitor show: $(cat "$dir/out")"
expect_rc 0 db competitor list --close-to a2
grep -q "$k1  *Kone  *high  *a1,a2" "$dir/out" && grep -q '^otis  *Otis' "$dir/out" || fail "list: $(cat "$dir/out")"
expect_rc 0 db competitor update "$k1" --close-to a1 --weaknesses 'price'
grep -q "competitor $k1 updated" "$dir/out" || fail "update: $(cat "$dir/out")"
expect_rc 0 db competitor list --close-to a2 --json
json '[c["id"] for c in d["competitors"]]==["otis"]'
expect_rc 2 db competitor update nosuch --name X
grep -q 'NOT_FOUND: id' "$dir/err" || fail "update unknown: $(cat "$dir/err")"
# a competitor's name is compared with the others' as an account's is:
# without case, width, punctuation and company suffixes
expect_rc 0 db competitor add Philips --id ph
for name in philips Philips 'PHILIPS Co., Ltd.'; do
    expect_rc 3 db competitor add "$name"
    grep -q 'DUPLICATE: name' "$dir/err" && grep -q 'competitor ph already has this name' "$dir/err" ||
        fail "duplicate competitor name $name: $(cat "$dir/err")"
done
expect_rc 3 db competitor update otis --name philips
grep -q 'DUPLICATE: name' "$dir/err" || fail "rename to a taken name: $(cat "$dir/err")"
expect_rc 0 db competitor update ph --name PHILIPS
expect_rc 0 db competitor add philips --force --id ph2
expect_rc 0 db competitor list --json
json '[c["id"] for c in d["competitors"] if c["name"].lower()=="philips"]==["ph","ph2"]'

# activities, newest first, and the untouched notebook they feed
expect_rc 0 db activity log visit --date 2026-03-01 --with c1,c2 --account a1 --notes '看样板间'
expect_rc 0 db activity log dinner --date 2026-03-20 --with c1 --cost 120000 --currency CNY
expect_rc 2 db activity log dinner --date 2026-03-20 --with c1 --cost 120000
grep -q 'INVALID: currency' "$dir/err" || fail "cost without currency: $(cat "$dir/err")"
expect_rc 2 db activity log visit --date 2026-03-20 --with ghost
grep -q 'NOT_FOUND: their_people' "$dir/err" || fail "unknown contact: $(cat "$dir/err")"
expect_rc 1 db activity log visit --date 2026-03-20
# an activity records what took place: not dated after today (UTC here)
expect_rc 2 db activity log call --date 2099-01-01 --with c1
grep -q 'INVALID: date: date (2099-01-01) cannot be after today' "$dir/err" || fail "ahead: $(cat "$dir/err")"
expect_rc 1 db activity list
expect_rc 0 db activity list --contact c1
[ "$(sed -n 2p "$dir/out" | awk '{print $1, $2}')" = "2026-03-20 dinner" ] || fail "newest first: $(cat "$dir/out")"
expect_rc 0 db activity list --account a1 --json
json 'len(d["activities"])==1 and d["activities"][0]["their_people"]==["c1","c2"]'
expect_rc 0 db contact notebook --untouched 15 --as-of 2026-03-25 --json
json '[(c["id"], c["last_activity"]) for c in d["contacts"]]==[("c2","2026-03-01")]'
expect_rc 0 db contact notebook --untouched 1 --as-of 2026-03-25
grep -q '^2026-03-01  *c2  *张伟' "$dir/out" && grep -q '^2026-03-20  *c1  *李娜' "$dir/out" || fail "untouched: $(cat "$dir/out")"
# a list flag may repeat: its values add up into one list; another flag may not
expect_rc 0 db activity log meeting --date 2026-03-22 --with c1 --with c2 --ours li,wang --ours zhao \
    --id act-rep
expect_rc 0 db activity list --contact c2 --json
json '[(a["id"], a["their_people"]) for a in d["activities"]][0]==("act-rep",["c1","c2"])'
expect_rc 0 db log read --stream activity-act-rep
grep -q '"our_people":\["li","wang","zhao"\]' "$dir/out" || fail "--ours repeated: $(cat "$dir/out")"
expect_rc 1 db activity log meeting --date 2026-03-22 --date 2026-03-23 --with c1
grep -q 'activity log: --date given twice' "$dir/err" || fail "twice: $(cat "$dir/err")"
# what a person sees (kept in the log of the run)
db competitor list
db activity list --contact c1
echo "contacts cli2: ok"
