#!/usr/bin/env bash
# Backups that are not whole, end to end against a real dealbook-eventlog
# (ipc endpoints in a temp dir): restore from a backup whose data.mdb was
# cut short (at several sizes) refuses with exit 2, naming the file, and
# leaves the target data directory as it was (no lock files either).
set -euo pipefail
BIN=${DBK_BIN_DIR:?}
dir=$(mktemp -d /tmp/dbk-backup-XXXXXX)
log_pid=
cleanup() {
    [ -z "$log_pid" ] || { kill "$log_pid" 2>/dev/null && wait "$log_pid" 2>/dev/null; } || true
    rm -rf "$dir"
}
trap cleanup EXIT
export DEALBOOK_DATA_DIR=$dir/data DEALBOOK_LOG_ENDPOINT=ipc://$dir/log.sock \
       DEALBOOK_PUB_ENDPOINT=ipc://$dir/pub.sock DEALBOOK_HEARTBEAT_MS=100 \
       DEALBOOK_TIMEOUT_MS=3000 DEALBOOK_DURABLE=0
. "$(dirname "$0")/support/cli_lib.sh"
err_has() { grep -q -- "$1" "$dir/err" || fail "wanted '$1' in: $(cat "$dir/err")"; }
listing() { (cd "$1" && find . | sort); }

start_log() {
    "$BIN/dealbook-eventlog" 2>>"$dir/log.err" &
    log_pid=$!
    for _ in $(seq 1 100); do
        db log status >/dev/null 2>&1 && return 0
        kill -0 "$log_pid" 2>/dev/null || break
        sleep 0.05
    done
    fail "the log did not start: $(tail -3 "$dir/log.err")"
}
stop_log() { kill "$log_pid" && wait "$log_pid" 2>/dev/null || true; log_pid=; }

start_log
# some 1.3 MB of events, so that a cut at 1 MiB loses pages in use
note=$(head -c 20000 /dev/zero | tr '\0' n)
for i in $(seq 1 64); do
    db log append "memo-$((i % 4))" memo.written "{\"n\":$i,\"note\":\"$note\"}" >/dev/null ||
        fail "append $i"
done
expect_rc 0 db backup "$dir/bk"
size=$(stat -c %s "$dir/bk/data.mdb")
[ "$size" -gt 1200000 ] || fail "the backup is only $size bytes"
stop_log
# no log answers from here on: restore's PING need not wait long for that
export DEALBOOK_TIMEOUT_MS=300

# ---- restore refuses a backup cut short, and touches nothing ----
mkdir -p "$dir/target/eventlog-old"      # a data directory that holds something
before=$(listing "$dir/target")
for cut in 0 3000 5000 8192 1048576 $((size - 4096)); do
    rm -rf "$dir/cut"
    mkdir "$dir/cut"
    head -c "$cut" "$dir/bk/data.mdb" >"$dir/cut/data.mdb"
    expect_rc 2 db restore "$dir/cut" --data-dir "$dir/target"
    err_has "^dealbook: restore: the backup in $dir/cut is not whole: $dir/cut/data.mdb is truncated: $cut bytes, its last page ends at [0-9]*; nothing was changed$"
    [ "$(wc -l <"$dir/err")" -eq 1 ] || fail "more than one line: $(cat "$dir/err")"
    [ "$(listing "$dir/target")" = "$before" ] ||
        fail "a refused restore changed the target: $(listing "$dir/target")"
    [ "$(listing "$dir/cut")" = "$(printf '.\n./data.mdb')" ] ||
        fail "restore wrote beside the backup: $(listing "$dir/cut")"
done
expect_rc 2 db restore "$dir/cut" --data-dir "$dir/new"
[ ! -e "$dir/new" ] || fail "a refused restore created the target"
# the whole backup restores
expect_rc 0 db restore "$dir/bk" --data-dir "$dir/new"
grep -q "^restored $dir/bk into $dir/new/eventlog: verified, head 64, hash " "$dir/out" ||
    fail "restore: $(cat "$dir/out")"
echo "backup/restore: ok"
