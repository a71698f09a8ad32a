#!/usr/bin/env bash
# The relationship map, an account's people by level and function, contact
# and account history from the log, searches by name prefix / region /
# city (case- and width-blind), the salesperson filter of the notebook, Feb
# 29 birthdays, a read model of an older layout replayed at start, and one
# that LMDB cannot open (garbage metas, a file cut short) set aside: the
# CLI against real dealbook-eventlog and dealbook-contacts processes (ipc
# endpoints in a temp dir).
set -euo pipefail
BIN=${DBK_BIN_DIR:?}
dir=$(mktemp -d /tmp/dbk-contacts-map-XXXXXX)
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
start_contacts() {
    "$BIN/dealbook-contacts" 2>>"$dir/contacts.err" &
    svc_pid=$!
    for _ in $(seq 1 100); do db account list >/dev/null 2>&1 && break; sleep 0.05; done
    db account list >/dev/null || fail "contacts service did not start"
}

"$BIN/dealbook-eventlog" 2>"$dir/log.err" &
log_pid=$!
for _ in $(seq 1 100); do db log status >/dev/null 2>&1 && break; sleep 0.05; done
start_contacts

expect_rc 0 db account add 'Alpha Design Institute' --type design_institute --region 华东 --city Shanghai --id a1
expect_rc 0 db account add 'Beta Build' --type general_contractor --region 华东 --city 上海 --id a2
expect_rc 0 db account add 'Gamma Owner' --type owner --region 华北 --city 北京 --id a3
expect_rc 0 db contact add 'Wang Wei' --account a1 --level decision --function technical --relationship trusted --influence 5 --id c1
expect_rc 0 db contact add 'Wang Fang' --account a1 --level management --function procurement --id c2
expect_rc 0 db contact add 'Li Na' --account a1 --id c3 --birthday 1988-02-29
expect_rc 0 db contact add '张伟' --account a2 --level decision --function user --id c4

# ---- the relationship map ----
expect_rc 0 db contact relate c1 --salesperson zhao --depth trusted --notes 'college classmates'
grep -q 'updated' "$dir/out" || fail "relate: $(cat "$dir/out")"
expect_rc 0 db contact relate c1 --salesperson qian --depth acquainted
expect_rc 0 db contact relate c4 --salesperson zhao --depth interacting
expect_rc 0 db contact relate c1 --salesperson zhao --depth trusted
grep -q 'unchanged' "$dir/out" || fail "same depth is no event: $(cat "$dir/out")"
expect_rc 2 db contact relate c1 --salesperson zhao --depth best_friends
grep -q 'INVALID: depth' "$dir/err" || fail "bad depth: $(cat "$dir/err")"
expect_rc 2 db contact relate c9 --salesperson zhao --depth trusted
grep -q 'NOT_FOUND: id' "$dir/err" || fail "unknown contact: $(cat "$dir/err")"
expect_rc 2 db contact relate c2 --salesperson zhao --depth none
grep -q 'INVALID: salesperson' "$dir/err" || fail "ending nothing: $(cat "$dir/err")"
expect_rc 1 db contact relate c1 --depth trusted
expect_rc 0 db contact map c1 --json
json 'sorted((k["salesperson"],k["depth"]) for k in d["known_by"])==[("qian","acquainted"),("zhao","trusted")]'
json '[k.get("notes") for k in d["known_by"] if k["salesperson"]=="zhao"]==["college classmates"]'
expect_rc 0 db contact map c1
grep -q '^zhao  *trusted  *college classmates$' "$dir/out" || fail "map table: $(cat "$dir/out")"
expect_rc 0 db contact map --salesperson zhao --json
json '[(c["id"],c["depth"]) for c in d["contacts"]]==[("c1","trusted"),("c4","interacting")]'
expect_rc 0 db contact relate c1 --salesperson qian --depth none
expect_rc 0 db contact map c1 --json
json '[k["salesperson"] for k in d["known_by"]]==["zhao"]'
expect_rc 0 db contact map --salesperson qian --json
json 'd["contacts"]==[]'

