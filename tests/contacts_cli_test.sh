#!/usr/bin/env bash
# dealbook account / contact end to end: the CLI against real
# dealbook-eventlog and dealbook-contacts processes (ipc endpoints in a temp
# dir): output, --json, error lines naming the field, exit codes
# (0 done, 1 usage, 2 rejected, 3 duplicate, 4 unreachable).
set -euo pipefail
BIN=${DBK_BIN_DIR:?}
dir=$(mktemp -d /tmp/dbk-contacts-cli-XXXXXX)
log_pid= svc_pid=
cleanup() {
    # a clean stop (SIGTERM), waited for so that no "Killed" line follows
    for p in $svc_pid $log_pid; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
    rm -rf "$dir"
}
trap cleanup EXIT
export DEALBOOK_DATA_DIR=$dir DEALBOOK_LOG_ENDPOINT=ipc://$dir/log.sock \
       DEALBOOK_PUB_ENDPOINT=ipc://$dir/pub.sock DEALBOOK_CONTACTS_ENDPOINT=ipc://$dir/contacts.sock \
       DEALBOOK_HEARTBEAT_MS=100 DEALBOOK_TIMEOUT_MS=3000
. "$(dirname "$0")/support/cli_lib.sh"

# nothing listens yet: unreachable, exit 4
DEALBOOK_TIMEOUT_MS=200 expect_rc 4 db account list
grep -q 'unreachable' "$dir/err" || fail "unreachable message: $(cat "$dir/err")"

"$BIN/dealbook-eventlog" 2>"$dir/log.err" &
log_pid=$!
"$BIN/dealbook-contacts" 2>"$dir/contacts.err" &
svc_pid=$!
# wait for both (no fixed sleep: retry until they answer)
for _ in $(seq 1 100); do db log status >/dev/null 2>&1 && break; done
for _ in $(seq 1 100); do db account list >/dev/null 2>&1 && break; done
db account list >/dev/null || fail "contacts service did not start"

expect_rc 0 db help account
grep -q 'account <verb>' "$dir/out" || fail "help account"
expect_rc 0 db help contact
grep -q 'notebook' "$dir/out" || fail "help contact"

expect_rc 0 db account add '上海建工集团有限公司' --type general_contractor --city 上海
acc=$(awk '{print $2}' "$dir/out")
[ -n "$acc" ] || fail "account add prints its id: $(cat "$dir/out")"
expect_rc 3 db account add '上海建工集团' --type owner
grep -q "DUPLICATE: name: .*$acc" "$dir/err" || fail "duplicate names the account: $(cat "$dir/err")"
expect_rc 0 db account add '上海建工集团' --type owner --force --json
/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["id"])==20 and d["events"]==1, d' "$dir/out"
expect_rc 2 db account add 'Nameless' --type spaceship
grep -q 'INVALID: type' "$dir/err" || fail "bad type names the field: $(cat "$dir/err")"
expect_rc 1 db account add --type owner
expect_rc 1 db account add X --type owner --colour blue
expect_rc 1 db account frobnicate

expect_rc 0 db account show "$acc"
grep -q '^name  *上海建工集团有限公司$' "$dir/out" || fail "show: $(cat "$dir/out")"
grep -qE '^(v|rid|ok) ' "$dir/out" && fail "show prints the envelope: $(cat "$dir/out")"
expect_rc 0 db account show "$acc" --json
/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["city"]=="上海" and "rid" not in d, d' "$dir/out"
expect_rc 2 db account show nosuch
grep -q 'NOT_FOUND: id' "$dir/err" || fail "unknown account: $(cat "$dir/err")"
expect_rc 0 db account list --type general_contractor
[ "$(wc -l <"$dir/out")" -eq 2 ] && head -1 "$dir/out" | grep -q '^ID  *NAME  *TYPE' || fail "list: $(cat "$dir/out")"
expect_rc 0 db account list --prefix 上海 --json
/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["accounts"])==2, d' "$dir/out"

