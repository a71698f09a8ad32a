#!/usr/bin/env python3
"""append.py - append N events to a stream of the dealbook event log and
print where they landed, as JSON (one line per APPEND request).

    append.py STREAM N [--type TYPE] [--expect any|none|exists|VERSION]
              [--batch K] [--actor ACTOR] [--data JSON] [--log ENDPOINT]

Each event gets a fresh UUIDv7 id and the payload {"n": i, ...--data}.
With --batch K the N events go in APPENDs of at most K events; --expect
applies to the first APPEND only (the next ones follow on from it with
the exact version the previous one reached).

Exit codes (as the dealbook CLI): 0 done, 1 usage, 2 rejected by
validation, 3 conflict (expected version, event id), 4 the log is
unreachable, 5 another error of the log (storage, disk full, ...).

Example:
    append.py opportunity-m3 3 --type opportunity.noted --expect none
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dealbook  # noqa: E402

EXIT_BY_CODE = {
    "INVALID": 2, "MALFORMED": 2, "TOO_LARGE": 2, "UNKNOWN_OP": 2, "UNSUPPORTED_VERSION": 2,
    "WRONG_EXPECTED_VERSION": 3, "ID_CONFLICT": 3,
    "UNREACHABLE": 4,
}


def parse_expect(s):
    if s in ("any", "none", "exists"):
        return s
    try:
        v = int(s)
    except ValueError:
        v = -1
    if v < 0:
        raise argparse.ArgumentTypeError("expect is any, none, exists or a version >= 0")
    return v


def main(argv=None):
    ap = argparse.ArgumentParser(description="Append N events to a dealbook stream.",
                                 epilog="example: append.py opportunity-m3 3 "
                                        "--type opportunity.noted --expect none")
    ap.add_argument("stream", help="stream name, <category>-<id>")
    ap.add_argument("n", type=int, help="number of events")
    ap.add_argument("--type", default=None,
                    help="event type (default: <category>.example_appended)")
    ap.add_argument("--expect", type=parse_expect, default="any",
                    help="any | none | exists | exact version (default any)")
    ap.add_argument("--batch", type=int, default=1000, help="events per APPEND (1..1000)")
    ap.add_argument("--actor", default="svc:append.py")
    ap.add_argument("--data", default="{}", help="JSON object merged into each payload")
    ap.add_argument("--log", default=None,
                    help="log ROUTER endpoint (default $DEALBOOK_LOG_ENDPOINT or %s)"
                         % dealbook.DEFAULT_LOG_ENDPOINT)
    ap.add_argument("--timeout-ms", type=int, default=5000)
    args = ap.parse_args(argv)
    if args.n < 1 or not 1 <= args.batch <= 1000:
        ap.error("N must be >= 1 and --batch 1..1000")
    try:
        extra = json.loads(args.data)
        if not isinstance(extra, dict):
            raise ValueError("not an object")
    except ValueError as e:
        ap.error("--data must be a JSON object (%s)" % e)
    etype = args.type or "%s.example_appended" % args.stream.split("-", 1)[0]

    client = dealbook.Client(args.log, timeout_ms=args.timeout_ms)
    expect = args.expect
    try:
        done = 0
        while done < args.n:
            k = min(args.batch, args.n - done)
            events = [dealbook.new_event(etype, dict(extra, n=done + i + 1), actor=args.actor)
                      for i in range(k)]
            result = client.append(args.stream, events, expect=expect)
            print(json.dumps(result), flush=True)
            done += k
            if expect != "any":
                expect = result["last_ver"]
    except dealbook.DealbookError as e:
        print("append.py: %s" % e, file=sys.stderr)
        return EXIT_BY_CODE.get(e.code, 5)
    finally:
        client.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
