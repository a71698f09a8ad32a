#!/usr/bin/env bash
# dealbook funnel / forecast / quota / accuracy / progress / health / winloss
# / changes end to end: the CLI against real dealbook-eventlog, -contacts,
# -opportunities and -forecasting processes (ipc endpoints in a temp dir).
# Deals are moved through the funnel with the opp noun; the figures are
# checked against hand-computed ones, the funnel chart for its block
# characters and its width (80 display columns, CJK counting 2). Exit codes:
# 0 done, 1 usage, 2 rejected / invalid, 4 unreachable.
set -euo pipefail
BIN=${DBK_BIN_DIR:?}
dir=$(mktemp -d /tmp/dbk-fc-cli-XXXXXX)
pids=
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
    rm -rf "$dir"
}
trap cleanup EXIT
export DEALBOOK_DATA_DIR=$dir DEALBOOK_LOG_ENDPOINT=ipc://$dir/log.sock \
       DEALBOOK_PUB_ENDPOINT=ipc://$dir/pub.sock DEALBOOK_CONTACTS_ENDPOINT=ipc://$dir/contacts.sock \
       DEALBOOK_OPPORTUNITIES_ENDPOINT=ipc://$dir/opps.sock \
       DEALBOOK_FORECASTING_ENDPOINT=ipc://$dir/fc.sock DEALBOOK_MANAGERS=mgr \
       DEALBOOK_HEARTBEAT_MS=100 DEALBOOK_TIMEOUT_MS=3000
