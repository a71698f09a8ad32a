#!/usr/bin/env bash
# The docs are checked against the code so that they cannot drift:
# every envelope key, every wire error code and every DEALBOOK_* variable the
# code knows must be described in the matching document.
set -euo pipefail
cd "${DBK_ROOT:-.}"
fail=0
need() { # need FILE WORD WHAT
    grep -qF -- "$2" "$1" || { echo "docs drift: $3 '$2' is not described in $1"; fail=1; }
}
keys=$(sed -n '/^int dbk_event_decode_record/,/^}/p' libshared/dbk_event.c |
    grep -o 'S_KEY (&c, "[a-z]*")' | grep -o '"[a-z]*"' | tr -d '"')
[ "$(wc -w <<<"$keys")" -eq 14 ] || { echo "could not read the 14 envelope keys"; exit 1; }
for k in $keys; do need docs/events.md "\`$k\`" "envelope key"; need docs/protocol.md "$k" "envelope key"; done
codes=$(grep -o '{DBK_[A-Z_]*, "[A-Z_]*"' libshared/dbk_error.c | sed -E 's/.*"([A-Z_]+)"/\1/' | sort -u)
for c in $codes; do [ "$c" = OK ] || need docs/protocol.md "$c" "error code"; done
vars=$(grep -o '"DEALBOOK_[A-Z_]*"' libshared/dbk_config.c | tr -d '"' | sort -u)
for v in $vars; do need docs/operations.md "$v" "setting"; done
verbs=$(sed -n '/s_verbs\[\] = {/,/};/p' services/eventlog/eventlog_server.c | grep -o '"[A-Z]*"' | tr -d '"')
for v in $verbs; do need docs/protocol.md "$v" "verb"; done
[ $fail -eq 0 ] && echo "docs: in step with the code"
exit $fail
