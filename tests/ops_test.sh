#!/usr/bin/env bash
# The operator's tools end to end, against real dealbook-eventlog,
# dealbook-contacts and dealbook-opportunities processes (ipc endpoints in a
# temp dir): rebuild (same answers before and after), backup (verified, head
# and hash), export (every event as a JSON line, its filters, a broken chain
# refused), restore into a stopped data directory (refused while a log
# answers, while a process holds the directory, when the target exists
# without --force, from a damaged backup), the services started on the
# restored directory answer the same, and status --max-lag.
set -euo pipefail
BIN=${DBK_BIN_DIR:?}
dir=$(mktemp -d /tmp/dbk-ops-XXXXXX)
log_pid= svc_pid= opp_pid= other_pid=
stop_all() {
    for p in $opp_pid $svc_pid $log_pid $other_pid; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
    log_pid= svc_pid= opp_pid= other_pid=
}
cleanup() {
    stop_all || true
    rm -rf "$dir"
}
trap cleanup EXIT
export DEALBOOK_DATA_DIR=$dir/data DEALBOOK_LOG_ENDPOINT=ipc://$dir/log.sock \
       DEALBOOK_PUB_ENDPOINT=ipc://$dir/pub.sock DEALBOOK_CONTACTS_ENDPOINT=ipc://$dir/contacts.sock \
       DEALBOOK_OPPORTUNITIES_ENDPOINT=ipc://$dir/opps.sock \
       DEALBOOK_BIDDING_ENDPOINT=ipc://$dir/bidding.sock \
       DEALBOOK_HEARTBEAT_MS=100 DEALBOOK_TIMEOUT_MS=3000 DEALBOOK_DURABLE=0
. "$(dirname "$0")/support/cli_lib.sh"
py() { /usr/bin/python3 -c "$@"; }
json() { py "import json,sys; d=json.load(open(sys.argv[1])); assert $1, d" "$dir/out"; }
err_has() { grep -q -- "$1" "$dir/err" || fail "wanted '$1' in: $(cat "$dir/err")"; }
out_has() { grep -q -- "$1" "$dir/out" || fail "wanted '$1' in: $(cat "$dir/out")"; }
head_seq() { db log status --json | py "import json,sys; print(json.load(sys.stdin)['head'])"; }
SVCS=eventlog,contacts,opportunities

# wait_up "PIDS" CMD...: until CMD succeeds (100 tries), or give up at once
# when one of the processes PIDS has exited (each checked on its own: a
# `kill -0 a b` succeeds while any one of them runs)
wait_up() {
    local pids=$1
    shift
    for _ in $(seq 1 100); do
        "$@" >/dev/null 2>&1 && return 0
        for p in $pids; do kill -0 "$p" 2>/dev/null || return 1; done
        sleep 0.05
    done
    return 1
}
start_all() { # start_all DATA_DIR
    "$BIN/dealbook-eventlog" --data-dir "$1" 2>>"$dir/log.err" &
    log_pid=$!
    "$BIN/dealbook-contacts" --data-dir "$1" 2>>"$dir/contacts.err" &
    svc_pid=$!
    "$BIN/dealbook-opportunities" --data-dir "$1" 2>>"$dir/opps.err" &
    opp_pid=$!
    wait_up "$log_pid $svc_pid $opp_pid" db status --services $SVCS || {
        # what each process said, and whether it still runs: a start that
        # fails here once in a while must leave enough to tell why
        for p in log_pid svc_pid opp_pid; do
            kill -0 "${!p}" 2>/dev/null && echo "$p ${!p}: running" || echo "$p ${!p}: gone"
        done
        for f in log contacts opps; do echo "--- $f.err"; tail -5 "$dir/$f.err" 2>/dev/null; done
        fail "the services did not start"
    }
}
# the read models' answers, to compare before / after
answers() { # answers FILE
    {
        db account list --json --limit 500
        db contact list --json --limit 500
        db competitor list --json
        db opp list --json --status all --limit 500
        db opp show o1 --json
    } >"$1"
}
caught_up() {
    for _ in $(seq 1 100); do db status --services $SVCS --max-lag 0 >/dev/null 2>&1 && return 0; sleep 0.05; done
    fail "the services did not catch up: $(db status --services $SVCS)"
}

start_all "$dir/data"

# data through the CLI
for i in $(seq 1 30); do
    db account add "Account $i" --type owner --city Shanghai --id "a$i" >/dev/null
