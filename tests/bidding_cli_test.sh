#!/usr/bin/env bash
# dealbook tender / quote / contract / intel end to end: the CLI against real
# dealbook-eventlog, -contacts, -opportunities and -bidding processes (ipc
# endpoints in a temp dir). A whole tender (steps in order, the bid / no-bid
# decision, parts, bond, a quote approved at the level its discount needs,
# submission, opening, award), the award closing the deal in the
# opportunities service, a contract with milestones, invoices, payments and
# receivables, price intelligence, win rate and deadlines. Exit codes: 0 done,
# 1 usage, 2 rejected / not found / invalid, 3 duplicate, 4 unreachable.
set -euo pipefail
BIN=${DBK_BIN_DIR:?}
dir=$(mktemp -d /tmp/dbk-bid-cli-XXXXXX)
log_pid= svc_pid= opp_pid= bid_pid=
cleanup() {
    for p in $bid_pid $opp_pid $svc_pid $log_pid; do
        kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
    done
    rm -rf "$dir"
}
trap cleanup EXIT
export DEALBOOK_DATA_DIR=$dir DEALBOOK_LOG_ENDPOINT=ipc://$dir/log.sock \
       DEALBOOK_PUB_ENDPOINT=ipc://$dir/pub.sock DEALBOOK_CONTACTS_ENDPOINT=ipc://$dir/contacts.sock \
       DEALBOOK_OPPORTUNITIES_ENDPOINT=ipc://$dir/opps.sock \
       DEALBOOK_BIDDING_ENDPOINT=ipc://$dir/bidding.sock \
       DEALBOOK_MANAGERS=mgr DEALBOOK_DIRECTORS=dir \
       DEALBOOK_HEARTBEAT_MS=100 DEALBOOK_TIMEOUT_MS=3000 USER=zhao
