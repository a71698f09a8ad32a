#!/usr/bin/env bash
# dealbook log verify, dealbook log backup and dealbook backup when the
# event log is killed and started again while the CLI waits for the job's
# answer: the VERIFY or BACKUP went with the old process, and the new one
# answers STATUS at once but never the request. The CLI must see the
# restart (the log's uptime went down, or five polls in a row find no such
# job running while the request is unanswered) and exit 4 with one line
# saying so, not wait for its 6-hour timeout. A job that merely runs long
# is waited for.
# Real dealbook-eventlog processes on tcp://127.0.0.1 (free ports from
# tests/support/ports.py); the jobs are held while a file exists by
# tests/preload/hold_snapshots.so, so that each is surely running when the
# log is killed.
set -euo pipefail
BIN=${DBK_BIN_DIR:?}
HOLD=${DBK_TEST_BIN_DIR:?}/hold_snapshots.so
[ -f "$HOLD" ] || { echo "FAIL: $HOLD is missing (make test builds it)"; exit 1; }
dir=$(mktemp -d /tmp/dbk-jobrestart-XXXXXX)
log_pid= cli_pids=()
cleanup() {
    rm -f "$dir/hold" # a held job would keep a stopped log from exiting
    for p in "${cli_pids[@]}"; do kill -CONT "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done
    [ -z "$log_pid" ] || { kill "$log_pid" 2>/dev/null && wait "$log_pid" 2>/dev/null; } || true
    rm -rf "$dir"
}
trap cleanup EXIT
port=$(/usr/bin/python3 "$(dirname "$0")/support/ports.py" 2)
export DEALBOOK_DATA_DIR=$dir/data DEALBOOK_LOG_ENDPOINT=tcp://127.0.0.1:$port \
       DEALBOOK_PUB_ENDPOINT=tcp://127.0.0.1:$((port + 1)) DEALBOOK_TIMEOUT_MS=500 \
       DEALBOOK_DURABLE=0
. "$(dirname "$0")/support/cli_lib.sh"
py() { /usr/bin/python3 -c "$@"; }

# the log under the shim: its jobs wait while $dir/hold exists
start_log() {
    LD_PRELOAD=$HOLD DBK_HOLD_FILE=$dir/hold \
        ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
        "$BIN/dealbook-eventlog" 2>>"$dir/log.err" &
    log_pid=$!
    for _ in $(seq 1 200); do
        db log status >/dev/null 2>&1 && return 0
        kill -0 "$log_pid" 2>/dev/null || break
        sleep 0.05
    done
    fail "the log did not start: $(tail -3 "$dir/log.err")"
}
kill_log() { kill -9 "$log_pid"; wait "$log_pid" 2>/dev/null || true; log_pid=; }
# the log's STATUS as JSON, through python expression $1 on it (s)
status() { db log status --json | py "import json,sys; s=json.load(sys.stdin); print($1)"; }
# the longest a running job of op $1 has run, in ms (-1: none runs)
job_ms() { status "max([j['elapsed_ms'] for j in s['jobs'] if j['op'] == '$1'] or [-1])"; }
# start the CLI (its arguments) in the background with a held job of op
# $1, and wait until the log shows that job running; its pid is $cli_pid
start_held() {
    local op=$1 name=$2; shift 2
    touch "$dir/hold"
    "$BIN/dealbook" "$@" >"$dir/$name.out" 2>"$dir/$name.err" &
    cli_pid=$!
    cli_pids+=("$cli_pid")
    for _ in $(seq 1 200); do
        [ "$(job_ms "$op")" -ge 0 ] && return 0
        kill -0 "$cli_pid" 2>/dev/null || fail "$name ended: $(cat "$dir/$name.err")"
        sleep 0.05
    done
    fail "the log never showed the $op of $name running"
}
# wait until the jobs of op $1 have run $2 ms, the CLI $3 still waiting
held_for() {
    for _ in $(seq 1 400); do
        [ "$(job_ms "$1")" -ge "$2" ] && return 0
        sleep 0.05
    done
    fail "the $1 never ran $2 ms"
}
# the CLI of pid $1 (output $dir/$2.*) must end by itself within some
# 20 s with exit $3, and one line on stderr matching $4 when given
ends() {
    local pid=$1 name=$2 want=$3 rc=
    for _ in $(seq 1 400); do
        kill -0 "$pid" 2>/dev/null || { set +e; wait "$pid"; rc=$?; set -e; break; }
        sleep 0.05
    done
    [ -n "$rc" ] || fail "$name still waits: $(cat "$dir/$name.err")"
    [ "$rc" -eq "$want" ] || fail "$name exited $rc, wanted $want: $(cat "$dir/$name.out" "$dir/$name.err")"
    if [ -n "${4:-}" ]; then
        [ "$(wc -l <"$dir/$name.err")" -eq 1 ] || fail "$name: not one line: $(cat "$dir/$name.err")"
        grep -qE "$4" "$dir/$name.err" || fail "$name: $(cat "$dir/$name.err")"
        [ ! -s "$dir/$name.out" ] || fail "$name printed: $(cat "$dir/$name.out")"
    fi
}