. "$(dirname "$0")/support/cli_lib.sh"
json() { /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert $1, d" "$dir/out"; }
err_has() { grep -q -- "$1" "$dir/err" || fail "wanted '$1' in: $(cat "$dir/err")"; }
out_has() { grep -q -- "$1" "$dir/out" || fail "wanted '$1' in: $(cat "$dir/out")"; }
narrow() { # every line of $dir/out at most 80 display columns
    /usr/bin/python3 -c "
import sys, unicodedata
w = lambda l: sum(2 if unicodedata.east_asian_width(c) in 'WF' else 1 for c in l)
bad = [l for l in open(sys.argv[1], encoding='utf-8').read().splitlines() if w(l) > 80]
assert not bad, bad" "$dir/out" || fail "$1 wider than 80 columns"
}
# the forecasting read model follows the log: wait until it applied the head
settle() {
    for _ in $(seq 1 200); do
        db status --services eventlog,forecasting --json >"$dir/st" 2>/dev/null || true
        /usr/bin/python3 -c "
import json,sys
r={x['service']:x for x in json.load(open(sys.argv[1]))}
sys.exit(0 if r['forecasting'].get('seq_applied',-1) >= r['eventlog'].get('head',1<<62) else 1)" \
            "$dir/st" 2>/dev/null && return 0
        sleep 0.05
    done
    fail "forecasting did not catch up: $(cat "$dir/st")"
}
today=$(date -u +%F)
yesterday=$(date -u -d yesterday +%F)
year=$(date -u +%Y)
P=$((year + 1))

for s in eventlog contacts opportunities forecasting; do
    "$BIN/dealbook-$s" 2>"$dir/$s.err" &
    pids="$! $pids"
done
for _ in $(seq 1 100); do db log status >/dev/null 2>&1 && break; sleep 0.05; done
for _ in $(seq 1 100); do db competitor list >/dev/null 2>&1 && break; sleep 0.05; done
for _ in $(seq 1 100); do db opp list >/dev/null 2>&1 && break; sleep 0.05; done
for _ in $(seq 1 100); do db funnel >/dev/null 2>&1 && break; sleep 0.05; done

expect_rc 0 db help funnel
for v in funnel 'forecast --period' 'forecast submit' 'forecast adjust' 'forecast show' \
         'quota set' 'quota show' accuracy progress health winloss changes; do
    out_has "  $v"
done
out_has 'MINOR units' && out_has 'MAJOR units'
expect_rc 0 db help
out_has '  funnel ' && out_has '  quota '

# the customer, its people (contacts service), then the deals
expect_rc 0 db account add '地铁九号线' --type owner --id a1
expect_rc 0 db contact add 王工 --account a1 --id c1
expect_rc 0 db contact add 李主任 --account a1 --id c2
expect_rc 0 db competitor add Philips --id k-ph
for _ in $(seq 1 50); do db opp register probe --account a1 --owner probe --currency CNY \
    --close "$P-12-31" --id probe >/dev/null 2>&1 && break; sleep 0.1; done
expect_rc 0 db opp abandon probe --reason 'wait probe' --date "$today" --actor probe
reg() { # reg ID AMOUNT CLOSE NAME
    expect_rc 0 db opp register "$4" --account a1 --owner zhao --team east --region 华南 \
        --currency CNY --close "$3" --amount "$2" --id "$1"
}
reg o1 100000000 "$P-03-31" '一号线 站台门'
reg o2 200000000 "$P-06-30" '二号线 电梯'
reg o3 300000000 "$P-09-30" '三号线 扶梯'
reg o4 400000000 "$P-11-30" '四号线 车辆段'
# o2 to L2: a need and a decision maker
expect_rc 0 db opp need add o2 --kind organisational --text '节能'
expect_rc 0 db opp stakeholder add o2 c1 --role decision_maker --attitude 1
expect_rc 0 db opp level o2 L2
expect_rc 0 db opp category o2 commit --actor zhao
# o4 to L3: L2, then qualified
expect_rc 0 db opp need add o4 --kind organisational --text 'low noise'
expect_rc 0 db opp stakeholder add o4 c2 --role decision_maker
expect_rc 0 db opp level o4 L2
expect_rc 0 db opp qualify o4 --real-project 5:budget --our-opportunity 4:spec --can-win 3:coach \
    --worth-winning 4:margin --decision pursue --reason 'worth it'
expect_rc 0 db opp level o4 L3
# o3 lost to a competitor
expect_rc 0 db opp lose o3 --reason price --date "$today" --winner Philips --actor zhao

# quotas: managers only
expect_rc 2 db quota set --owner zhao --period "$P" --amount 500000000 --currency CNY --actor zhao
err_has 'REJECTED: actor'
expect_rc 0 db quota set --owner zhao --period "$P" --amount 500000000 --currency CNY --actor mgr
out_has "quota of owner zhao for $P set: CNY 5,000,000.00"
# the minor unit as ISO 4217 has it: 3 decimals for KWD, none for VND
expect_rc 0 db quota set --owner kwd.sales --period "$P" --amount 1234567 --currency KWD --actor mgr
out_has "set: KWD 1,234.567"
expect_rc 0 db quota set --owner vnd.sales --period "$P" --amount 1234567 --currency VND --actor mgr
out_has "set: VND 1,234,567$"
# its currency changes only when the manager says so, and the event keeps
# the one it replaced
expect_rc 2 db quota set --owner vnd.sales --period "$P" --amount 5000 --currency USD --actor mgr
err_has "REJECTED: currency: the owner quota of vnd.sales for $P is in VND"
expect_rc 0 db quota set --owner vnd.sales --period "$P" --amount 5000 --currency USD --force \
    --actor mgr
out_has "set: USD 50.00"
expect_rc 0 db log read --stream "quota-$P.owner.vnd.sales"
grep '"currency":"USD"' "$dir/out" | grep -q '"from_currency":"VND"' ||
    fail "quota currency change: $(cat "$dir/out")"
expect_rc 1 db quota set --period "$P" --amount 1 --currency CNY --actor mgr
err_has 'give one of --owner O or --team T'
expect_rc 2 db quota set --owner zhao --period "$P" --amount lots --currency CNY --actor mgr
err_has 'INVALID: amount'
expect_rc 1 db quota frobnicate
# the owner's forecast
expect_rc 0 db forecast submit --owner zhao --period "$P" --currency CNY --commit 200000000 \
    --best-case 300000000 --pipeline 700000000 --actor zhao
out_has "forecast of zhao for $P submitted"
expect_rc 2 db forecast submit --owner zhao --period "$P" --currency CNY --commit 300000000 \
    --best-case 200000000 --pipeline 700000000 --actor zhao
err_has 'INVALID: best_case'
# the figures nest: a pipeline below the best case is refused, given or kept
expect_rc 2 db forecast submit --owner zhao --period "$P" --currency CNY --commit 100 \
    --best-case 200 --pipeline 150 --actor zhao
err_has 'INVALID: pipeline'
expect_rc 2 db forecast adjust --owner zhao --period "$P" --commit 200000000 \
    --best-case 800000000 --note x --actor mgr
err_has 'INVALID: pipeline'
expect_rc 2 db forecast adjust --owner zhao --period "$P" --commit 1 --best-case 2 --note x \
    --actor zhao
err_has 'REJECTED: actor'
expect_rc 0 db forecast adjust --owner zhao --period "$P" --commit 250000000 \
    --best-case 350000000 --note 'o4 looks good' --actor mgr
out_has 'adjusted'
settle

# the funnel by hand: o1 L1 100M (weighted 10M), o2 L2 200M (50M), o4 L3
# 400M (200M); o3 lost 300M; the probe abandoned; minor units on the wire
expect_rc 0 db funnel --owner zhao --json
json 'd["currency"]=="CNY" and d["as_of"] is None'
json '[(l["level"],l["count"],l["amount"],l["weighted"]) for l in d["levels"]]==[("L1",1,100000000,10000000),("L2",1,200000000,50000000),("L3",1,400000000,200000000),("L4",0,0,0),("L5",0,0,0)]'
json 'd["open"]=={"count":3,"amount":700000000,"weighted":260000000}'
json 'd["commit"]["amount"]==200000000 and d["lost"]=={"count":1,"amount":300000000,"weighted":0}'
expect_rc 0 db funnel --owner zhao
cp "$dir/out" "$dir/funnel.txt"
out_has '^FUNNEL  owner zhao'
out_has 'CNY major units'
out_has '^L3 50%  *█████* .* 1  *4,000,000.00  *2,000,000.00$'
out_has '^L1 10%  *███*[▏▎▍▌▋▊▉]* .* 1  *1,000,000.00  *100,000.00$'
out_has '^open  .* 3  *7,000,000.00  *2,600,000.00$'
out_has '^lost  .* 1  *3,000,000.00  *0.00$'
narrow funnel
/usr/bin/python3 -c "
import sys
l=[x for x in open(sys.argv[1], encoding='utf-8').read().splitlines() if x.startswith('L')]
bars=[x.count('█') for x in l]
assert bars[2] > bars[1] > bars[0] and bars[3] == bars[4] == 0, bars
cols=set(len(x) for x in l)
assert len(cols)==1, cols  # the figures are aligned" "$dir/out" || fail "funnel bars"
expect_rc 0 db funnel --team east --region 华南 --period "$P" --json
json 'd["open"]["count"]==3'
expect_rc 0 db funnel --period "$P-Q1" --json
json 'd["open"]["count"]==1 and d["levels"][0]["count"]==1'

# as of yesterday nothing existed
expect_rc 0 db funnel --owner zhao --as-of "$yesterday" --json
json 'd["open"]["count"]==0 and d["as_of"]=="'"$yesterday"'"'
expect_rc 0 db funnel --owner zhao --as-of "$yesterday"
out_has '(no open deals)'
out_has "as of the end of $yesterday"
narrow 'empty funnel'

# the kept book: keep-book writes it, --as-of today goes on from it, --full
# replays from seq 1, and both answer what the read model answers now
today=$(date -u +%F)
expect_rc 0 db forecast keep-book
out_has 'as-of book kept at seq'
expect_rc 0 db forecast keep-book --json
json 'd["written"] is False and d["replayed"] == 0'
expect_rc 0 db funnel --owner zhao --json
cp "$dir/out" "$dir/now.json"
for how in "" --full; do
    expect_rc 0 db funnel --owner zhao --as-of "$today" $how --json
    /usr/bin/python3 -c "
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
for d in (a, b): d.pop('as_of'); d.pop('rid', None)
assert a == b, (a, b)" "$dir/out" "$dir/now.json" || fail "funnel --as-of today $how differs from now"
done
expect_rc 0 db status --services forecasting --json
json 'd[0]["as_of"]["from_book"] == 1 and d[0]["as_of"]["replays"] == 4'
expect_rc 1 db forecast keep-book now

# the outlook against the quota: coverage = 700M / 500M
expect_rc 0 db forecast --owner zhao --period "$P"
out_has "^FORECAST $P"
out_has '^quota  .*5,000,000.00$'
out_has '^coverage  *140.0% (1.40x'
out_has '^attainment  *0.0%'
narrow forecast
expect_rc 0 db forecast --owner zhao --period "$P" --json
json '(d["pipeline"],d["weighted"],d["commit"],d["quota"],d["won"],d["coverage_pm"],d["has_quota"])==(700000000,260000000,200000000,500000000,0,1400,True)'
expect_rc 0 db forecast show --owner zhao --period "$P"
out_has '^submitted  *2,000,000.00  *3,000,000.00  *7,000,000.00'
out_has '^adjusted (manager)  *2,500,000.00'
# next year has not begun: nothing is frozen yet, and show does not say so
! grep -q '^frozen' "$dir/out" || fail "a freeze before the period began: $(cat "$dir/out")"
out_has '^not frozen yet: the period has not begun'
expect_rc 0 db forecast show --owner zhao --period "$P" --json
json 'd["begun"] is False and d["frozen"] is None and d["frozen_adjusted"] is None'
json 'd["submitted"]["commit"]==200000000 and d["adjusted"]["commit"]==250000000'
expect_rc 0 db quota show --owner zhao --period "$P"
out_has "quota of owner zhao for $P: CNY 5,000,000.00"
expect_rc 2 db quota show --team west --period "$P"
err_has 'NOT_FOUND: period'

# accuracy: next year has not begun, so it has no accuracy yet (not 0%)
expect_rc 0 db accuracy --owner zhao --period "$P" --periods 3
out_has '^FORECAST ACCURACY of zhao'
out_has "^$P  *n/a (the period has not begun)$"
! grep -q "^$P .*%" "$dir/out" || fail "an accuracy before the period began: $(cat "$dir/out")"
narrow accuracy
expect_rc 0 db accuracy --owner zhao --period "$P" --periods 3 --json
json '[p["period"] for p in d["periods"]]==["'$((P - 2))'","'$((P - 1))'","'$P'"]'
json '[p["begun"] for p in d["periods"]]==[True,True,False]'
json '(lambda p: (p["has_forecast"],p["forecast"],p["forecast_ratio_pm"],p["forecast_accuracy_pm"],p["has_snapshot"]))(d["periods"][2])==(False,0,-1,-1,False)'
# this year has begun: a forecast dated before it (appended as if submitted
# last December) was frozen at its start and is measured, won so far: 0.0%
expect_rc 0 db log append "forecast-$year.zhao" forecast.submitted \
    '{"owner":"zhao","period":"'"$year"'","currency":"CNY","commit":100000000,"best_case":100000000,"pipeline":100000000,"late":false,"on":"'"$((year - 1))"'-12-01"}'
settle
expect_rc 0 db accuracy --owner zhao --period "$year"
out_has "^$year  *forecast .* 0.0% .* 1,000,000.00$"
out_has 'the period is not over'
expect_rc 0 db accuracy --owner zhao --period "$year" --json
json '(lambda p: (p["begun"],p["has_forecast"],p["forecast"],p["forecast_accuracy_pm"]))(d["periods"][0])==(True,True,100000000,0)'
expect_rc 0 db forecast show --owner zhao --period "$year"
out_has '^frozen at the start  *1,000,000.00'
! grep -q '^not frozen yet' "$dir/out" || fail "this year: $(cat "$dir/out")"
expect_rc 1 db accuracy --owner zhao
err_has '--period is required'

# progress, health, win/loss, changes
expect_rc 0 db progress --owner zhao
out_has '^PROGRESS  owner zhao'
out_has '^L1  *4 '
out_has 'deals 4, won 0, lost or abandoned 1, win rate 0.0%'
narrow progress
expect_rc 0 db progress --owner zhao --json
json 'd["deals"]==4 and d["lost"]==1 and d["levels"][0]["reached"]==4 and d["levels"][2]["reached"]==1'
expect_rc 0 db health --owner zhao
out_has '^FUNNEL HEALTH  owner zhao'
out_has '\[✗\] balanced'
out_has 'deals per level: L1 1 L2 1 L3 1 L4 0 L5 0'
expect_rc 0 db health --owner zhao --json
json 'd["open"]==3 and d["level_count"]==[1,1,1,0,0] and d["balanced"] is False'
expect_rc 0 db winloss --by competitor
out_has '^WIN/LOSS by competitor'
out_has '^Philips (k-ph)  *0  *1  *0  *0.0%  *0.00  *3,000,000.00$'
narrow winloss
expect_rc 0 db winloss --by competitor --owner zhao --json
json '[(r["key"],r["competitor_id"],r["lost"],r["lost_amount"]) for r in d["rows"]]==[("Philips","k-ph",1,300000000)]'
expect_rc 0 db changes --from "$((year - 1))-01-01" --to "$today" --owner zhao
out_has '^zhao  *4  *3  *0  *0  *1  *10,000,000.00  *0.00  *10,000,000.00$'
out_has "^CHANGES $((year - 1))-01-01 to $today, both included"
narrow changes
expect_rc 0 db changes --from "$((year - 1))-01-01" --to "$today" --json
json '[(r["owner"],r["added"],r["advanced"],r["lost"]) for r in d["owners"]]==[("probe",1,0,1),("zhao",4,3,1)]'

# bad inputs
expect_rc 2 db funnel --period 2027-13
err_has 'INVALID: period'
expect_rc 2 db forecast --period soon
err_has 'INVALID: period'
expect_rc 1 db forecast --owner zhao
err_has '--period is required'
expect_rc 1 db funnel --colour red
err_has 'unknown flag --colour'
expect_rc 1 db funnel now
expect_rc 1 db forecast frobnicate --period "$P"
expect_rc 2 db funnel --as-of 2026-02-30
err_has 'INVALID: as_of'
expect_rc 2 db winloss --by mood
err_has 'INVALID: by'
expect_rc 1 db changes --from 2026-01-01
expect_rc 1 db changes --from 2026-01-01 --to 2026-12-31 --period 2026   # the days are the period
err_has 'unknown flag --period'
expect_rc 2 db changes --from 2026-02-01 --to 2026-01-01
err_has 'INVALID'
expect_rc 4 db funnel --forecasting-endpoint "ipc://$dir/none.sock" --timeout-ms 300
err_has 'forecasting service is unreachable'

# what a person sees (kept in the log of the run)
cat "$dir/funnel.txt"
echo "forecasting cli: ok"