done
expect_rc 0 db contact add 'Wang Wei' --account a1 --level decision --id c1
expect_rc 0 db contact add 'Li Na' --account a2 --id c2
expect_rc 0 db competitor add Kone --id k1
expect_rc 0 db account update a3 --city Beijing
for _ in $(seq 1 50); do db opp register 'Metro lighting' --account a1 --owner li --currency CNY \
    --close 2027-06-30 --amount 1000000 --id o1 >/dev/null 2>&1 && break; sleep 0.1; done
expect_rc 0 db opp next o1 'site visit'
caught_up
head=$(head_seq)
[ "$head" -ge 35 ] || fail "head $head"
answers "$dir/before"

# ---- rebuild ----
expect_rc 0 db help rebuild
out_has 'rebuild SERVICE'
expect_rc 0 db rebuild contacts
[ "$(wc -l <"$dir/out")" -eq 1 ] || fail "rebuild off a terminal prints one line: $(cat "$dir/out")"
grep -Eq "^rebuilt contacts: $head events replayed in [0-9.]+ s \([0-9]+ events/s\)$" "$dir/out" ||
    fail "rebuild: $(cat "$dir/out")"
expect_rc 0 db rebuild opportunities --json
json "d['service']=='opportunities' and d['events']==$head and d['events_per_s']>0 and 'elapsed_ms' in d"
expect_rc 1 db rebuild nosuch
err_has "not a service with a read model"
expect_rc 1 db rebuild eventlog
expect_rc 1 db rebuild
expect_rc 4 db rebuild bidding              # not running
err_has 'unreachable'
if command -v script >/dev/null; then      # on a terminal: the line is rewritten with \r
    SHELL=/bin/sh script -qec "$BIN/dealbook rebuild contacts" /dev/null >"$dir/tty" || fail "rebuild on a tty"
    grep -q $'\r' "$dir/tty" || fail "no carriage return on a terminal"
    grep -q "rebuilt contacts: $head events" "$dir/tty" || fail "tty: $(cat "$dir/tty")"
fi
answers "$dir/after"
cmp -s "$dir/before" "$dir/after" || { diff "$dir/before" "$dir/after" | head; fail "answers differ after rebuild"; }

# ---- backup ----
expect_rc 0 db backup "$dir/bk"
last_hash=$(db log read --from "$head" --limit 1 | py "import json,sys; print(json.load(sys.stdin)['hash'])")
grep -q "^backup in $dir/bk: verified, head $head, hash $last_hash$" "$dir/out" || fail "backup: $(cat "$dir/out")"
out_has 'rebuilt from the log on restore'
[ -f "$dir/bk/data.mdb" ] || fail "no data.mdb in the backup"
expect_rc 2 db backup "$dir/bk"           # never overwrites
expect_rc 0 db backup "$dir/bk2" --json
json "d['valid'] and d['head']==$head and d['hash']=='$last_hash'"
(cd "$dir" && expect_rc 0 db backup bk3)  # a relative path is made absolute
out_has "backup in $dir/bk3: verified"

# ---- export ----
expect_rc 0 db help export
expect_rc 0 db export --format jsonl
cp "$dir/out" "$dir/all.jsonl"
[ "$(wc -l <"$dir/all.jsonl")" -eq "$head" ] || fail "export: $(wc -l <"$dir/all.jsonl") lines, head $head"
[ ! -s "$dir/err" ] || fail "export off a terminal is quiet: $(cat "$dir/err")"
py "
import json,sys
seqs=[json.loads(l)['seq'] for l in open(sys.argv[1])]
assert seqs==list(range(1,$head+1)), seqs" "$dir/all.jsonl"
cmp -s "$dir/all.jsonl" <(db log read) || fail "export differs from log read"
expect_rc 0 db export                     # jsonl is the default
[ "$(wc -l <"$dir/out")" -eq "$head" ] || fail "export without --format"
expect_rc 0 db export --format jsonl --from 5
py "
import json,sys
seqs=[json.loads(l)['seq'] for l in open(sys.argv[1])]
assert seqs==list(range(5,$head+1)), seqs" "$dir/out"
expect_rc 0 db export --format jsonl --type contact.
n=$(grep -c '"type":"contact\.' "$dir/all.jsonl")
[ "$(wc -l <"$dir/out")" -eq "$n" ] && [ "$n" -ge 2 ] || fail "--type contact.: $(wc -l <"$dir/out") of $n"
py "
import json,sys
assert all(json.loads(l)['type'].startswith('contact.') for l in open(sys.argv[1]))" "$dir/out"
expect_rc 0 db export --format jsonl --until "$(date -u -d yesterday +%F)"
[ ! -s "$dir/out" ] || fail "--until yesterday: $(head -2 "$dir/out")"
expect_rc 0 db export --format jsonl --until "$(date -u -d tomorrow +%F)" --type account. --from 3
py "
import json,sys
ls=[json.loads(l) for l in open(sys.argv[1])]
assert ls and all(e['type'].startswith('account.') and e['seq']>=3 for e in ls), ls" "$dir/out"
expect_rc 0 db export --from 999999
[ ! -s "$dir/out" ] || fail "--from beyond the head"
expect_rc 1 db export --format csv
expect_rc 1 db export --until 2026-13-45
expect_rc 1 db export --from 0

