#!/usr/bin/env bash
# dealbook rebuild when the service restarts during the REBUILD (kill -9,
# then started again as a supervisor would): the new process answers
# STATUS, so the watchdog of unanswered polls never fires, and the REBUILD
# went with the old process. The CLI must see the restart (uptime went
# down, or the service is no longer rebuilding while the REBUILD is
# unanswered) and exit 4 with one line saying so, not wait for hours.
# Against real dealbook-eventlog and dealbook-contacts processes (ipc
# endpoints in a temp dir); the log is stopped (SIGSTOP) while the REBUILD
# runs, so that the replay cannot finish before the restart.
set -euo pipefail
BIN=${DBK_BIN_DIR:?}
dir=$(mktemp -d /tmp/dbk-rebuild-XXXXXX)
log_pid= svc_pid= cli_pid=
cleanup() {
    for p in $cli_pid $log_pid; do kill -CONT "$p" 2>/dev/null || true; done
    for p in $cli_pid $svc_pid $log_pid; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done || true
    rm -rf "$dir"
}
trap cleanup EXIT
export DEALBOOK_DATA_DIR=$dir/data DEALBOOK_LOG_ENDPOINT=ipc://$dir/log.sock \
       DEALBOOK_PUB_ENDPOINT=ipc://$dir/pub.sock DEALBOOK_CONTACTS_ENDPOINT=ipc://$dir/contacts.sock \
       DEALBOOK_HEARTBEAT_MS=100 DEALBOOK_TIMEOUT_MS=1000 DEALBOOK_DURABLE=0
. "$(dirname "$0")/support/cli_lib.sh"
py() { /usr/bin/python3 -c "$@"; }

start_contacts() {
    "$BIN/dealbook-contacts" 2>>"$dir/contacts.err" &
    svc_pid=$!
    for _ in $(seq 1 100); do
        db status --services contacts --timeout-ms 300 >/dev/null 2>&1 && return 0
        kill -0 "$svc_pid" 2>/dev/null || break
        sleep 0.05
    done
    fail "contacts did not start: $(tail -3 "$dir/contacts.err")"
}
# contacts' STATUS key $1, asked directly (status would ask the stopped log first)
svc_status() {
    db status --services contacts --timeout-ms 300 --json 2>/dev/null |
        py "import json,sys; print(json.load(sys.stdin)[0].get('$1'))"
}
# rebuild contacts in the background, once the log no longer answers: the
# REBUILD waits for a replay that cannot go on
start_rebuild() {
    kill -STOP "$log_pid"
    "$BIN/dealbook" rebuild contacts >"$dir/rb.out" 2>"$dir/rb.err" &
    cli_pid=$!
    for _ in $(seq 1 200); do
        [ "$(svc_status rebuilding)" = True ] && return 0
        kill -0 "$cli_pid" 2>/dev/null || fail "rebuild ended: $(cat "$dir/rb.err")"
        sleep 0.05
    done
    fail "contacts never said rebuilding"
}
# the rebuild must end by itself, within some 20 s, with exit 4
rebuild_ends() {
    local rc=
    for _ in $(seq 1 400); do
        kill -0 "$cli_pid" 2>/dev/null || { set +e; wait "$cli_pid"; rc=$?; set -e; break; }
        sleep 0.05
    done
    [ -n "$rc" ] || fail "rebuild still waits after the service restarted: $(cat "$dir/rb.err")"
    cli_pid=
    [ "$rc" -eq 4 ] || fail "rebuild exited $rc: $(cat "$dir/rb.out" "$dir/rb.err")"
    [ "$(wc -l <"$dir/rb.err")" -eq 1 ] || fail "more than one line: $(cat "$dir/rb.err")"
}

"$BIN/dealbook-eventlog" 2>>"$dir/log.err" &
log_pid=$!
for _ in $(seq 1 100); do db log status >/dev/null 2>&1 && break; sleep 0.05; done
start_contacts
for i in 1 2 3 4 5; do db account add "Account $i" --type owner --id "a$i" >/dev/null || fail "add $i"; done

# ---- restarted: its uptime went down ----
start_rebuild
kill -9 "$svc_pid" && wait "$svc_pid" 2>/dev/null || true
start_contacts
kill -CONT "$log_pid"
rebuild_ends
grep -q '^dealbook: rebuild contacts: the service restarted during the REBUILD (up [0-9]* ms, [0-9]* ms before): the REBUILD was lost with the restart; the service replays the log by itself from where its read model stands (dealbook status shows its lag): run dealbook rebuild contacts again to rebuild from seq 1$' \
    "$dir/rb.err" || fail "restart: $(cat "$dir/rb.err")"
[ ! -s "$dir/rb.out" ] || fail "rebuild printed: $(cat "$dir/rb.out")"
# the new process caught up by itself, and a rebuild now goes through
for _ in $(seq 1 100); do db status --services eventlog,contacts --max-lag 0 >/dev/null 2>&1 && break; sleep 0.05; done
expect_rc 0 db status --services eventlog,contacts --max-lag 0
expect_rc 0 db rebuild contacts
grep -q '^rebuilt contacts: 5 events replayed' "$dir/out" || fail "rebuild: $(cat "$dir/out")"

# ---- restarted while the CLI did not look: the new process has been up
# longer than the old one was, and is not rebuilding ----
kill -9 "$svc_pid" && wait "$svc_pid" 2>/dev/null || true
start_contacts                              # a young process, whose REBUILD is lost
start_rebuild
old_up=$(svc_status uptime_ms)
kill -STOP "$cli_pid"
kill -9 "$svc_pid" && wait "$svc_pid" 2>/dev/null || true
start_contacts
for _ in $(seq 1 200); do [ "$(svc_status uptime_ms)" -gt $((old_up + 1500)) ] && break; sleep 0.05; done
kill -CONT "$log_pid" "$cli_pid"
rebuild_ends
grep -q '^dealbook: rebuild contacts: the service is not rebuilding (STATUS rebuilding: false) and never answered the REBUILD: it was lost (the service restarted?); the service replays the log by itself' \
    "$dir/rb.err" || fail "not rebuilding: $(cat "$dir/rb.err")"
echo "rebuild restart: ok"
