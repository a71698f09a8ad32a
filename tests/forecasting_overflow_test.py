#!/usr/bin/python3
"""forecasting_overflow_test.py - the forecasting service never answers a
sum that wrapped, through real dealbook-eventlog and dealbook-forecasting
processes (docs/protocol.md §16.4, "Figures too large").

9,300 deals of one owner, each of 10^15 minor units (the most
OPP_REGISTER accepts), are appended to the log as the opportunities
service would write them: 9,000 expected to close in 2030-06, 300 in
2030-07. Together they are 9.3 x 10^18, past the 9.22 x 10^18 an int64
holds, which is what the wire carries:
- FUNNEL of everything is refused, TOO_LARGE, `field` naming the figure
  (levels.L1.amount) and the message its exact value; so is the same
  FUNNEL as of today (the replay's book) and FORECAST of the year 2030
  (`pipeline`); `dealbook funnel` exits 2 and says so;
- FUNNEL of 2030-06 (9 x 10^18: it fits) answers the exact sums;
- STATUS shows the service serving and caught up, nothing logged as
  wrong.

Run by tests/run.sh with /usr/bin/python3; exit 0 pass, 77 skip.
"""
import datetime
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from forecasting_asof_test import append  # noqa: E402
from services import BIN, Services, dealbook, fail, missing  # noqa: E402

NAMES = ("eventlog", "forecasting")
DEALS, JUNE = 9300, 9000
AMOUNT = 10**15
INT64_MAX = 2**63 - 1


def history(on):
    evs = []
    for i in range(DEALS):
        oid = "d%05d" % i
        evs.append(("opportunity-" + oid, "opportunity.registered",
                    {"id": oid, "name": "deal %d" % i, "account_id": "a1", "owner": "u1",
                     "currency": "CNY", "amount": AMOUNT, "level": 1, "on": on,
                     "close_date": "2030-06-30" if i < JUNE else "2030-07-31"}))
    return evs


def too_large(fc, op, field, value, what, **args):
    try:
        r = fc.call(op, **args)
    except dealbook.DealbookError as e:
        if e.code != "TOO_LARGE" or e.field != field or str(value) not in e.msg:
            fail("%s: wanted TOO_LARGE %s naming %d, got %s %s %r" % (what, field, value, e.code,
                                                                       e.field, e.msg))
        return e
    fail("%s: answered %r" % (what, r))


def main():
    if missing(NAMES):
        return 77
    svc = Services(NAMES, prefix="dbk-fcover-")
    try:
        svc.start()
        log = svc.client("eventlog", timeout_ms=20000)
        fc = svc.client("forecasting", timeout_ms=60000)
        today = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
        append(log, history(today))
        head = log.status()["head"]
        for _ in range(1500):
            if fc.call("STATUS")["seq_applied"] >= head:
                break
            time.sleep(0.02)
        else:
            fail("forecasting did not catch up with %d events" % head)

        total = DEALS * AMOUNT
        e = too_large(fc, "FUNNEL", "levels.L1.amount", total, "FUNNEL")
        too_large(fc, "FUNNEL", "levels.L1.amount", total, "FUNNEL as of today", as_of=today)
        too_large(fc, "FORECAST", "pipeline", total, "FORECAST of 2030", period="2030",
                  owner="u1")

        june = fc.call("FUNNEL", period="2030-06")
        l1 = june["levels"][0]
        want = (JUNE, JUNE * AMOUNT, JUNE * AMOUNT // 10)
        for got in ((l1["count"], l1["amount"], l1["weighted"]),
                    (june["open"]["count"], june["open"]["amount"], june["open"]["weighted"])):
            if got != want:
                fail("FUNNEL of 2030-06: %r, wanted %r" % (got, want))
        if JUNE * AMOUNT > INT64_MAX or total <= INT64_MAX:
            fail("the figures must straddle INT64_MAX")

        cli = subprocess.run([os.path.join(BIN, "dealbook"), "funnel"], env=svc.env,
                             capture_output=True, text=True)
        if cli.returncode != 2 or "TOO_LARGE" not in cli.stderr or str(total) not in cli.stderr:
            fail("dealbook funnel: exit %d, %r %r" % (cli.returncode, cli.stdout, cli.stderr))
        print("forecasting: %d deals of 10^15 (%d in all): FUNNEL refused (%s), FUNNEL of 2030-06 "
              "exact (%d)" % (DEALS, total, e.msg, june["open"]["amount"]))
        return 0
    finally:
        svc.close()


if __name__ == "__main__":
    sys.exit(main())