# ---- an account's people by level and function ----
expect_rc 0 db account people a1 --json
json '[(g["level"],g["function"],[p["id"] for p in g["people"]]) for g in d["groups"]]==[("decision","technical",["c1"]),("management","procurement",["c2"]),("","",["c3"])]'
json 'd["groups"][0]["people"][0]["relationship"]=="trusted" and d["groups"][0]["people"][0]["known_by"][0]["salesperson"]=="zhao"'
expect_rc 0 db account people a1
grep -q '^decision / technical$' "$dir/out" || fail "people chart: $(cat "$dir/out")"
grep -q 'c1  *Wang Wei  *trusted  *5  *zhao:trusted' "$dir/out" || fail "people row: $(cat "$dir/out")"
expect_rc 2 db account people nosuch
grep -q 'NOT_FOUND: id' "$dir/err" || fail "people of unknown: $(cat "$dir/err")"

# ---- searches ----
expect_rc 0 db contact list --prefix 'wang' --json
json '[c["id"] for c in d["contacts"]]==["c2","c1"]'   # name order: wangfang, wangwei
expect_rc 0 db contact list --prefix 'WANG W' --json
json '[c["id"] for c in d["contacts"]]==["c1"]'
expect_rc 0 db contact list --prefix 'ｗａｎｇ' --account a2 --json
json 'd["contacts"]==[]'
expect_rc 0 db contact list --prefix 'zh' --json
json 'd["contacts"]==[]'
expect_rc 0 db contact list --prefix '张' --json
json '[c["id"] for c in d["contacts"]]==["c4"]'
expect_rc 0 db contact list --json
json '[c["id"] for c in d["contacts"]]==["c1","c2","c3","c4"]'
expect_rc 0 db contact list --limit 2 --json
json '[c["id"] for c in d["contacts"]]==["c1","c2"] and d["next"]'
expect_rc 0 db contact update c2 --name 'Fang Wang'
expect_rc 0 db contact list --prefix wang --json
json '[c["id"] for c in d["contacts"]]==["c1"]'
expect_rc 0 db account list --region 华东 --json
json 'sorted(a["id"] for a in d["accounts"])==["a1","a2"]'
expect_rc 0 db account list --city SHANGHAI --json
json '[a["id"] for a in d["accounts"]]==["a1"]'
expect_rc 0 db account list --region 华东 --type general_contractor --json
json '[a["id"] for a in d["accounts"]]==["a2"]'
expect_rc 0 db account list --type design_institute --prefix alpha --json
json '[a["id"] for a in d["accounts"]]==["a1"]'
expect_rc 0 db account list --region 华东 --limit 1 --json
first=$(/usr/bin/python3 -c "import json; d=json.load(open('$dir/out')); print(d['accounts'][0]['id'])")
expect_rc 0 db account update a2 --region 华南
expect_rc 0 db account list --region 华东 --json
json '[a["id"] for a in d["accounts"]]==["a1"]'
expect_rc 0 db account list --region 华南 --json
json '[a["id"] for a in d["accounts"]]==["a2"]'

