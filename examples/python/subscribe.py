#!/usr/bin/env python3
"""subscribe.py - print the events of the dealbook event log from a seq:
first those already stored (READ), then live ones (PUB), in seq order,
each once, one JSON object per line.

    subscribe.py [--from SEQ] [--type PREFIX] [--count N] [--idle SECONDS]
                 [--log ENDPOINT] [--pub ENDPOINT]

--type PREFIX prints only events whose type starts with PREFIX; it
subscribes to that prefix only and relies on heartbeats and filtered READ
to miss nothing (docs/protocol.md section 11.3). On stderr it says when it
has caught up with the log ("caught up ...") and, when it stops, prints
its counters as JSON ({"stats": ...}).

It stops after --count events, after --idle seconds without an event, or
on Ctrl-C. Exit codes: 0 done, 1 usage, 4 the log is unreachable, 5
another error.

Example:
    subscribe.py --from 1 --type opportunity.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dealbook  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description="Print dealbook events from a seq, then live.",
                                 epilog="example: subscribe.py --from 1 --type opportunity.")
    ap.add_argument("--from", dest="from_seq", type=int, default=1,
                    help="first seq to print (default 1)")
    ap.add_argument("--type", default="", help="only types starting with this prefix")
    ap.add_argument("--count", type=int, default=None, help="stop after N events")
    ap.add_argument("--idle", type=float, default=None,
                    help="stop after this many seconds without an event")
    ap.add_argument("--page", type=int, default=1000, help="events per READ (1..10000)")
    ap.add_argument("--log", default=None, help="log ROUTER endpoint "
                    "(default $DEALBOOK_LOG_ENDPOINT or %s)" % dealbook.DEFAULT_LOG_ENDPOINT)
    ap.add_argument("--pub", default=None, help="log PUB endpoint "
                    "(default $DEALBOOK_PUB_ENDPOINT or %s)" % dealbook.DEFAULT_PUB_ENDPOINT)
    ap.add_argument("--timeout-ms", type=int, default=5000)
    args = ap.parse_args(argv)
    if args.from_seq < 1 or (args.count is not None and args.count < 1):
        ap.error("--from and --count must be >= 1")
    if not 1 <= args.page <= 10000:
        ap.error("--page must be 1..10000")

    def announce(sub):
        print("caught up at seq %d (head %d)" % (sub.pos, sub.head), file=sys.stderr,
              flush=True)

    sub = dealbook.Subscriber(args.log, args.pub, after=args.from_seq - 1,
                              type_prefix=args.type, page=args.page,
                              idle_timeout=args.idle, timeout_ms=args.timeout_ms,
                              on_caught_up=announce)
    n = 0
    rc = 0
    try:
        for rec in sub:
            print(json.dumps(dealbook.to_json(rec), ensure_ascii=False), flush=True)
            n += 1
            if args.count is not None and n >= args.count:
                break
    except KeyboardInterrupt:
        pass
    except dealbook.DealbookError as e:
        print("subscribe.py: %s" % e, file=sys.stderr)
        rc = 4 if e.code == "UNREACHABLE" else 5
    except dealbook.ChainError as e:
        print("subscribe.py: %s" % e, file=sys.stderr)
        rc = 5
    finally:
        print(json.dumps({"stats": sub.stats()}), file=sys.stderr, flush=True)
        sub.close()
    return rc


if __name__ == "__main__":
    sys.exit(main())
