#!/usr/bin/python3
"""bidding_registration_test.py - nothing on a deal is dated before its
registration, in the bidding service, through real dealbook-eventlog and
dealbook-bidding processes (docs/protocol.md §16.3): the service learns
the day each deal was registered from the log, as the opportunities
service folds it.

Two registrations are appended to the log as the opportunities service
would write them: o1 stating on 2026-01-10 (history entered after the
fact), o2 stating on 2099-01-01 (a day to come, appended by hand). Then:
- TENDER_OPEN for o1 stated on 2026-01-09 is INVALID on `on`, naming the
  registration's date; stated on 2026-01-10 it opens;
- TENDER_STEP and QUOTE_CREATE on o1's tender stated on 2026-01-09 are
  refused likewise; stated on 2026-01-10 they go in;
- TENDER_OPEN for o2 today opens (the service's business day set to
  +14:00, the latest anywhere): a registration dated ahead counts as of
  the latest business day when the log recorded it, as the
  opportunities service folds it, not as a bar until 2099;
- after REBUILD (the read model replayed from the log) the same.

Run by tests/run.sh with /usr/bin/python3; exit 0 pass, 77 skip.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from forecasting_asof_test import append  # noqa: E402
from services import Services, caught_up, fail, missing, ok, refused  # noqa: E402
from services import cmd as send  # noqa: E402

NAMES = ("eventlog", "bidding")


def registered(oid, on):
    return ("opportunity-" + oid, "opportunity.registered",
            {"id": oid, "name": "deal " + oid, "normalized_name": "deal " + oid,
             "account_id": "a1", "owner": "zhao", "currency": "CNY", "amount": 100,
             "level": 1, "close_date": "2099-06-30", "on": on})


def main():
    if missing(NAMES):
        return 77
    svc = Services(NAMES, prefix="dbk-bidreg-", DEALBOOK_TIMEZONE="+14:00")
    try:
        svc.start()
        log = svc.client("eventlog", timeout_ms=10000)
        bid = svc.up("bidding", timeout_ms=10000)
        append(log, [registered("o1", "2026-01-10"), registered("o2", "2099-01-01")])
        caught_up({"bidding": bid}, log.status()["head"], "bidding")

        def cmd(op, **kw):
            return send(bid, op, **kw)

        def before(op, what, **kw):
            r = cmd(op, on="2026-01-09", **kw)
            refused(r, "INVALID", "on", what)
            want = "on (2026-01-09) cannot be before the registration of opportunity o1 " \
                   "(2026-01-10)"
            if want not in r.msg:
                fail("%s: %r" % (what, r.msg))

        def check():
            before("TENDER_OPEN", "a tender opened before its deal was registered", id="t9",
                   opportunity_id="o1", number="N9", issuer="I", type="public", currency="CNY")
            before("TENDER_STEP", "a step stated before the deal was registered", id="t1",
                   step="documents_issued")
            before("QUOTE_CREATE", "a quote created before the deal was registered", id="q9",
                   tender_id="t1", currency="CNY")

        ok(cmd("TENDER_OPEN", id="t1", opportunity_id="o1", number="N1", issuer="I",
               type="public", currency="CNY", on="2026-01-10"), "a tender on the day")
        check()
        ok(cmd("QUOTE_CREATE", id="q1", tender_id="t1", currency="CNY", on="2026-01-10"),
           "a quote on the day")
        ok(cmd("TENDER_OPEN", id="t2", opportunity_id="o2", number="N2", issuer="I",
               type="public", currency="CNY"), "a deal registered ahead, today")

        bid.call("REBUILD", timeout_ms=30000)
        check()
        ok(cmd("TENDER_STEP", id="t1", step="documents_issued", on="2026-01-10"),
           "a step on the day, after REBUILD")
        print("bidding: commands stated before o1's registration refused, on its day taken; "
              "a registration dated ahead bars nothing")
        return 0
    finally:
        svc.close()


if __name__ == "__main__":
    sys.exit(main())
