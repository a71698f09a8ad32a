#!/usr/bin/env bash
# Backups that are not whole, end to end against a real dealbook-eventlog
# (ipc endpoints in a temp dir): restore --check of a backup at rest (its
# head seq and hash those the log's READ shows; a tampered or cut copy
# refused with exit 2; nothing written, no lock, while a log runs); every
# command but restore refuses --data-dir (log verify would check the
# running log); backup refuses a directory that is not empty, writing
# nothing; restore
# from a backup whose data.mdb was cut short (at several sizes) refuses
# with exit 2, naming the file, and leaves the target data directory as it
# was (no lock files either); restore --force names the head seq of the
# log it replaces and the backup's, and warns when events are lost: the
# backup ends before that log, or holds other events from some seq on.
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
py() { /usr/bin/python3 -c "$@"; }
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
    mark=
    [ "$i" -ne 10 ] || mark=tamper-here
    db log append "memo-$((i % 4))" memo.written "{\"n\":$i,\"note\":\"$mark$note\"}" \
        >/dev/null || fail "append $i"
done
expect_rc 0 db backup "$dir/bk"
size=$(stat -c %s "$dir/bk/data.mdb")
[ "$size" -gt 1200000 ] || fail "the backup is only $size bytes"
last_hash=$(db log read --from 64 --limit 1 | py "import json,sys; print(json.load(sys.stdin)['hash'])")

# ---- restore --check: a backup at rest, verified as restore does ----
bk_before=$(listing "$dir/bk"; md5sum <"$dir/bk/data.mdb")
# while a log runs on DEALBOOK_DATA_DIR and holds its locks: neither is in the way
expect_rc 0 db restore --check "$dir/bk"
[ "$(cat "$dir/out")" = "backup in $dir/bk: valid, 64 events, head seq 64, hash $last_hash" ] ||
    fail "restore --check: $(cat "$dir/out")"
[ ! -s "$dir/err" ] || fail "restore --check said: $(cat "$dir/err")"
expect_rc 0 db restore --check "$dir/bk" --json
py "import json,sys; d=json.load(open(sys.argv[1])); assert d=={'path':'$dir/bk','valid':True,'events':64,'head':64,'hash':'$last_hash'}, d" "$dir/out"
[ "$(listing "$dir/bk"; md5sum <"$dir/bk/data.mdb")" = "$bk_before" ] ||
    fail "restore --check wrote into the backup: $(listing "$dir/bk")"
# a copy with one byte of seq 10's payload changed
mkdir "$dir/bad"
cp "$dir/bk/data.mdb" "$dir/bad/"
py "
import sys
p=sys.argv[1]; b=bytearray(open(p,'rb').read())
i=b.find(b'tamper-here'); assert i>0 and b.find(b'tamper-here', i+1)<0
b[i]=ord('T'); open(p,'wb').write(b)" "$dir/bad/data.mdb"
bad_before=$(listing "$dir/bad"; md5sum <"$dir/bad/data.mdb")
expect_rc 2 db restore --check "$dir/bad"
[ "$(cat "$dir/err")" = "dealbook: restore --check: the backup in $dir/bad is INVALID at seq 10: hash chain broken (record altered, or prev does not match) (9 events before it check out)" ] ||
    fail "tampered: $(cat "$dir/err")"
[ ! -s "$dir/out" ] || fail "a refused check printed: $(cat "$dir/out")"
[ "$(listing "$dir/bad"; md5sum <"$dir/bad/data.mdb")" = "$bad_before" ] ||
    fail "restore --check wrote into the tampered backup"
# the way to call it
expect_rc 1 db restore --check "$dir/bk" --data-dir "$dir/elsewhere"
err_has 'reads the backup only'
expect_rc 1 db restore --check "$dir/bk" --force
expect_rc 1 db restore "$dir/bk" --check "$dir/bk"
expect_rc 1 db restore --check "$dir/nothing"
err_has 'holds no backup'
[ ! -e "$dir/elsewhere" ] && [ ! -e "$dir/nothing" ] || fail "a refused check created a directory"
# ---- backup into a directory that holds anything is refused ----
mkdir -p "$dir/full" "$dir/empty"
echo 'not a backup' >"$dir/full/notes.txt"
for verb in backup 'log backup'; do
    # shellcheck disable=SC2086
    expect_rc 2 db $verb "$dir/full"
    err_has 'the backup directory is not empty; choose a new or empty directory'
    [ "$(listing "$dir/full")" = "$(printf '.\n./notes.txt')" ] ||
        fail "$verb wrote into a directory that was not empty: $(listing "$dir/full")"
done
expect_rc 0 db backup "$dir/empty"        # an empty one is fine
grep -q "^backup in $dir/empty: verified" "$dir/out" ||
    fail "backup into an empty directory: $(cat "$dir/out")"
# the log's check of its copy reads it and leaves nothing beside it
[ "$(ls "$dir/empty")" = "data.mdb" ] || fail "the backup directory holds: $(ls "$dir/empty")"

# log verify checks the running log: it refuses a directory rather than
# silently check that log instead; so does every command but restore
expect_rc 1 db log verify --data-dir "$dir/bad"
[ "$(cat "$dir/err")" = "dealbook: log: --data-dir is only for restore; this command asks the running processes (--log $DEALBOOK_LOG_ENDPOINT). For a backup at rest: dealbook restore --check DIR" ] ||
    fail "log verify --data-dir: $(cat "$dir/err")"