expect_rc 0 db contact add 王伟 --account "$acc" --title 总工 --influence 4 --phone '+86 21 5555'
ct=$(awk '{print $2}' "$dir/out")
expect_rc 2 db contact add 李娜 --account "$acc" --influence 9
grep -q 'INVALID: influence' "$dir/err" || fail "influence: $(cat "$dir/err")"
expect_rc 2 db contact add 李娜 --account ghost
grep -q 'NOT_FOUND: account_id' "$dir/err" || fail "unknown account: $(cat "$dir/err")"
expect_rc 1 db contact add 李娜
# family notes (CONTACT_ADD / CONTACT_UPDATE family_notes); contacts commands
# take no --on (the contacts service ignores a business date)
expect_rc 0 db contact add 赵敏 --account "$acc" --family-notes '女儿在读高三' --id c-fam
expect_rc 0 db contact show c-fam
grep -q '^family_notes  *女儿在读高三$' "$dir/out" || fail "family notes: $(cat "$dir/out")"
expect_rc 0 db contact update c-fam --family-notes '女儿考上大学'
expect_rc 0 db contact show c-fam --json
/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["family_notes"]=="女儿考上大学", d' "$dir/out"
expect_rc 0 db contact update c-fam --family-notes ''
expect_rc 0 db contact show c-fam --json
/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert "family_notes" not in d, d' "$dir/out"
expect_rc 1 db contact update c-fam --title X --on 2026-01-01
grep -q 'contact update: unknown flag --on' "$dir/err" || fail "contacts --on: $(cat "$dir/err")"
# a flag given twice is refused by the CLI, naming it (not sent on as a
# repeated key)
expect_rc 1 db contact add 李娜 --account "$acc" --title A --title B
[ "$(cat "$dir/err")" = 'dealbook: contact add: --title given twice' ] || fail "twice: $(cat "$dir/err")"
expect_rc 1 db contact update "$ct" --name X --name Y
grep -q 'contact update: --name given twice' "$dir/err" || fail "twice: $(cat "$dir/err")"
expect_rc 1 db account update "$acc" --force --force
grep -q 'account update: --force given twice' "$dir/err" || fail "twice: $(cat "$dir/err")"
expect_rc 0 db contact list --prefix 李娜 --json
/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["contacts"]==[], d' "$dir/out"
expect_rc 0 db contact list --account "$acc"
grep -q "$ct  *王伟  *$acc  *总工" "$dir/out" || fail "contact list: $(cat "$dir/out")"

expect_rc 0 db contact trip add "$ct" --from 2026-03-10 --to 2026-03-12 --city 北京 --hotel 国贸大酒店
expect_rc 2 db contact trip add "$ct" --from 2026-03-10 --to 2026-03-01 --city 北京
grep -q 'INVALID: to' "$dir/err" || fail "bad dates: $(cat "$dir/err")"
expect_rc 0 db contact notebook --city 北京 --from 2026-03-11 --to 2026-03-20
grep -q "2026-03-10  *2026-03-12  *北京  *$ct  *王伟" "$dir/out" || fail "notebook: $(cat "$dir/out")"
expect_rc 0 db contact notebook --city 北京 --from 2026-04-01 --to 2026-04-20 --json
grep -q '"trips":\[\]' "$dir/out" || fail "notebook outside the dates: $(cat "$dir/out")"
expect_rc 0 db contact show "$ct"
grep -q '国贸大酒店' "$dir/out" && grep -q '^title  *总工$' "$dir/out" || fail "contact show: $(cat "$dir/out")"

