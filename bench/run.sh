#!/usr/bin/env bash
# make bench: run bench/bench_log, bench/bench_contacts,
# bench/bench_opportunities, bench/bench_bidding and bench/bench_forecasting
# (see docs/performance.md) and keep their output in $BUILD/bench/last.txt.
#   BENCH_ONLY     "log", "contacts", "opportunities", "bidding" or "forecasting": run only
#                  that program
#   BENCH_ROUNDS   rounds, interleaved (default 3)
#   BENCH_SECONDS  seconds per case and round (default 3)
#   BENCH_KEEP     keep the temporary data directory
#   TMPDIR         where the data goes (the disk under test)
# bench_log:
#   BENCH_EVENTS   events for the READ / subscriber cases (default 1000000)
#   BENCH_PREFILL  "protocol": pre-fill by durable APPENDs (default: through the store)
#   BENCH_CASES    a subset of its cases
# bench_contacts:
#   BENCH_CONTACTS=0          skip it
#   BENCH_CONTACTS_ACCOUNTS   accounts (default 2000)
#   BENCH_CONTACTS_CONTACTS   contacts (default 100000)
#   BENCH_CONTACTS_TRIPS      trips (default 500000)
#   BENCH_REBUILD_EVENTS      events in the log, activities making up the rest (default 1000000)
#   BENCH_CONTACTS_CASES      a subset of catchup,cmd1,cmd8,city,birthdays,untouched,rebuild
# bench_opportunities:
#   BENCH_OPPORTUNITIES=0     skip it
#   BENCH_OPPS                opportunities (default 1000000)
#   BENCH_OPP_CASES           a subset of catchup,next1,next8,reg1,reg8,list-all,list-owner,
#                             list-level,list-region,list-category,list-account,list-desc,
#                             list-page2,rebuild
# bench_bidding:
#   BENCH_BIDDING=0           skip it
#   BENCH_TENDERS             tenders (default 100000; 30% with a contract)
#   BENCH_BID_CASES           a subset of catchup,ask1,ask8,dl14,dl14-owner,dl90,dl90-owner,
#                             rcv,rcv-owner,rebuild
# bench_forecasting:
#   BENCH_FORECASTING=0       skip it
#   BENCH_FC_OPPS             opportunities (default 1000000; 12% won, 8% lost)
#   BENCH_FC_ASOF_EVENTS      events in the log for the as-of case, filler making up the
#                             rest (default 10000000)
#   BENCH_FC_ASOF_QUERIES     as-of FUNNEL queries timed (default 3)
#   BENCH_FC_ACCOUNTS         accounts (default 1000)
#   BENCH_FC_CONTACTS         contacts (default 10000)
#   BENCH_FC_CASES            a subset of catchup,funnel-all,funnel-owner,funnel-region,
#                             funnel-period,forecast-owner,forecast-team,forecast-region,
#                             rebuild,asof
set -euo pipefail
BUILD=${BUILD:-build/release}
export DBK_BIN_DIR="$PWD/$BUILD/bin"
out="$BUILD/bench/last.txt"
mkdir -p "$(dirname "$out")"
tmp=${TMPDIR:-/tmp}
only=${BENCH_ONLY:-}
case "$only" in
"" | log | contacts | opportunities | bidding | forecasting) ;;
*)
    echo "BENCH_ONLY=$only: expected log, contacts, opportunities, bidding or forecasting" >&2
    exit 1
    ;;
esac
{
    echo "machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), $(uname -sr), load $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "disk under test: $tmp on $(df -P "$tmp" | awk 'NR==2 {print $1}') ($(stat -f -c %T "$tmp"))"
} | tee "$out"
if [ -z "$only" ] || [ "$only" = log ]; then
    "$BUILD/bench/bench_log" | tee -a "$out"
fi
if { [ -z "$only" ] || [ "$only" = contacts ]; } && [ "${BENCH_CONTACTS:-1}" != 0 ]; then
    echo "load before the contacts bench: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out"
    "$BUILD/bench/bench_contacts" | tee -a "$out"
fi
if { [ -z "$only" ] || [ "$only" = opportunities ]; } && [ "${BENCH_OPPORTUNITIES:-1}" != 0 ]; then
    echo "load before the opportunities bench: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out"
    "$BUILD/bench/bench_opportunities" | tee -a "$out"
fi
if { [ -z "$only" ] || [ "$only" = bidding ]; } && [ "${BENCH_BIDDING:-1}" != 0 ]; then
    echo "load before the bidding bench: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out"
    "$BUILD/bench/bench_bidding" | tee -a "$out"
fi
if { [ -z "$only" ] || [ "$only" = forecasting ]; } && [ "${BENCH_FORECASTING:-1}" != 0 ]; then
    echo "load before the forecasting bench: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out"
    "$BUILD/bench/bench_forecasting" | tee -a "$out"
fi