# ---- restore: refusals while running ----
expect_rc 3 db restore "$dir/bk" --data-dir "$dir/new"
err_has 'answers at'
[ ! -e "$dir/new" ] || fail "a refused restore created the target"
expect_rc 1 db restore "$dir/nothing" --data-dir "$dir/new"
# the operator's verbs check their flags like every verb: an unknown one, or
# one given twice, is a usage error before anything is asked or touched
expect_rc 1 db restore "$dir/bk" --data-dir "$dir/new" --force --force
err_has 'restore: --force given twice'
expect_rc 1 db restore "$dir/bk" --data-dir "$dir/new" --data-dir "$dir/other"
err_has '^dealbook: --data-dir given twice$'
[ ! -e "$dir/new" ] && [ ! -e "$dir/other" ] || fail "a refused restore created a target"
expect_rc 1 db backup "$dir/bk2" --frobnicate 1
err_has 'backup: unknown flag --frobnicate'
expect_rc 1 db rebuild contacts --frobnicate 1
err_has 'rebuild: unknown flag --frobnicate'

stop_all

# a damaged copy of the backup: one byte of an early payload changed
mkdir "$dir/bad"
cp "$dir/bk/data.mdb" "$dir/bad/data.mdb"
py "
import sys
p=sys.argv[1]; b=bytearray(open(p,'rb').read())
i=b.find(b'Account 1'); assert i>0
b[i+8]=ord('9'); open(p,'wb').write(b)" "$dir/bad/data.mdb"
expect_rc 2 db restore "$dir/bad" --data-dir "$dir/new"
err_has 'INVALID at seq 1'
[ ! -e "$dir/new/eventlog" ] || fail "a refused restore wrote the target"
# export refuses a log whose chain breaks
mkdir -p "$dir/baddata/eventlog"
cp "$dir/bad/data.mdb" "$dir/baddata/eventlog/"
"$BIN/dealbook-eventlog" --data-dir "$dir/baddata" 2>>"$dir/log.err" &
other_pid=$!
wait_up "$other_pid" db log status || fail "the log of baddata did not start: $(tail -3 "$dir/log.err")"
expect_rc 5 db export --format jsonl
err_has 'hash chain breaks at seq 1'
# and its VERIFY fails with one line on stderr, nothing on stdout
expect_rc 2 db log verify
err_has 'dealbook: log: INVALID at seq 1'
[ ! -s "$dir/out" ] || fail "log verify printed on stdout: $(cat "$dir/out")"
kill $other_pid && wait $other_pid 2>/dev/null || true
other_pid=

# a log running on the target directory (elsewhere) holds its lock
"$BIN/dealbook-eventlog" --data-dir "$dir/data" --log ipc://$dir/other.sock \
    --pub ipc://$dir/otherpub.sock 2>>"$dir/log.err" &
other_pid=$!
wait_up "$other_pid" db log status --log ipc://$dir/other.sock ||
    fail "the second log did not start: $(tail -3 "$dir/log.err")"
expect_rc 3 db restore "$dir/bk" --data-dir "$dir/data" --force
err_has "^dealbook: restore: $dir/data/eventlog is in use by another process (pid $other_pid): stop it first$"
kill $other_pid && wait $other_pid 2>/dev/null || true
other_pid=