expect_rc 0 db contact update "$ct" --title 院长 --phone ''
grep -q "contact $ct updated" "$dir/out" || fail "contact update: $(cat "$dir/out")"
expect_rc 0 db contact update "$ct" --title 院长
grep -q "unchanged" "$dir/out" || fail "same title: $(cat "$dir/out")"
expect_rc 1 db contact update "$ct" --account "$acc"
expect_rc 0 db contact show "$ct" --json
/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["title"]=="院长" and "phone" not in d and len(d["trips"])==1, d' "$dir/out"
expect_rc 0 db account update "$acc" --city 苏州 --region 华东
expect_rc 0 db account list --city 苏州
grep -q "$acc" "$dir/out" || fail "account update: $(cat "$dir/out")"
expect_rc 0 db account add 'Beta Design' --type design_institute
acc2=$(awk '{print $2}' "$dir/out")
expect_rc 0 db contact move "$ct" --to "$acc2"
expect_rc 0 db contact list --account "$acc2" --json
grep -q "\"id\":\"$ct\"" "$dir/out" || fail "moved: $(cat "$dir/out")"
expect_rc 0 db account archive "$acc2"
expect_rc 2 db account archive "$acc2"
grep -q 'REJECTED: id' "$dir/err" || fail "archive twice: $(cat "$dir/err")"
expect_rc 2 db contact add 赵敏 --account "$acc2"
grep -q 'REJECTED: account_id' "$dir/err" || fail "archived account: $(cat "$dir/err")"
# merge: the merged account answers with its survivor and takes no contacts
expect_rc 0 db account add 'Gamma Old' --type owner --id gold
expect_rc 0 db account add 'Gamma New' --type owner --id gnew
expect_rc 1 db account merge gold
expect_rc 2 db account merge gold --into ghost
grep -q 'NOT_FOUND: into' "$dir/err" || fail "merge into unknown: $(cat "$dir/err")"
expect_rc 0 db account merge gold --into gnew --reason 'same company'
grep -q 'account gold merged into gnew' "$dir/out" || fail "merge: $(cat "$dir/out")"
expect_rc 0 db account show gold --json
/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["status"]=="merged" and d["merged_into"]=="gnew", d' "$dir/out"
expect_rc 2 db contact add 赵敏 --account gold
grep -q 'REJECTED: account_id: .*gnew' "$dir/err" || fail "merged account: $(cat "$dir/err")"
expect_rc 2 db account merge gold --into gnew
grep -q 'REJECTED: id' "$dir/err" || fail "merge twice: $(cat "$dir/err")"
# found by id only: no list holds it, with or without a filter
expect_rc 0 db account list --json
/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); ids=[a["id"] for a in d["accounts"]]; assert "gnew" in ids and "gold" not in ids, ids' "$dir/out"
# notebook by birthday and by the last activity (none logged here: every
# contact is untouched)
expect_rc 0 db contact add 孙丽 --account "$acc" --birthday --12-30 --id bday
# a birthday with a year has been: one after today (the business day) is a typo
today=$(date -u +%F)
expect_rc 2 db contact add 钱进 --account "$acc" --birthday 2999-01-01
grep -q "INVALID: birthday: birthday (2999-01-01) cannot be after today at UTC ($today)" "$dir/err" ||
    fail "future birthday: $(cat "$dir/err")"
expect_rc 2 db contact update bday --birthday 2999-12-30
grep -q 'INVALID: birthday' "$dir/err" || fail "future birthday on update: $(cat "$dir/err")"
expect_rc 0 db contact add 钱进 --account "$acc" --birthday "$today" --id born-today
expect_rc 0 db contact notebook --birthdays 10 --as-of 2026-12-25
grep -q '^2026-12-30  *bday  *孙丽' "$dir/out" || fail "birthdays: $(cat "$dir/out")"
expect_rc 0 db contact notebook --birthdays 3 --as-of 2026-12-25 --json
/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["contacts"]==[], d' "$dir/out"
expect_rc 0 db contact notebook --birthdays 10 --as-of 2026-12-29 --json
/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert [c["upcoming"] for c in d["contacts"]]==["2026-12-30"], d' "$dir/out"
expect_rc 2 db contact notebook --birthdays 10 --as-of 2026-02-30
grep -q 'INVALID: as_of' "$dir/err" || fail "bad as_of: $(cat "$dir/err")"
expect_rc 2 db contact notebook --untouched many
grep -q 'INVALID: days' "$dir/err" || fail "bad days: $(cat "$dir/err")"
expect_rc 0 db contact notebook --untouched 30 --json
/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert "bday" in [c["id"] for c in d["contacts"]] and all(c["last_activity"] is None for c in d["contacts"]), d' "$dir/out"
expect_rc 1 db contact notebook --untouched 30 --city 北京
# cut at --limit: said so under the table
expect_rc 0 db contact trip add "$ct" --from 2026-03-16 --to 2026-03-17 --city 北京
expect_rc 0 db contact notebook --city 北京 --from 2026-03-11 --to 2026-03-20 --limit 1
grep -q '^(more: raise --limit)$' "$dir/out" || fail "a notebook cut at its limit: $(cat "$dir/out")"
# what a person sees (kept in the log of the run)
db account list
db contact notebook --city 北京 --from 2026-03-01 --to 2026-03-31
echo "contacts cli: ok"