# ---- the notebook: folded cities, a salesperson's contacts, Feb 29 ----
expect_rc 0 db contact trip add c1 --from 2027-03-01 --to 2027-03-05 --city Shanghai
expect_rc 0 db contact trip add c2 --from 2027-03-02 --to 2027-03-03 --city 'SHANGHAI'
expect_rc 0 db contact trip add c4 --from 2027-03-02 --to 2027-03-03 --city 'Ｓｈａｎｇｈａｉ'
# a long stay that began months before the window, and one that ended just before it
expect_rc 0 db contact trip add c3 --from 2026-12-01 --to 2027-03-10 --city Shanghai
expect_rc 0 db contact trip add c3 --from 2027-01-01 --to 2027-02-28 --city Shanghai
expect_rc 0 db contact notebook --city shanghai --from 2027-03-01 --to 2027-03-31 --json
json 'sorted(t["id"] for t in d["trips"])==["c1","c2","c3","c4"]'
json '[t["to"] for t in d["trips"]]==sorted(t["to"] for t in d["trips"])'
expect_rc 0 db contact notebook --city shanghai --from 2027-02-28 --to 2027-02-28 --json
json '[(t["id"],t["from"]) for t in d["trips"]]==[("c3","2026-12-01"),("c3","2027-01-01")] or [(t["id"],t["from"]) for t in d["trips"]]==[("c3","2027-01-01"),("c3","2026-12-01")]'
expect_rc 0 db contact notebook --city shanghai --from 2027-03-01 --to 2027-03-31 --limit 2 --json
json 'len(d["trips"])==2 and d["more"]'
expect_rc 0 db contact notebook --city shanghai --from 2027-04-01 --to 2027-04-30 --json
json 'd["trips"]==[]'
expect_rc 0 db contact notebook --city shanghai --from 2027-03-01 --to 2027-03-31 --salesperson zhao --json
json 'sorted(t["id"] for t in d["trips"])==["c1","c4"]'
# Li Na was born on Feb 29: in 2027 her birthday is kept on Feb 28
expect_rc 0 db contact notebook --birthdays 0 --as-of 2027-02-28 --json
json '[(c["id"],c["upcoming"]) for c in d["contacts"]]==[("c3","2027-02-28")]'
expect_rc 0 db contact notebook --birthdays 3 --as-of 2027-02-26 --json
json '[(c["id"],c["upcoming"]) for c in d["contacts"]]==[("c3","2027-02-28")]'
expect_rc 0 db contact notebook --birthdays 5 --as-of 2027-03-01 --json
json 'd["contacts"]==[]'
expect_rc 0 db contact notebook --birthdays 0 --as-of 2028-02-29 --json
json '[(c["id"],c["upcoming"]) for c in d["contacts"]]==[("c3","2028-02-29")]'
expect_rc 0 db contact notebook --birthdays 0 --as-of 2028-02-28 --json
json 'd["contacts"]==[]'
expect_rc 0 db contact notebook --birthdays 30 --as-of 2027-02-20 --salesperson zhao --json
json 'd["contacts"]==[]'
expect_rc 0 db contact notebook --untouched 30 --as-of 2027-06-01 --salesperson zhao --json
json 'sorted(c["id"] for c in d["contacts"])==["c1","c4"]'
expect_rc 2 db contact notebook --untouched 30 --salesperson ''
grep -q 'INVALID: salesperson' "$dir/err" || fail "empty salesperson: $(cat "$dir/err")"

# ---- history, from the log ----
expect_rc 0 db contact move c4 --to a1 --reason 'joined the institute'
expect_rc 0 db contact history c4
grep -q 'contact.added' "$dir/out" && grep -q 'contact.relationship_set' "$dir/out" &&
    grep -q 'contact.trip_added' "$dir/out" && grep -q 'contact.moved.*"to":"a1"' "$dir/out" ||
    fail "history: $(cat "$dir/out")"
[ "$(grep -c 'contact\.' "$dir/out")" -eq 4 ] || fail "history has 4 events: $(cat "$dir/out")"
expect_rc 0 db contact history c4 --json
[ "$(wc -l <"$dir/out")" -eq 4 ] || fail "history --json: one event a line: $(cat "$dir/out")"
expect_rc 0 db account history a2
grep -q 'account.registered' "$dir/out" && grep -q 'account.updated.*华南' "$dir/out" || fail "account history: $(cat "$dir/out")"
expect_rc 2 db contact history nosuch
grep -q 'no contact nosuch' "$dir/err" || fail "history of unknown: $(cat "$dir/err")"
expect_rc 1 db contact history 'bad id!'

