#!/usr/bin/env bash
# dealbook status measures each service's LAG against the event log's head
# asked in the same run, not the head the service last saw: a service that
# has not read the log for a while (here: its PUB endpoint points nowhere
# and its heartbeat period is long, so it learns of no new event) says
# LAG 0 of itself while the log is ahead. Against real dealbook-eventlog
# and dealbook-contacts processes (ipc endpoints in a temp dir). When the
# log does not answer, the service's own figure is shown, and said so.
set -euo pipefail
BIN=${DBK_BIN_DIR:?}
dir=$(mktemp -d /tmp/dbk-lag-XXXXXX)
log_pid= svc_pid=
cleanup() {
    for p in $svc_pid $log_pid; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done || true
    rm -rf "$dir"
}
trap cleanup EXIT
export DEALBOOK_DATA_DIR=$dir/data DEALBOOK_LOG_ENDPOINT=ipc://$dir/log.sock \
       DEALBOOK_PUB_ENDPOINT=ipc://$dir/pub.sock DEALBOOK_CONTACTS_ENDPOINT=ipc://$dir/contacts.sock \
       DEALBOOK_HEARTBEAT_MS=100 DEALBOOK_TIMEOUT_MS=3000 DEALBOOK_DURABLE=0
. "$(dirname "$0")/support/cli_lib.sh"
py() { /usr/bin/python3 -c "$@"; }
json() { py "import json,sys; rows=json.load(open(sys.argv[1])); d={r['service']: r for r in rows}; assert $1, rows" "$dir/out"; }
err_has() { grep -q -- "$1" "$dir/err" || fail "wanted '$1' in: $(cat "$dir/err")"; }

"$BIN/dealbook-eventlog" 2>>"$dir/log.err" &
log_pid=$!
for _ in $(seq 1 100); do db log status >/dev/null 2>&1 && break; sleep 0.05; done
for i in 1 2 3; do db log append memo-1 memo.written "{\"n\":$i}" >/dev/null || fail "append $i"; done
# the service reads the log up to its head at start, then hears of nothing:
# no PUB, and it asks the log again only after 3 heartbeats of silence
DEALBOOK_PUB_ENDPOINT=ipc://$dir/nowhere.sock DEALBOOK_HEARTBEAT_MS=600000 \
    "$BIN/dealbook-contacts" 2>>"$dir/contacts.err" &
svc_pid=$!
for _ in $(seq 1 100); do db status --services eventlog,contacts --max-lag 0 >/dev/null 2>&1 && break; sleep 0.05; done
expect_rc 0 db status --services eventlog,contacts --max-lag 0 --json
json "d['contacts']['seq_applied']==3 and d['contacts']['lag']==0 and d['contacts']['lag_from']=='log'"

for i in $(seq 4 23); do db log append memo-1 memo.written "{\"n\":$i}" >/dev/null || fail "append $i"; done
# the service still says head 3, lag 0; the log is at 23
expect_rc 4 db status --services eventlog,contacts --max-lag 5
err_has '^dealbook: contacts lags 20 events behind the log (--max-lag 5)$'
grep -Eq '^contacts +up +[^ ]+ +3 +23 +20 ' "$dir/out" || fail "status table: $(cat "$dir/out")"
expect_rc 4 db status --services contacts --max-lag 0 --json     # the log asked though not listed
json "d['contacts']['head']==23 and d['contacts']['lag']==20 and d['contacts']['service_head']==3 and d['contacts']['service_lag']==0 and d['contacts']['lag_from']=='log'"
expect_rc 0 db status --services contacts,eventlog --max-lag 20
grep -Eq '^eventlog +up +[^ ]+ +23 +23 +0 ' "$dir/out" || fail "status table: $(cat "$dir/out")"
[ ! -s "$dir/err" ] || fail "status said: $(cat "$dir/err")"

# the log gone: the service's own figure, and stderr says so
kill "$log_pid" && wait "$log_pid" 2>/dev/null || true
log_pid=
expect_rc 0 db status --services contacts --max-lag 0 --timeout-ms 500 --json
json "d['contacts']['lag']==0 and d['contacts']['head']==3 and d['contacts']['lag_from']=='service'"
err_has "^dealbook: the event log does not answer at $DEALBOOK_LOG_ENDPOINT: LAG is each service's own"
echo "status lag: ok"
