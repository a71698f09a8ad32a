#!/usr/bin/env bash
# A command that fails unreachable can be retried safely from the CLI: the
# CLI prints the command id it sent, and --cmd UUID sends that id again
# instead of a new one, so the service answers the retry as a duplicate
# rather than record the command twice. Against real dealbook-eventlog and
# dealbook-contacts processes (ipc endpoints in a temp dir): the log is
# stopped (SIGSTOP) under an `activity log`, which the contacts service
# answers UNREACHABLE; its APPEND may still be committed once the log goes
# on. Also: the id of an aggregate the CLI creates comes from the command
# id (a retry names the same account), and --cmd is refused where it
# cannot serve.
set -euo pipefail
BIN=${DBK_BIN_DIR:?}
dir=$(mktemp -d /tmp/dbk-retry-XXXXXX)
log_pid= svc_pid=
cleanup() {
    [ -z "$log_pid" ] || kill -CONT "$log_pid" 2>/dev/null || true
    for p in $svc_pid $log_pid; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done || true
    rm -rf "$dir"
}
trap cleanup EXIT
export DEALBOOK_DATA_DIR=$dir/data DEALBOOK_LOG_ENDPOINT=ipc://$dir/log.sock \
       DEALBOOK_PUB_ENDPOINT=ipc://$dir/pub.sock DEALBOOK_CONTACTS_ENDPOINT=ipc://$dir/contacts.sock \
       DEALBOOK_HEARTBEAT_MS=100 DEALBOOK_TIMEOUT_MS=1000 DEALBOOK_DURABLE=0
. "$(dirname "$0")/support/cli_lib.sh"
py() { /usr/bin/python3 -c "$@"; }
err_has() { grep -q -- "$1" "$dir/err" || fail "wanted '$1' in: $(cat "$dir/err")"; }
# how many events of the log have cause $1
caused_by() { db log read | py "import json,sys; print(sum(json.loads(l)['cause']=='$1' for l in sys.stdin))"; }
caught_up() {
    for _ in $(seq 1 200); do db status --services eventlog,contacts --max-lag 0 >/dev/null 2>&1 && return 0; sleep 0.05; done
    fail "contacts did not catch up: $(db status --services eventlog,contacts 2>&1)"
}

"$BIN/dealbook-eventlog" 2>>"$dir/log.err" &
log_pid=$!
"$BIN/dealbook-contacts" 2>>"$dir/contacts.err" &
svc_pid=$!
caught_up
expect_rc 0 db account add 'Metro Works' --type owner --id a1
expect_rc 0 db contact add 'Wang Wei' --account a1 --id c1
today=$(date -u +%F)

# ---- unreachable: the command id is printed, and the retry with it is
# recorded once ----
kill -STOP "$log_pid"
expect_rc 4 db activity log visit --date "$today" --with c1 --account a1 --notes 'site walk'
id=$(sed -n 's/^dealbook: activity log: command id \([0-9a-f-]*\): repeat it with --cmd \1 to retry safely$/\1/p' "$dir/err")
[ -n "$id" ] || fail "no command id on stderr: $(cat "$dir/err")"
grep -q '^dealbook: activity log: UNREACHABLE' "$dir/err" || fail "not unreachable: $(cat "$dir/err")"
[ "$(wc -l <"$dir/err")" -eq 2 ] || fail "stderr: $(cat "$dir/err")"
kill -CONT "$log_pid"
caught_up
expect_rc 0 db activity log visit --date "$today" --with c1 --account a1 --notes 'site walk' --cmd "$id" --json
py "import json,sys; d=json.load(open(sys.argv[1])); assert d['cmd']=='$id', d" "$dir/out"
caught_up
[ "$(caused_by "$id")" -eq 1 ] || fail "the activity is recorded $(caused_by "$id") times"
expect_rc 0 db activity list --contact c1 --json
py "import json,sys; d=json.load(open(sys.argv[1])); assert len(d['activities'])==1, d" "$dir/out"
# once more: a duplicate, nothing appended
expect_rc 0 db activity log visit --date "$today" --with c1 --account a1 --notes 'site walk' --cmd "$id" --json
py "import json,sys; d=json.load(open(sys.argv[1])); assert d['duplicate'] is True, d" "$dir/out"
[ "$(caused_by "$id")" -eq 1 ] || fail "the duplicate appended"

# ---- the id the CLI picks for what a command creates comes from the
# command id: a retry with --cmd prints the same account ----
cmd=0193a3b4-5c6d-7e8f-9a0b-1c2d3e4f5a6b
expect_rc 0 db account add 'Harbour Hospital' --type owner --cmd $cmd
[ "$(cat "$dir/out")" = "account 0193a3b45c6d3e4f5a6b" ] || fail "account add: $(cat "$dir/out")"
expect_rc 0 db account add 'Harbour Hospital' --type owner --cmd ${cmd//-/} --json
py "import json,sys; d=json.load(open(sys.argv[1])); assert d['id']=='0193a3b45c6d3e4f5a6b' and d['duplicate'] is True, d" "$dir/out"
expect_rc 0 db account show 0193a3b45c6d3e4f5a6b
# without --cmd, each run is a new command and a new id
expect_rc 0 db competitor add Kone
a=$(cat "$dir/out")
expect_rc 0 db competitor add Schindler
[ "$a" != "$(cat "$dir/out")" ] || fail "two runs picked the same id: $a"

# ---- where --cmd cannot serve ----
expect_rc 1 db account show a1 --cmd "$id"
err_has '^dealbook: account show: --cmd is the id of a command to retry, and account show sends none$'
expect_rc 1 db account add X --type owner --cmd 12345
err_has '^dealbook: --cmd takes a command id: a UUID'
expect_rc 1 db account add X --type owner --cmd "$cmd" --cmd "$cmd"
err_has 'account add: --cmd given twice'
for c in "status" "log status" "rebuild contacts" "export"; do
    # shellcheck disable=SC2086
    expect_rc 1 db $c --cmd "$cmd"
    err_has 'unknown flag --cmd'
done
# refusals and conflicts name no command id: nothing to retry
expect_rc 2 db activity log visit --date 2999-01-01 --with c1
grep -q 'command id' "$dir/err" && fail "a refusal printed the command id: $(cat "$dir/err")"
expect_rc 0 db help
grep -q -- '--cmd UUID' "$dir/out" || fail "dealbook help does not describe --cmd"
echo "cli retry: ok"