# ---- restore ----
expect_rc 0 db help restore
# restore replaces a data directory's contents: without --data-dir or
# DEALBOOK_DATA_DIR (empty counts as unset) it refuses, touching nothing,
# rather than pick the default directory under wherever it runs
mkdir "$dir/cwd"
expect_rc 1 env -u DEALBOOK_DATA_DIR -C "$dir/cwd" "$BIN/dealbook" restore "$dir/bk"
err_has '^dealbook: restore: give the data directory to replace: --data-dir D'
[ "$(wc -l <"$dir/err")" -eq 1 ] || fail "more than one line: $(cat "$dir/err")"
expect_rc 1 env -C "$dir/cwd" DEALBOOK_DATA_DIR= "$BIN/dealbook" restore "$dir/bk" --force
err_has 'give the data directory to replace'
[ -z "$(ls -A "$dir/cwd")" ] || fail "a refused restore wrote: $(ls -AR "$dir/cwd")"
# the directory the services are configured with, in the environment, is a choice
expect_rc 0 env DEALBOOK_DATA_DIR="$dir/envdata" "$BIN/dealbook" restore "$dir/bk"
out_has "restored $dir/bk into $dir/envdata/eventlog: verified, head $head"
expect_rc 0 db restore "$dir/bk" --data-dir "$dir/new"
out_has "restored $dir/bk into $dir/new/eventlog: verified, head $head, hash $last_hash"
out_has 'rebuild their read models'
expect_rc 3 db restore "$dir/bk" --data-dir "$dir/new"
err_has 'add --force'
expect_rc 3 db restore "$dir/bk" --data-dir "$dir/data"
[ -d "$dir/data/contacts" ] && [ -d "$dir/data/opportunities" ] || fail "read models missing"
expect_rc 0 db restore "$dir/bk" --data-dir "$dir/data" --force --json
json "d['head']==$head and d['hash']=='$last_hash' and sorted(d['removed'])==['contacts','opportunities']"
[ ! -e "$dir/data/contacts" ] && [ ! -e "$dir/data/opportunities" ] || fail "read models not removed"
ls -a "$dir/data" | grep -q restore && fail "a temporary directory was left: $(ls -a "$dir/data")"

# the services on the restored directory: read models replayed, same answers
start_all "$dir/new"
caught_up
expect_rc 0 db status --services $SVCS --max-lag 0
expect_rc 0 db log verify
[ "$(wc -l <"$dir/out")" -eq 1 ] || fail "verify off a terminal prints one line: $(cat "$dir/out")"
# the head seq and hash, as the backup noted them: the restored log is that history
grep -q "^log: valid, $head events checked, head seq $head hash $last_hash$" "$dir/out" ||
    fail "verify: $(cat "$dir/out")"
expect_rc 0 db log status --json
json "d['head']==$head and d['head_hash']=='$last_hash'"
if command -v script >/dev/null; then # on a terminal: a progress line, then the result
    SHELL=/bin/sh script -qec "$BIN/dealbook log verify" /dev/null >"$dir/tty" || fail "verify on a tty"
    grep -q $'\r'"verify: 0/$head events" "$dir/tty" || fail "no verify progress line: $(cat -A "$dir/tty")"
    grep -q "log: valid, $head events checked" "$dir/tty" || fail "tty: $(cat "$dir/tty")"
    SHELL=/bin/sh script -qec "$BIN/dealbook backup $dir/bk-tty" /dev/null >"$dir/tty" || fail "backup on a tty: $(cat "$dir/tty")"
    grep -q $'\r'"backup: 0/$head events" "$dir/tty" || fail "no backup progress line: $(cat -A "$dir/tty")"
    grep -q "backup in $dir/bk-tty: verified, head $head" "$dir/tty" || fail "tty: $(cat "$dir/tty")"
fi
# no verify or backup running: STATUS lists no jobs
expect_rc 0 db log status --json
json "d['jobs']==[]"
answers "$dir/restored"
cmp -s "$dir/before" "$dir/restored" || { diff "$dir/before" "$dir/restored" | head; fail "answers differ after restore"; }
expect_rc 0 db export
cmp -s "$dir/all.jsonl" "$dir/out" || fail "the restored log exports differently"
expect_rc 1 db status --max-lag many
expect_rc 0 db help status
expect_rc 0 db status --help
out_has '--max-lag N'
stop_all
start_all "$dir/data"
caught_up
answers "$dir/restored2"
cmp -s "$dir/before" "$dir/restored2" || fail "answers differ after restore --force"
echo "ops: ok"
