#!/usr/bin/python3
"""opportunities_overflow_test.py - a deal's weighted amount is exact for
any amount the log may hold, and the same in the opportunities and the
forecasting services, through real dealbook-eventlog,
dealbook-opportunities and dealbook-forecasting processes.

OPP_REGISTER accepts at most 10^15 minor units, but anyone who reaches
the log may append an opportunity.registered by hand (docs/operations.md,
"What the history proves"). Two deals are appended so: one of INT64_MAX
at L5 (90 %) and one of -10^17 at L2 (25 %, -2.5 x 10^16 exactly).
amount x probability does not fit an int64 for the first: OPP_GET,
OPP_GET as of today and OPP_LIST must answer the weighted amount
rounded half away from zero, 8301034833169298226, as FUNNEL does.

Run by tests/run.sh with /usr/bin/python3; exit 0 pass, 77 skip.
"""
import datetime
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from forecasting_asof_test import append  # noqa: E402
from services import Services, fail, missing  # noqa: E402

NAMES = ("eventlog", "opportunities", "forecasting")
INT64_MAX = 2**63 - 1


def weighted(amount, percent):
    """amount x percent / 100, rounded half away from zero."""
    x = amount * percent
    return (abs(x) + 50) // 100 * (1 if x >= 0 else -1)


def main():
    if missing(NAMES):
        return 77
    svc = Services(NAMES, prefix="dbk-oppover-")
    try:
        svc.start()
        log = svc.client("eventlog", timeout_ms=20000)
        opp = svc.client("opportunities", timeout_ms=20000)
        fc = svc.client("forecasting", timeout_ms=20000)
        on = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
        deals = (("big", INT64_MAX, 5, 90), ("neg", -10**17, 2, 25))
        evs = []
        for oid, amount, level, _ in deals:
            evs.append(("opportunity-" + oid, "opportunity.registered",
                        {"id": oid, "name": "P " + oid, "account_id": "a1", "owner": "wang",
                         "currency": "USD", "close_date": "2030-06-30", "amount": amount,
                         "level": 1, "stage": "need_discovery", "on": on}))
            evs.append(("opportunity-" + oid, "opportunity.level_changed",
                        {"id": oid, "from": 1, "to": level, "on": on}))
        append(log, evs)
        head = log.status()["head"]
        for c, name in ((opp, "opportunities"), (fc, "forecasting")):
            for _ in range(1500):
                if c.call("STATUS")["seq_applied"] >= head:
                    break
                time.sleep(0.02)
            else:
                fail("%s did not catch up with %d events" % (name, head))

        rows = {r["id"]: r for r in opp.call("OPP_LIST", owner="wang")["opportunities"]}
        funnel = fc.call("FUNNEL", currency="USD")["levels"]
        for oid, amount, level, pct in deals:
            want = weighted(amount, pct)
            got = [opp.call("OPP_GET", id=oid)["weighted"],
                   opp.call("OPP_GET", id=oid, as_of=on)["weighted"], rows[oid]["weighted"],
                   funnel[level - 1]["weighted"]]
            if got != [want] * 4:
                fail("%s (%d at %d %%): OPP_GET, as of today, OPP_LIST, FUNNEL weighted %r, "
                     "wanted %d" % (oid, amount, pct, got, want))
        print("opportunities: weighted %d of INT64_MAX at 90 %%, alike in both services"
              % weighted(INT64_MAX, 90))
        return 0
    finally:
        svc.close()


if __name__ == "__main__":
    sys.exit(main())