# ---- a read model of another layout is replayed from the log at start ----
expect_rc 0 db contact map c1 --json
cp "$dir/out" "$dir/map.before"
kill "$svc_pid"; wait "$svc_pid" 2>/dev/null || true
# the layout version an older build stored (1), written straight into $meta
/usr/bin/python3 - "$dir/contacts" <<'PY' || fail "cannot rewrite the model version"
import subprocess, sys
d = sys.argv[1]
out = subprocess.run(["mdb_dump", "-s", "$meta", d], capture_output=True, text=True, check=True).stdout
lines = out.splitlines()
body = [l for l in lines if l.startswith(" ")]
hdr = [l for l in lines if not l.startswith(" ") and l != "DATA=END" and not l.startswith("db_pagesize")]
pairs = dict(zip(body[0::2], body[1::2]))
key = " " + "model".encode().hex()
assert pairs.get(key) not in (None, " 00000001"), pairs
pairs[key] = " 00000001"
text = "\n".join(hdr + [x for kv in pairs.items() for x in kv] + ["DATA=END", ""])
subprocess.run(["mdb_load", "-s", "$meta", d], input=text, text=True, check=True)
PY
start_contacts
for _ in $(seq 1 100); do db contact map c1 --json >"$dir/out" 2>/dev/null && cmp -s "$dir/out" "$dir/map.before" && break; sleep 0.05; done
cmp -s "$dir/out" "$dir/map.before" || fail "after the replay: $(cat "$dir/out")"
grep -q 'layout changed' "$dir/contacts.err" || fail "no replay logged: $(cat "$dir/contacts.err")"
# ---- an unreadable read model (both meta pages garbage) is set aside and rebuilt ----
kill "$svc_pid"; wait "$svc_pid" 2>/dev/null || true
dd if=/dev/urandom of="$dir/contacts/data.mdb" bs=4096 count=2 conv=notrunc status=none
start_contacts
for _ in $(seq 1 100); do db contact map c1 --json >"$dir/out" 2>/dev/null && cmp -s "$dir/out" "$dir/map.before" && break; sleep 0.05; done
cmp -s "$dir/out" "$dir/map.before" || fail "after the rebuild of a corrupt model: $(cat "$dir/out")"
grep -q 'is unreadable (.*MDB_INVALID.*): moved to' "$dir/contacts.err" || fail "no corrupt model logged: $(cat "$dir/contacts.err")"
ls -d "$dir"/contacts.corrupt-* >/dev/null || fail "the corrupt model was not kept aside"
# ---- a read model cut short (LMDB would read its missing pages as SIGBUS) is set aside and rebuilt ----
kill "$svc_pid"; wait "$svc_pid" 2>/dev/null || true
# the aside names of the next seconds are taken (a second failure within
# the same second as the first): the model goes aside under another name
now=$(date +%s)
for t in $(seq "$now" $((now + 30))); do mkdir -p "$dir/contacts.corrupt-$t" && : >"$dir/contacts.corrupt-$t/x"; done
size=$(stat -c %s "$dir/contacts/data.mdb")
[ "$size" -gt 8192 ] || fail "the model is only $size bytes"
truncate -s 8192 "$dir/contacts/data.mdb"
: >"$dir/contacts.err"
start_contacts
for _ in $(seq 1 100); do db contact map c1 --json >"$dir/out" 2>/dev/null && cmp -s "$dir/out" "$dir/map.before" && break; sleep 0.05; done
cmp -s "$dir/out" "$dir/map.before" || fail "after the rebuild of a truncated model: $(cat "$dir/out")"
grep -q "is unreadable ($dir/contacts/data.mdb is truncated: 8192 bytes, its last page ends at [0-9]*): moved to" \
    "$dir/contacts.err" || fail "no truncated model logged: $(cat "$dir/contacts.err")"
ls -d "$dir"/contacts.corrupt-*.1 >/dev/null || fail "the truncated model was not kept aside: $(ls "$dir")"
[ -f "$(ls -d "$dir"/contacts.corrupt-*.1 | head -1)/data.mdb" ] || fail "the aside copy is not the model"
echo "contacts map: all checks passed"
