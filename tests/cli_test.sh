#!/usr/bin/env bash
# The dealbook CLI end to end against a real event log: output, exit codes
# (0 done, 1 usage, 2 rejected, 3 conflict, 4 unreachable) and error lines.
set -euo pipefail
BIN=${DBK_BIN_DIR:?}
dir=$(mktemp -d /tmp/dbk-cli-XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
export DEALBOOK_DATA_DIR=$dir DEALBOOK_LOG_ENDPOINT=ipc://$dir/log.sock \
       DEALBOOK_PUB_ENDPOINT=ipc://$dir/pub.sock DEALBOOK_HEARTBEAT_MS=100 DEALBOOK_TIMEOUT_MS=3000
"$BIN/dealbook-eventlog" 2>"$dir/log.err" &
pid=$!
. "$(dirname "$0")/support/cli_lib.sh"
# wait for the log (no fixed sleep: retry STATUS until it answers)
for _ in $(seq 1 100); do db log status >/dev/null 2>&1 && break; done
db log status >/dev/null || fail "log did not start"

expect_rc 0 db log append account-1 account.registered '{"name":"上海建工集团","type":"general_contractor"}' --expect none
grep -q '"seq":1' "$dir/out" && grep -q '"ver":1' "$dir/out" || fail "append output: $(cat "$dir/out")"
expect_rc 3 db log append account-1 account.registered '{"name":"again"}' --expect none
grep -q 'WRONG_EXPECTED_VERSION' "$dir/err" || fail "conflict message: $(cat "$dir/err")"
expect_rc 0 db log append account-1 account.renamed '{"name":"SCG"}' --expect 1 --at 2025-03-01
grep -q '"ver":2' "$dir/out" || fail "second append"
id=0193a3b4-0000-7000-8000-000000000001
expect_rc 0 db log append contact-9 contact.added '{"name":"王局长"}' --id $id
expect_rc 0 db log append contact-9 contact.added '{"name":"王局长"}' --id $id   # idempotent
grep -q '"seq":3' "$dir/out" || fail "idempotent re-append must answer the original seq"
expect_rc 2 db log append Bad-Stream account.registered '{}'
grep -q 'stream' "$dir/err" || fail "bad stream message"
expect_rc 2 db log append account-2 NotAType '{}'
expect_rc 2 db log append account-2 account.registered '[1,2]'
expect_rc 2 db log append account-2 account.registered '{"unterminated'
grep -q 'invalid JSON' "$dir/err" || fail "bad json message"
expect_rc 1 db log append account-2 account.registered
expect_rc 1 db log append account-2 account.registered '{}' --expect maybe
expect_rc 1 db log frobnicate
expect_rc 1 db nonsense
# a missing verb is one line on stderr; --help is the page on stdout, exit 0
expect_rc 1 db log
grep -q 'log: give a verb' "$dir/err" && [ ! -s "$dir/out" ] || fail "db log: $(cat "$dir/out" "$dir/err")"
expect_rc 1 db opp
[ "$(wc -l <"$dir/err")" -eq 1 ] && [ ! -s "$dir/out" ] || fail "db opp: $(cat "$dir/out" "$dir/err")"
expect_rc 0 db log --help
grep -q 'append STREAM TYPE JSON' "$dir/out" || fail "db log --help"
# a service down: the table says so, and stderr why the exit code is 4
expect_rc 4 db status --services eventlog,contacts --timeout-ms 300 \
    --contacts-endpoint "ipc://$dir/none.sock"
grep -q 'dealbook: contacts is unreachable at' "$dir/err" || fail "status: $(cat "$dir/err")"

expect_rc 0 db log read
[ "$(wc -l <"$dir/out")" -eq 3 ] || fail "read should print 3 events, got $(wc -l <"$dir/out")"
grep -q '"at":1740787200000' "$dir/out" || fail "--at 2025-03-01 must be 1740787200000 ms"
expect_rc 0 db log read --type contact.
[ "$(wc -l <"$dir/out")" -eq 1 ] || fail "type filter"
expect_rc 0 db log read --stream account-1 --from 2
[ "$(wc -l <"$dir/out")" -eq 1 ] && grep -q '"ver":2' "$dir/out" || fail "stream read"
expect_rc 0 db log read --from 2 --limit 1
[ "$(wc -l <"$dir/out")" -eq 1 ] && grep -q '"seq":2' "$dir/out" || fail "limit"
/usr/bin/python3 - "$dir/out" <<'PY'
import json, sys
ev = json.loads(open(sys.argv[1]).read())
for k in ("seq","id","stream","ver","type","ts","at","actor","corr","cause","schema","data","prev","hash"):
    assert k in ev, k
PY
# output that does not reach stdout (a full disk) fails the run, not exit 0
# with the lines lost: read, tail and export alike
for args in "log read" "export" "log tail --from 1 --limit 3"; do
    rc=0; db $args >/dev/full 2>"$dir/err" || rc=$?
    [ "$rc" -eq 5 ] && grep -q 'writing the output failed' "$dir/err" \
        || fail "$args to a full disk: exit $rc, $(cat "$dir/err")"
done
# a stream named without --stream, or a misspelt flag, is a usage error: it
# used to be ignored, and the whole log was printed
expect_rc 1 db log read account-1
grep -q "unexpected argument 'account-1'" "$dir/err" && [ ! -s "$dir/out" ] || fail "log read ARG: $(cat "$dir/err")"
expect_rc 1 db log read --strem account-1
grep -q 'unknown flag --strem' "$dir/err" || fail "log read --strem: $(cat "$dir/err")"
expect_rc 1 db log tail --stream account-1
grep -q 'unknown flag --stream' "$dir/err" || fail "log tail --stream: $(cat "$dir/err")"
expect_rc 1 db log tail --log nonsense
grep -q -- '--log nonsense: a ZeroMQ endpoint' "$dir/err" || fail "log tail on a bad endpoint: $(cat "$dir/err")"
# a port libzmq would take modulo 65536 (89548: 24012) is refused, naming the variable
DEALBOOK_LOG_ENDPOINT=tcp://127.0.0.1:89548 expect_rc 1 db log status
grep -q 'DEALBOOK_LOG_ENDPOINT=tcp://127.0.0.1:89548: .*a PORT from 1 to 65535' "$dir/err" ||
    fail "a port above 65535: $(cat "$dir/err")"
expect_rc 1 db log verify --from 2
expect_rc 1 db status --max_lag 5
grep -q 'unknown flag --max_lag' "$dir/err" || fail "status --max_lag: $(cat "$dir/err")"
expect_rc 1 db export --stream account-1
# a flag given twice, a verb's or a configuration flag: refused, naming it
expect_rc 1 db log read --type account. --type contact.
grep -q '^dealbook: log read: --type given twice$' "$dir/err" || fail "twice: $(cat "$dir/err")"
expect_rc 1 db log status --log "$DEALBOOK_LOG_ENDPOINT" --log ipc://nowhere
grep -q '^dealbook: --log given twice$' "$dir/err" || fail "config twice: $(cat "$dir/err")"
# two spellings of one setting are one flag given twice
expect_rc 1 db log status --log "$DEALBOOK_LOG_ENDPOINT" --log-endpoint ipc://nowhere
grep -q '^dealbook: --log and --log-endpoint given: both set DEALBOOK_LOG_ENDPOINT$' "$dir/err" ||
    fail "aliases twice: $(cat "$dir/err")"
expect_rc 1 db log append account-1 account.renamed '{"name":"x"}' --expect 2 --expect 3
grep -q 'log append: --expect given twice' "$dir/err" || fail "append twice: $(cat "$dir/err")"

expect_rc 0 db log status --json
grep -q '"head": *3' "$dir/out" || fail "status head: $(cat "$dir/out")"
expect_rc 0 db log verify
grep -q 'valid, 3 events' "$dir/out" || fail "verify output"
# the head hash, to note and compare later: verify, status and backup give
# the hash of the last event, as log read shows it
hash3=$(db log read --from 3 | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["hash"])')
grep -qx "log: valid, 3 events checked, head seq 3 hash $hash3" "$dir/out" || fail "verify hash: $(cat "$dir/out")"
expect_rc 0 db log status
grep -qE "^  head_hash +\"$hash3\"$" "$dir/out" || fail "status hash: $(cat "$dir/out")"
expect_rc 0 db log status --json
grep -q "\"head_hash\": *\"$hash3\"" "$dir/out" || fail "status json hash: $(cat "$dir/out")"
expect_rc 0 db log backup "$dir/backup"
grep -qx "backup in $dir/backup: valid, 3 events checked, head seq 3 hash $hash3" "$dir/out" ||
    fail "backup hash: $(cat "$dir/out")"
expect_rc 2 db log backup "$dir/backup"   # never overwrite a copy
[ -f "$dir/backup/data.mdb" ] || fail "backup file"

# tail: the last events, then live ones, exits after --limit
db log tail --from 1 --limit 5 >"$dir/tail" 2>"$dir/tail.err" &
tail_pid=$!
db log append account-3 account.registered '{"name":"live one"}' >/dev/null
db log append account-3 account.archived '{}' >/dev/null
wait $tail_pid || fail "tail exited non-zero: $(cat "$dir/tail.err")"
[ "$(wc -l <"$dir/tail")" -eq 5 ] || fail "tail printed $(wc -l <"$dir/tail") lines"
awk -F'"seq":' '{split($2,a,","); print a[1]}' "$dir/tail" | tr '\n' ' ' | grep -q '^1 2 3 4 5 $' \
    || fail "tail order: $(cat "$dir/tail")"

expect_rc 0 db status --services eventlog
grep -qE '^eventlog +up ' "$dir/out" || fail "status table: $(cat "$dir/out")"
expect_rc 0 db status --services eventlog --json
grep -q '"seq_applied": *5' "$dir/out" || fail "status json: $(cat "$dir/out")"
expect_rc 1 db status --services nosuch
expect_rc 0 db help log
expect_rc 0 db log append --help

# a stream index entry altered on disk (lmdb-utils): a read by stream, and a
# deal's history, refuse to show another deal's event, and verify names it
db log append opportunity-7 opportunity.noted '{"n":1}' >/dev/null   # seq 6
db log append opportunity-7 opportunity.noted '{"n":2}' >/dev/null   # seq 7
db log append opportunity-8 opportunity.noted '{"n":3}' >/dev/null   # seq 8
expect_rc 0 db opp history 7
[ "$(grep -c opportunity.noted "$dir/out")" -eq 2 ] || fail "history: $(cat "$dir/out")"
kill $pid; wait $pid 2>/dev/null || true; pid=   # a clean stop writes the index entries
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
key=" $(hex opportunity-7)000000000000000002"
mdb_dump -s sindex "$dir/eventlog" >"$dir/sindex.dump"
grep -qx -- "$key" "$dir/sindex.dump" || fail "no entry for opportunity-7 version 2: $(cat "$dir/sindex.dump")"
grep -v '^db_pagesize=' "$dir/sindex.dump" | sed "\#^$key\$#{n;s/.*/ 0000000000000008/}" |
    mdb_load -s sindex "$dir/eventlog"
"$BIN/dealbook-eventlog" 2>>"$dir/log.err" &
pid=$!
for _ in $(seq 1 100); do db log status >/dev/null 2>&1 && break; done
expect_rc 5 db log read --stream opportunity-7
grep -q 'CORRUPT: the index entry of stream opportunity-7 version 2 leads to seq 8' "$dir/err" ||
    fail "read by stream: $(cat "$dir/out" "$dir/err")"
expect_rc 5 db opp history 7
grep -q 'CORRUPT' "$dir/err" && ! grep -q '"n":3' "$dir/out" || fail "history: $(cat "$dir/out" "$dir/err")"
expect_rc 0 db log read --stream opportunity-8
expect_rc 2 db log verify
grep -q '^dealbook: log: INVALID at seq 7: its stream index entry (stream opportunity-7 version 2) leads to seq 8 instead (6 events before it check out)$' \
    "$dir/err" || fail "verify: $(cat "$dir/err")"
# a PUB endpoint nothing serves (no event, no heartbeat): the tail reads the
# log after three heartbeat periods of silence, and misses nothing; and a
# --from beyond the head (8) waits for that seq
reads() { db log status --json | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['counters']['reads'])"; }
r0=$(reads)
DEALBOOK_PUB_ENDPOINT="ipc://$dir/nothing.sock" DEALBOOK_HEARTBEAT_MS=200 \
    timeout 20 "$BIN/dealbook" log tail --from 10 --limit 1 >"$dir/tail" 2>"$dir/tail.err" &
tail_pid=$!
for _ in $(seq 1 200); do [ "$(reads)" -gt "$r0" ] && break; sleep 0.05; done   # its first READ
db log append account-3 account.renamed '{"name":"before the first seq wanted"}' >/dev/null   # seq 9
db log append account-3 account.renamed '{"name":"heard by READ"}' >/dev/null           # seq 10
wait $tail_pid || fail "tail on a silent PUB: exit $?, $(cat "$dir/tail.err")"
grep -q 'heard by READ' "$dir/tail" && [ "$(wc -l <"$dir/tail")" -eq 1 ] ||
    fail "tail on a silent PUB printed: $(cat "$dir/tail")"
kill -9 $pid; wait $pid 2>/dev/null || true; pid=
DEALBOOK_TIMEOUT_MS=300 expect_rc 4 db log status
grep -q 'unreachable' "$dir/err" || fail "unreachable message"
DEALBOOK_TIMEOUT_MS=300 expect_rc 4 db status --services eventlog
grep -qE '^eventlog +unreachable' "$dir/out" || fail "status must show the log unreachable"
# a setting that cannot be used stops the program with one line: the
# variable (or the flag), the value given and what the setting takes
while IFS='|' read -r kv says; do
    expect_rc 1 env "$kv" "$BIN/dealbook-eventlog"
    grep -qxF "dealbook-eventlog: $kv: $says" "$dir/err" || fail "$kv: $(cat "$dir/err")"
done <<'SETTINGS'
DEALBOOK_MAP_SIZE=16GiB|a size in bytes from 1048576 to 4398046511104
DEALBOOK_PUB_HWM=0|a whole number of messages from 1 to 100000000
DEALBOOK_LOG_LEVEL=verbose|one of error, warning, info, debug
DEALBOOK_TIMEOUT_MS=-5|a whole number of ms from 1 to 100000000
DEALBOOK_BOOK_EVERY=-1|a whole number of events from 0 to 1000000000000
DEALBOOK_REPLAY_HOLD_MB=20000|a whole number of MiB from 0 to 16384
SETTINGS
expect_rc 1 "$BIN/dealbook-eventlog" --map-size 16GiB
grep -qxF 'dealbook-eventlog: --map-size 16GiB: a size in bytes from 1048576 to 4398046511104' \
    "$dir/err" || fail "--map-size 16GiB: $(cat "$dir/err")"
DEALBOOK_PUB_HWM=0 expect_rc 1 db log status
grep -qxF 'dealbook: DEALBOOK_PUB_HWM=0: a whole number of messages from 1 to 100000000' \
    "$dir/err" || fail "the CLI under DEALBOOK_PUB_HWM=0: $(cat "$dir/err")"
expect_rc 1 db log status --timeout-ms -5
grep -qxF 'dealbook: --timeout-ms -5: a whole number of ms from 1 to 100000000' "$dir/err" \
    || fail "--timeout-ms -5: $(cat "$dir/err")"
# every number a flag or an argument gives is read by one parser: decimal
# digits, a leading - only where the field may be negative (a price gap, an
# attitude), no +, no blanks, no -0, within 64 bits. A service's field is
# refused before anything is sent, in one line naming the field and the flag
# (exit 2, as the service would); a number accepted goes on to the service
# (here nowhere: exit 4)
none="ipc://$dir/none.sock"
away=(--forecasting-endpoint "$none" --opportunities-endpoint "$none"
      --bidding-endpoint "$none" --contacts-endpoint "$none" --timeout-ms 300)
quota() { db quota set --owner z --period 2027 --amount "$1" --currency CNY --actor m "${away[@]}"; }
for bad in +5 ' 5' '5 ' -0 -5 '' 5x 0x10 1e3 '5 5' 9223372036854775808; do
    expect_rc 2 quota "$bad"
    [ "$(cat "$dir/err")" = "dealbook: quota set: INVALID: amount: --amount '$bad': a whole number in digits, from 0 to 9223372036854775807" ] ||
        fail "--amount '$bad': $(cat "$dir/err")"
done
# "" too; an update's "" clears a number (opp stakeholder update --attitude '')
for good in 5 0 007 9223372036854775807; do
    expect_rc 4 quota "$good"
    grep -q 'forecasting service is unreachable' "$dir/err" || fail "--amount $good: $(cat "$dir/err")"
done
lose() { db opp lose o1 --reason price --date 2026-01-05 --price-gap "$1" "${away[@]}"; }
for bad in +5 ' -5' '-5 ' -0 -00 - -9223372036854775808 9223372036854775808; do
    expect_rc 2 lose "$bad"
    [ "$(cat "$dir/err")" = "dealbook: opp lose: INVALID: price_gap: --price-gap '$bad': a whole number in digits, with a leading - when below 0, from -9223372036854775807 to 9223372036854775807" ] ||
        fail "--price-gap '$bad': $(cat "$dir/err")"
done
for good in -5 5 0 -9223372036854775807; do
    expect_rc 4 lose "$good"
done
expect_rc 4 db opp stakeholder add o1 c1 --attitude -2 "${away[@]}"
expect_rc 2 db opp stakeholder add o1 c1 --attitude +2 "${away[@]}"
grep -qF "INVALID: attitude: --attitude '+2'" "$dir/err" || fail "--attitude +2: $(cat "$dir/err")"
expect_rc 2 db opp register X --account a1 --owner o --currency CNY --close 2027-01-01 \
    --amount ' 100' "${away[@]}"
grep -qF "opp register: INVALID: amount: --amount ' 100'" "$dir/err" || fail "$(cat "$dir/err")"
expect_rc 2 db accuracy --owner z --period 2027 --periods -0 "${away[@]}"
grep -qF "accuracy: INVALID: periods: --periods '-0'" "$dir/err" || fail "$(cat "$dir/err")"
# an argument, a part of a list flag and a score read alike
expect_rc 2 db tender bond t1 +1000 "${away[@]}"
grep -qxF "dealbook: tender bond: INVALID: amount: AMOUNT '+1000': a whole number in digits, from 0 to 9223372036854775807" \
    "$dir/err" || fail "tender bond +1000: $(cat "$dir/err")"
expect_rc 4 db tender bond t1 1000 "${away[@]}"
expect_rc 2 db tender opening t1 --bidder 'Acme: 5:1' "${away[@]}"
grep -qxF "dealbook: tender opening: INVALID: price: --bidder 'Acme: 5:1': price ' 5': a whole number in digits, from 0 to 9223372036854775807" \
    "$dir/err" || fail "--bidder 'Acme: 5:1': $(cat "$dir/err")"
expect_rc 2 db tender opening t1 --bidder 'Acme:x:1' "${away[@]}"
expect_rc 4 db tender opening t1 --bidder 'Acme:5:1' "${away[@]}"
expect_rc 2 db opp qualify o1 --can-win '+3:coach' --decision pursue --reason r "${away[@]}"
grep -qF "opp qualify: INVALID: can_win_score: --can-win SCORE '+3'" "$dir/err" ||
    fail "--can-win +3: $(cat "$dir/err")"
# the log's counts and positions: the same digits, refused as usage (exit 1)
for bad in +2 ' 2' '2 ' -0 0x2; do
    expect_rc 1 db log read --from "$bad"
    grep -qxF 'dealbook: --from takes a number >= 1' "$dir/err" || fail "--from '$bad': $(cat "$dir/err")"
    expect_rc 1 db log read --limit "$bad"
    expect_rc 1 db status --max-lag "$bad"
    expect_rc 1 db log append memo-1 memo.x '{}' --expect "$bad"
    expect_rc 1 db log append memo-1 memo.x '{}' --schema "$bad"
    expect_rc 1 db log append memo-1 memo.x '{}' --at "$bad"
done
echo "cli: all checks passed"