start_log
for i in 1 2 3 4 5; do db log append "memo-$i" memo.written "{\"n\":$i}" >/dev/null || fail "append $i"; done
mkdir "$dir/backups"

# ---- a job that runs long is waited for (more than five polls) ----
start_held VERIFY verify0 log verify
v0=$cli_pid
start_held BACKUP backup0 backup "$dir/backups/b0"
b0=$cli_pid
held_for VERIFY 1500
held_for BACKUP 1500
kill -0 "$v0" 2>/dev/null || fail "verify did not wait for its job: $(cat "$dir/verify0.err")"
kill -0 "$b0" 2>/dev/null || fail "backup did not wait for its job: $(cat "$dir/backup0.err")"
rm "$dir/hold"
ends "$v0" verify0 0
ends "$b0" backup0 0
grep -q '^log: valid, 5 events checked' "$dir/verify0.out" || fail "verify: $(cat "$dir/verify0.out")"
grep -q "^backup in $dir/backups/b0: verified, head 5" "$dir/backup0.out" ||
    fail "backup: $(cat "$dir/backup0.out")"

# ---- the log restarted: its uptime went down ----
lost='the event log restarted during the (VERIFY|BACKUP) \(up [0-9]+ ms, [0-9]+ ms before\): the \1 was lost with the restart; '
start_held VERIFY verify1 log verify
v1=$cli_pid
start_held BACKUP backup1 backup "$dir/backups/b1"
b1=$cli_pid
start_held BACKUP backup2 log backup "$dir/backups/b2"
b2=$cli_pid
held_for VERIFY 1000 # the old log was up longer than the new one will be
kill_log
rm "$dir/hold"
start_log
ends "$v1" verify1 4 "^dealbook: verify: ${lost}run dealbook log verify again$"
ends "$b1" backup1 4 "^dealbook: backup: ${lost}$dir/backups/b1 may hold an unfinished copy: empty it \(or choose a new directory\) and run dealbook backup again$"
ends "$b2" backup2 4 "^dealbook: backup: ${lost}$dir/backups/b2 may hold an unfinished copy: empty it \(or choose a new directory\) and run dealbook log backup again$"

# ---- restarted while the CLI did not look: the new log has been up
# longer than the old one was, and runs no such job ----
kill_log
start_log # a young log, whose jobs are lost
start_held VERIFY verify3 log verify
v3=$cli_pid
start_held BACKUP backup3 log backup "$dir/backups/b3"
b3=$cli_pid
old_up=$(status "s['uptime_ms']")
kill -STOP "$v3" "$b3"
kill_log
rm "$dir/hold"
start_log
for _ in $(seq 1 200); do [ "$(status "s['uptime_ms']")" -gt $((old_up + 1500)) ] && break; sleep 0.05; done
kill -CONT "$v3" "$b3"
idle='the event log runs no (VERIFY|BACKUP) \(STATUS jobs\) and never answered this one: it was lost \(the log restarted\?\); '
ends "$v3" verify3 4 "^dealbook: verify: ${idle}run dealbook log verify again$"
ends "$b3" backup3 4 "^dealbook: backup: ${idle}$dir/backups/b3 may hold an unfinished copy: empty it \(or choose a new directory\) and run dealbook log backup again$"

# the new log verifies and backs up as ever
expect_rc 0 db log verify
grep -q '^log: valid, 5 events checked' "$dir/out" || fail "verify after the restarts: $(cat "$dir/out")"
expect_rc 0 db backup "$dir/backups/b4"
echo "log job restart: ok"