. "$(dirname "$0")/support/cli_lib.sh"
json() { /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert $1, d" "$dir/out"; }
err_has() { grep -q -- "$1" "$dir/err" || fail "wanted '$1' in: $(cat "$dir/err")"; }
out_has() { grep -q -- "$1" "$dir/out" || fail "wanted '$1' in: $(cat "$dir/out")"; }
narrow() { # every line of the output fits 80 columns
    /usr/bin/python3 -c "
import sys, unicodedata
for l in open(sys.argv[1], encoding='utf-8'):
    w = sum(2 if unicodedata.east_asian_width(c) in 'WF' else 1 for c in l.rstrip('\n'))
    assert w <= 80, (w, l)" "$dir/out" || fail "wider than 80 columns: $(cat "$dir/out")"
}

"$BIN/dealbook-eventlog" 2>"$dir/log.err" &
log_pid=$!
"$BIN/dealbook-contacts" 2>"$dir/contacts.err" &
svc_pid=$!
"$BIN/dealbook-opportunities" 2>"$dir/opps.err" &
opp_pid=$!
"$BIN/dealbook-bidding" 2>"$dir/bidding.err" &
bid_pid=$!
for _ in $(seq 1 100); do db log status >/dev/null 2>&1 && break; done
for _ in $(seq 1 100); do db competitor list >/dev/null 2>&1 && break; done
for _ in $(seq 1 100); do db opp list >/dev/null 2>&1 && break; done
for _ in $(seq 1 100); do db quote pending >/dev/null 2>&1 && break; done
db quote pending >/dev/null || fail "bidding service did not start"

# help: every verb of every noun
expect_rc 0 db help tender
for v in open show list dates step clarify answer bond bond-return decide part part-status \
         submit opening award deadlines intel winrate history; do
    out_has "  $v "
done
expect_rc 0 db help quote
for v in create 'line add' 'line change' 'line remove' submit approve reject changes show \
         pending history; do
    out_has "  $v "
done
expect_rc 0 db help contract
for v in sign show invoice payment receivables history; do out_has "  $v "; done
expect_rc 0 db help intel
out_has '  price ' && out_has '  winrate '
expect_rc 0 db help
out_has '  tender ' && out_has '  quote ' && out_has '  contract ' && out_has '  intel '
expect_rc 1 db tender
expect_rc 1 db tender frobnicate
expect_rc 1 db tender step t1
expect_rc 1 db tender opening t1

# the customer and the deal (contacts and opportunities services), registered
# stating its own past --on: its tender's history is dated early in 2026, and
# nothing on a deal is dated before its registration
expect_rc 0 db account add 'Shenzhen Metro' --type owner --id a1
for _ in $(seq 1 50); do db opp register 'Line 16 lighting' --account a1 --owner zhao \
    --currency CNY --close 2099-06-30 --amount 900000000 --id o1 --on 2026-01-02 \
    >/dev/null 2>&1 && break
    sleep 0.1; done
db opp show o1 >/dev/null || fail "no deal"

# a tender, its steps in order (the bidding service learns the deal from the log)
expect_rc 2 db tender open nosuch --number N --issuer I --type public --currency CNY
err_has 'NOT_FOUND: opportunity_id'
for _ in $(seq 1 50); do db tender open o1 --number SZMC-2099-016 --issuer 深圳地铁招标中心 \
    --type public --currency CNY --bond-required 1000000 --title 'Line 16 LED lighting' \
    --submission-deadline 2099-03-01 --opening-date 2099-03-02 --id t1 >/dev/null 2>&1 && break
    sleep 0.1; done
expect_rc 3 db tender open o1 --number SZMC-2099-016 --issuer X --type public --currency CNY \
    --id t1
expect_rc 0 db tender list --opp o1 --json
json '[t["id"] for t in d["tenders"]]==["t1"]'
expect_rc 2 db tender step t1 site_visit
err_has 'REJECTED: step'
# the facts of this tender happened early in 2026, each after the one the
# procedure puts before it: the award (2026-03-20) follows the opening
expect_rc 0 db tender step t1 documents_issued --date 2026-01-10
out_has 'tender t1 step reached'
expect_rc 0 db tender dates t1 --clarification-deadline 2099-02-10
out_has 'tender t1 dates set'
expect_rc 0 db tender deadlines --days 366 --as-of 2099-01-01 --owner zhao
out_has '^59 .*2099-03-01 .*t1 '
expect_rc 0 db tender deadlines --days 366 --as-of 2099-01-01 --json
json '[(t["id"], t["days_left"]) for t in d["tenders"]]==[("t1", 59)]'
expect_rc 0 db tender clarify t1 'Is a sample required?' --on 2026-01-15
out_has 'tender t1 question asked'
# an answer records what happened: not dated after its business date
expect_rc 2 db tender answer t1 1 'No sample needed' --date 2099-01-20 --on 2026-01-21
err_has 'INVALID: date: date (2099-01-20) cannot be after on (2026-01-21)'
expect_rc 0 db tender answer t1 1 'No sample needed' --date 2026-01-20 --on 2026-01-21
out_has 'tender t1 answer recorded'
# the answer's own date, and the business date the command states (--on)
expect_rc 0 db log read --stream tender-t1
grep '"type":"tender.clarification_answered"' "$dir/out" | grep '"date":"2026-01-20"' |
    grep -q '"on":"2026-01-21"' || fail "answer --date / --on: $(cat "$dir/out")"
expect_rc 2 db tender step t1 evaluation --on 2099-02-30
err_has 'INVALID: on'
# a day to come is not a business date a command may state
expect_rc 2 db tender step t1 evaluation --on 2099-02-01
err_has 'INVALID: on: on must not be later than today'
expect_rc 1 db quote show q1 --on 2099-01-01
err_has 'quote show: unknown flag --on'
expect_rc 2 db tender answer t1 x 'bad number'
expect_rc 0 db tender decide t1 bid --reason 'strategic line'
out_has 'tender t1 decided'
for part in commercial technical price; do
    expect_rc 0 db tender part t1 $part --owner zhao --due 2099-02-20
done
expect_rc 2 db tender part t1 lunch --owner zhao
expect_rc 0 db tender bond t1 1000000 --form 'bank guarantee' --date 2026-02-20
out_has 'tender t1 bond issued'

# the quote: a 15% discount needs a manager
expect_rc 0 db quote create t1 --currency CNY --title 'LED tubes' --id q1
[ "$(cat "$dir/out")" = "quote q1" ] || fail "quote create: $(cat "$dir/out")"
expect_rc 0 db quote line add q1 --product LED-T8-18W --qty 20000 --list-price 5000 \
    --discount 15 --cost 2800 --description 'LED tube'
out_has 'quote q1 line added'
expect_rc 1 db quote line add q1 --product X --qty 1 --list-price 1 --discount 101
expect_rc 0 db quote line add q1 --product EXTRA --qty 1 --list-price 100
expect_rc 0 db quote line change q1 2 --qty 3
expect_rc 2 db quote line change q1 9 --qty 3
err_has 'quote q1 has no line 9'
expect_rc 0 db quote show q1 --json
json '[(l["line"], l["product_code"], l["quantity"]) for l in d["lines"]]==[(1,"LED-T8-18W",20000),(2,"EXTRA",3)]'
expect_rc 0 db quote line remove q1 2
out_has 'quote q1 line removed'
expect_rc 0 db quote submit q1 --note 'please approve'
out_has 'quote q1 submitted for approval'
expect_rc 0 db quote pending --level manager
out_has '^q1 .*t1 .*15.00 .*manager'
expect_rc 0 db quote pending --json
json '[q["id"] for q in d["quotes"]]==["q1"]'
expect_rc 2 db quote approve q1
err_has 'REJECTED: actor'
expect_rc 0 db quote approve q1 --actor mgr --note ok
out_has 'quote q1 approved'
expect_rc 0 db quote pending
out_has 'no quote awaiting approval'
expect_rc 0 db quote show q1
for h in LINE PRODUCT QTY LIST 'DISC %' UNIT AMOUNT; do out_has "$h"; done
out_has '^LINES (money in minor units)$'
out_has '^1 .*LED-T8-18W .*20000 .*5000 .*15.00 .*4250 .*85000000'
out_has 'total  *85000000' && out_has 'margin  *29000000' && out_has 'approver  *mgr'
out_has 'approval level needed  *manager'
narrow
expect_rc 0 db quote show q1 --json
json 'd["status"]=="approved" and d["totals"]["total"]==85000000 and d["totals"]["margin"]==29000000'

# submission: refused while parts are not ready
expect_rc 2 db tender submit t1 q1
err_has 'REJECTED: parts'
for part in commercial technical price; do
    expect_rc 0 db tender part-status t1 $part ready
done
out_has 'tender t1 part status set'
# not before the bond that goes in with it
expect_rc 2 db tender submit t1 q1 --date 2026-02-19
err_has 'INVALID: date: date (2026-02-19) cannot be before the issue of the bond'
expect_rc 0 db tender submit t1 q1 --date 2026-03-01
out_has 'tender t1 submitted'
# the quote the bid went in with is frozen from the submission on
expect_rc 2 db quote line add q1 --product EXTRA --qty 1 --list-price 100
err_has 'REJECTED: id: quote q1 was submitted in the bid of tender t1 on 2026-03-01'
expect_rc 0 db quote show q1 --json
json 'd["status"]=="approved" and d["revision"]==4'
expect_rc 0 db tender deadlines --days 366 --as-of 2099-01-01
out_has 'no submission deadline'
# a price that is not a number is refused as every number of the CLI is
expect_rc 2 db tender opening t1 --bidder 'Philips:x:1'
err_has "INVALID: price: --bidder 'Philips:x:1': price 'x'"
expect_rc 2 db tender opening t1 --bidder 'Philips:+1:1'
expect_rc 1 db tender opening t1 --bidder 'Philips:1:1:them'
# "bid result" is the opening read out, under the issue's name
expect_rc 0 db bid result t1 --bidder 'Philips:82000000:1' --bidder 'us:85000000:2:us' \
    --bidder 'OPPLE:90000000:3' --date 2026-03-02
out_has 'tender t1 opening recorded'
expect_rc 1 db tender award t1 won --reason x
err_has 'date is required'
expect_rc 2 db tender award t1 tied --date 2026-03-20
err_has 'INVALID: result'
# a contract follows the won award
expect_rc 2 db contract sign --number HT-0 --opp o1 --tender t1 --buyer a1 --seller S --scope S \
    --amount 100 --currency CNY --signed-on 2026-04-01 --milestone advance:100:2026-05-01
err_has 'REJECTED: tender_id'
expect_rc 2 db tender award t1 won --date 2099-03-20 --reason 'best technical score'
err_has 'INVALID: date'
expect_rc 2 db tender award t1 won --date 2026-03-01 --reason 'best technical score'
err_has 'INVALID: date: date (2026-03-01) cannot be before the opening (2026-03-02)'
expect_rc 0 db tender award t1 won --date 2026-03-20 --reason 'best technical score'
out_has 'tender t1 awarded'
expect_rc 0 db bid show t1
for h in 'KEY DATES' PART OWNER DUE STATUS CLARIFICATIONS 'BID BOND' BIDDER PRICE RANK US \
         'RESULT: won' TIMELINE EVENT; do
    out_has "$h"
done
out_has '^commercial  *zhao  *2099-02-20  *ready'
out_has '^us  *85000000  *2  *yes'
out_has ' awarded  *step=award result=won'
out_has 'Q: Is a sample required?' && out_has 'A: No sample needed'
narrow
expect_rc 0 db tender show t1 --json
json 'd["result"]=="won" and d["quote"]["id"]=="q1" and len(d["timeline"])>=10'
expect_rc 2 db tender show nosuch
err_has 'NOT_FOUND'

# the award closes the deal, through the opportunities service
for _ in $(seq 1 50); do
    db opp show o1 --json >"$dir/out" 2>/dev/null
    grep -q '"status":"won"' "$dir/out" && break
    sleep 0.1
done
expect_rc 0 db opp show o1
out_has 'OUTCOME: won 85000000 .*, best technical score$'

# the contract and its money
expect_rc 1 db contract sign --number HT-2099-016 --opp o1 --buyer a1 --seller S --scope S \
    --amount 1 --currency CNY --signed-on 2026-04-01
err_has 'missing --milestone'
# another amount than the award's (85000000) is a typo unless it says why
expect_rc 2 db contract sign --number HT-2099-016 --opp o1 --tender t1 --buyer a1 --seller S \
    --scope S --amount 100 --currency CNY --signed-on 2026-04-01 --milestone advance:100:2026-05-01
err_has 'REJECTED: amount: amount 100 is not the 85000000 of the award of tender t1'
expect_rc 0 db contract sign --number HT-2099-016 --opp o1 --tender t1 --buyer a1 \
    --seller 'Bright Lighting Co.' --scope 'LED lighting, line 16' --amount 85000000 \
    --currency CNY --signed-on 2026-04-01 --delivery-date 2026-06-01 \
    --warranty-end 2028-06-01 --payment-days 30 --milestone advance:25500000:2026-04-10 \
    --milestone delivery:51000000:2026-06-01 --milestone retention:8500000 --id c1
[ "$(cat "$dir/out")" = "contract c1" ] || fail "sign: $(cat "$dir/out")"
# a contract number is one contract's, however it is typed
expect_rc 3 db contract sign --number 'ht-2099-016' --opp o1 --tender t1 --buyer a1 --seller S \
    --scope S --amount 85000000 --currency CNY --signed-on 2026-04-01 \
    --milestone advance:85000000:2026-04-10 --id c9
err_has 'DUPLICATE: number: contract number ht-2099-016 is contract c1'"'"'s already'
# without a tender, once the bidding service applied the deal's win: its
# amount (85000000, won through t1's award) is compared as an award's
for _ in $(seq 1 50); do db contract sign --number HT-2 --opp o1 --buyer a1 --seller S --scope S \
    --amount 100 --currency CNY --signed-on 2026-04-01 --id c2 \
    --amount-reason 'spare lamps ordered apart' \
    --milestones-json '[{"kind":"advance","amount":100,"due":"2026-05-01"}]' \
    >/dev/null 2>&1 && break; sleep 0.1; done
expect_rc 0 db contract show c2
out_has '^award amount  *85000000$'
expect_rc 2 db contract sign --number HT-4 --opp o1 --buyer a1 --seller S --scope S \
    --amount 100 --currency CNY --signed-on 2026-04-01 --milestone advance:100:2026-05-01
err_has 'REJECTED: amount: amount 100 is not the 85000000 of the win of opportunity o1'
expect_rc 2 db contract sign --number HT-4 --opp o1 --buyer a1 --seller S --scope S \
    --amount 85000000 --currency CNY --signed-on 2026-03-19 \
    --milestone advance:85000000:2026-05-01
err_has 'INVALID: signed_on: signed_on (2026-03-19) cannot be before the win of opportunity o1 (2026-03-20)'
expect_rc 2 db contract sign --number HT-3 --opp o1 --buyer a1 --seller S --scope S \
    --amount 100 --currency CNY --signed-on 2026-04-01 --milestone advance:99:2026-05-01
err_has 'INVALID: milestones'
# a milestone falls due once the contract is signed: 1900 is a typing error
expect_rc 2 db contract sign --number HT-3 --opp o1 --buyer a1 --seller S --scope S \
    --amount 100 --currency CNY --signed-on 2026-04-01 --milestone advance:100:1900-01-01
err_has 'INVALID: milestones: milestone 1 (advance) falls due on 1900-01-01, before signed_on (2026-04-01)'
# an invoice or a payment records what happened: never dated after its
# business date (--on, else today)
expect_rc 2 db contract invoice c1 INV-1 --milestone 1 --amount 25500000 --date 2099-04-10
err_has 'INVALID: date'
expect_rc 2 db contract payment c1 --milestone 1 --amount 1 --date 2026-04-20 --on 2026-04-19
err_has 'INVALID: date'
# nor before the contract was signed
expect_rc 2 db contract invoice c1 INV-0 --milestone 1 --amount 1 --date 2026-03-31
err_has 'cannot be before signed_on (2026-04-01)'
expect_rc 0 db contract invoice c1 INV-1 --milestone 1 --amount 25500000 --date 2026-04-10
out_has 'contract c1 invoiced'
expect_rc 3 db contract invoice c1 INV-1 --milestone 1 --amount 1
# --milestone repeats in sign (a list), not in invoice or payment
expect_rc 1 db contract invoice c1 INV-2 --milestone 1 --milestone 2 --amount 1
err_has 'contract invoice: --milestone given twice'
expect_rc 1 db contract payment c1 --milestone 1 --amount 1 --amount 2
err_has 'contract payment: --amount given twice'
expect_rc 0 db contract payment c1 --milestone 1 --amount 25500000 --invoice INV-1 \
    --date 2026-04-20
out_has 'contract c1 payment recorded'
expect_rc 2 db contract payment c1 --milestone 2 --amount 51000001
err_has 'REJECTED: amount'
expect_rc 0 db contract receivables --owner zhao --as-of 2026-08-01
for h in ID NUMBER AMOUNT PAID OUTSTANDING OVERDUE RETENTION; do out_has "$h"; done
out_has '^c1  *HT-2099-016  *CNY  *85000000  *25500000 '
out_has '^TOTAL  *CNY  *85000100  *25500000 '
out_has '^BY OWNER$'
out_has '^zhao  *CNY  *2  *85000100  *25500000 '
narrow
expect_rc 0 db contract receivables --owner zhao --as-of 2026-08-01 --json
json '[(c["id"], c["figures"]["paid"], c["figures"]["overdue"], c["figures"]["retention_held"]) for c in d["contracts"] if c["id"]=="c1"]==[("c1", 25500000, 51000000, 8500000)]'
json '[(o["owner"], o["currency"], o["contracts"], o["amount"], o["paid"]) for o in d["owners"]]==[("zhao", "CNY", 2, 85000100, 25500000)]'
json '[(t["currency"], t["contracts"], t["amount"], t["overdue"]) for t in d["totals"]]==[("CNY", 2, 85000100, sum(c["figures"]["overdue"] for c in d["contracts"]))]'
expect_rc 0 db contract show c1 --as-of 2026-08-01
for h in MILESTONES KIND DUE STATUS 'DAYS OVERDUE' INVOICES INV-1 TIMELINE; do out_has "$h"; done
out_has '^1  *advance  *25500000  *2026-04-10  *25500000  *0  *settled'
out_has '^2  *delivery .*overdue'
out_has '^3  *retention .*retained'
out_has 'seller  *Bright Lighting Co.'
narrow
expect_rc 0 db contract show c1 --as-of 2026-08-01 --json
json '[m["status"] for m in d["receivables"]["milestones"]]==["settled","overdue","retained"]'
expect_rc 2 db contract show nosuch
# negotiated after the award: the reason, and the award's amount beside it
expect_rc 0 db contract sign --number HT-2099-016-B --opp o1 --tender t1 --buyer a1 --seller S \
    --scope S --amount 80000000 --amount-reason 'spare lamps dropped' --currency CNY \
    --signed-on 2026-04-01 --milestone advance:80000000:2026-05-01 --id c3
expect_rc 0 db contract show c3
out_has '^award amount  *85000000$'
out_has '^amount reason  *spare lamps dropped$'

# intelligence
expect_rc 0 db intel price PHILIPS
out_has '^20[0-9-]* *t1 .*Philips .*82000000 .*1 .*85000000 .*2 .*965'
out_has 'openings 1, cheaper than us 1, average price 965‰ of ours'
expect_rc 0 db intel price philips --json
json 'd["summary"]=={"openings":1,"cheaper":1,"average_ratio_pm":965}'
expect_rc 0 db tender intel Philips --json
json 'd["summary"]["openings"]==1'
expect_rc 0 db intel winrate
out_has '^public  *1  *0  *100'
expect_rc 0 db tender winrate --json
json 'd["types"]==[{"type":"public","won":1,"lost":0,"rate_pct":100}]'

# after the award: the bond comes back; any other change is refused
expect_rc 2 db tender bond-return t1 --date 2099-03-25 --note 'released'
err_has 'INVALID: date'
expect_rc 0 db tender bond-return t1 --date 2026-03-25 --note 'released'
out_has 'tender t1 bond returned'
expect_rc 0 db tender step t1 contract --date 2026-04-01
expect_rc 2 db tender part-status t1 price in_progress
# the quote the bid went in with is its history now
expect_rc 2 db quote line change q1 1 --qty 1
err_has 'REJECTED: id: tender t1 was awarded (won)'

# a second tender, lost, and refused changes
expect_rc 0 db opp register 'Line 17 lighting' --account a1 --owner zhao --currency CNY \
    --close 2099-09-30 --id o2 --on 2026-01-02
for _ in $(seq 1 50); do db tender open o2 --number N2 --issuer I --type invited --currency CNY \
    --id t2 >/dev/null 2>&1 && break; sleep 0.1; done
expect_rc 2 db tender open o1 --number N3 --issuer I --type invited --currency CNY
err_has 'REJECTED: opportunity_id'
expect_rc 0 db tender decide t2 no_bid --reason 'not our product'
expect_rc 0 db quote create t2 --currency CNY --id q2
expect_rc 0 db quote line add q2 --product P --qty 1 --list-price 100 --discount-bp 500
expect_rc 0 db quote submit q2
expect_rc 0 db quote changes q2 --note 'another line'
out_has 'quote q2 changes requested'
# the same lines again: refused until one changes
expect_rc 2 db quote submit q2
err_has 'REJECTED: id: changes were requested'
expect_rc 0 db quote line add q2 --product Q --qty 1 --list-price 50
expect_rc 0 db quote submit q2
expect_rc 0 db quote reject q2 --reason 'no bid' --actor mgr
out_has 'quote q2 rejected'
# the same price again would only be rejected again: change it first
expect_rc 2 db quote submit q2
err_has 'REJECTED: id'
expect_rc 0 db quote line remove q2 1
expect_rc 0 db quote line add q2 --product P --qty 1 --list-price 100 --discount-bp 400
expect_rc 0 db quote submit q2
# the rejection was a verdict on the former lines: no approver shows now
expect_rc 0 db quote show q2
out_has 'status  *submitted$' && out_has 'approver  *-$'
# approval follows the discount the rounded unit price gives: 3 x 333 at 20%
# sells at 266 a unit, 20.12% off (20.13% rounded up), beyond a manager's 20%
expect_rc 0 db quote create t2 --currency CNY --id q3
expect_rc 0 db quote line add q3 --product P --qty 3 --list-price 333 --discount 20
expect_rc 0 db quote show q3
out_has 'EFF %' && out_has '^1 .*P .*3 .*333 .*20.00 .*266 .*20.13 .*798'
out_has 'deepest line 20.00%, effective 20.13%'
narrow
expect_rc 0 db quote submit q3
expect_rc 0 db quote pending --level director
out_has '^q3 .*t2 .*798 .*20.00 .*20.13 .*director'
expect_rc 2 db quote approve q3 --actor mgr
err_has 'an effective discount of 20.13% needs the approval of a director or above; mgr is manager'
expect_rc 0 db quote show q3 --json
json 'd["max_effective_discount_bp"]==2013 and d["max_discount_bp"]==2000 and d["required_level"]=="director" and [l["effective_discount_bp"] for l in d["lines"]]==[2013] and d["totals"]["max_effective_discount_bp"]==2013'
expect_rc 0 db quote approve q3 --actor dir
# the deal abandoned: its tender and its quote take no new work until it is
# reopened; the quote waiting for approval may still be rejected
expect_rc 0 db opp abandon o2 --reason 'project shelved' --actor zhao
expect_rc 2 db tender step t2 documents_issued
err_has 'REJECTED: id: opportunity o2 of tender t2 is closed'
expect_rc 2 db quote approve q2 --actor mgr
err_has 'REJECTED: id: opportunity o2 of tender t2 is closed'
expect_rc 0 db quote reject q2 --reason 'project shelved' --actor mgr
expect_rc 0 db opp reopen o2 --reason 'budget back' --actor zhao
expect_rc 0 db tender step t2 documents_issued

# history, from the log
expect_rc 0 db tender history t1
out_has 'tender.opened' && out_has 'tender.awarded'
expect_rc 0 db quote history q1
out_has 'quote.approved'
expect_rc 0 db contract history c1
out_has 'contract.signed'

# unreachable
expect_rc 4 db tender list --bidding-endpoint ipc://$dir/none.sock --timeout-ms 300
err_has 'bidding service is unreachable'

# what a person sees (kept in the log of the run)
db tender show t1 >"$dir/out"
cat "$dir/out"
out_has 'step reached    2026-04-01'
out_has 'prices read out 2026-03-02'
db quote show q1
db contract show c1 --as-of 2026-08-01
db contract receivables --as-of 2026-08-01
echo "bidding cli: ok"