[ ! -s "$dir/out" ] || fail "log verify --data-dir printed: $(cat "$dir/out")"
for c in "log status" "export" "backup $dir/never" "status" "rebuild contacts"; do
    # shellcheck disable=SC2086
    expect_rc 1 db $c --data-dir "$dir/bad"
    err_has "--data-dir is only for restore"
done
[ ! -e "$dir/never" ] || fail "a refused backup wrote its directory"
expect_rc 0 db log verify
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
    expect_rc 2 db restore --check "$dir/cut"
    err_has "^dealbook: restore --check: the backup in $dir/cut is not whole: $dir/cut/data.mdb is truncated: $cut bytes, its last page ends at [0-9]*$"
done
expect_rc 2 db restore "$dir/cut" --data-dir "$dir/new"
[ ! -e "$dir/new" ] || fail "a refused restore created the target"
# the whole backup restores
expect_rc 0 db restore "$dir/bk" --data-dir "$dir/new"
grep -q "^restored $dir/bk into $dir/new/eventlog: verified, head 64, hash " "$dir/out" ||
    fail "restore: $(cat "$dir/out")"

# ---- restore --force says what it replaces ----
DEALBOOK_TIMEOUT_MS=3000 start_log
for i in $(seq 65 70); do
    DEALBOOK_TIMEOUT_MS=3000 db log append memo-1 memo.written "{\"n\":$i}" >/dev/null || fail "append $i"
done
stop_log
# the backup ends before the log it replaces: the events after it are lost
expect_rc 0 db restore "$dir/bk" --data-dir "$DEALBOOK_DATA_DIR" --force
[ "$(cat "$dir/err")" = "dealbook: restore: WARNING: replacing $DEALBOOK_DATA_DIR/eventlog (head seq 70) with the backup (head seq 64): the 6 events after seq 64 are lost" ] ||
    fail "restore --force over a longer log: $(cat "$dir/err")"
grep -q "^restored $dir/bk into $DEALBOOK_DATA_DIR/eventlog: verified, head 64" "$dir/out" ||
    fail "restore --force: $(cat "$dir/out")"
expect_rc 0 db restore "$dir/bk" --data-dir "$dir/new" --force --json
[ "$(cat "$dir/err")" = "dealbook: restore: replacing $dir/new/eventlog (head seq 64) with the backup (head seq 64)" ] ||
    fail "restore --force over the same head: $(cat "$dir/err")"
# a log that cannot be read is replaced all the same: that is what --force is for
truncate -s 8192 "$dir/new/eventlog/data.mdb"
expect_rc 0 db restore "$dir/bk" --data-dir "$dir/new" --force
grep -qx "dealbook: restore: replacing $dir/new/eventlog (its head cannot be read: $dir/new/eventlog/data.mdb is truncated: 8192 bytes, its last page ends at [0-9]*) with the backup (head seq 64)" "$dir/err" ||
    fail "restore --force over a truncated log: $(cat "$dir/err")"
expect_rc 0 db restore --check "$dir/new/eventlog"
grep -q "valid, 64 events, head seq 64, hash $last_hash$" "$dir/out" || fail "the restored log: $(cat "$dir/out")"
# the old log went aside while the copy took its place, and is gone
ls -d "$dir/new"/eventlog.* "$DEALBOOK_DATA_DIR"/eventlog.* 2>/dev/null | grep -v '\.lock$' &&
    fail "a replaced log was left behind"
# ---- restore --force over a log that is not a prefix of the backup ----
# compared by the hash of the record at the old log's head (or at the
# backup's, when it ends first): a log of other events, even one whose
# head is below the backup's, loses them
t3() { DEALBOOK_TIMEOUT_MS=3000 "$@"; }
DEALBOOK_DATA_DIR=$dir/other t3 start_log
for i in 1 2; do t3 db log append other-1 other.written "{\"n\":$i}" >/dev/null || fail "append $i"; done
stop_log
expect_rc 0 db restore "$dir/bk" --data-dir "$dir/other" --force
[ "$(cat "$dir/err")" = "dealbook: restore: WARNING: replacing $dir/other/eventlog (head seq 2) with the backup (head seq 64): the log's events from seq 1 on are not the backup's: the 2 events of seq 1..2 are lost" ] ||
    fail "restore --force over another history: $(cat "$dir/err")"
# two logs that went on from the same 64 events: one backed up at 70, the
# other replaced at 72
t3 start_log
for i in $(seq 65 70); do t3 db log append memo-2 memo.written "{\"n\":$i}" >/dev/null || fail "append $i"; done
expect_rc 0 t3 db backup "$dir/bk70"
stop_log
DEALBOOK_DATA_DIR=$dir/new t3 start_log
for i in $(seq 65 72); do t3 db log append memo-3 memo.written "{\"n\":$i}" >/dev/null || fail "append $i"; done
stop_log
expect_rc 0 db restore "$dir/bk70" --data-dir "$dir/new" --force
[ "$(cat "$dir/err")" = "dealbook: restore: WARNING: replacing $dir/new/eventlog (head seq 72) with the backup (head seq 70): the log's events from seq 65 on are not the backup's: the 8 events of seq 65..72 are lost" ] ||
    fail "restore --force over a log that went another way: $(cat "$dir/err")"
# a log the backup goes on from loses nothing
expect_rc 0 db restore "$dir/bk70" --data-dir "$dir/other" --force
[ "$(cat "$dir/err")" = "dealbook: restore: replacing $dir/other/eventlog (head seq 64) with the backup (head seq 70)" ] ||
    fail "restore --force over a prefix of the backup: $(cat "$dir/err")"
echo "backup/restore: ok"
