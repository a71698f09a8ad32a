#!/usr/bin/python3
"""forecasting_currency_test.py - the `currency` filter of the forecasting
service's queries is checked against the one ISO 4217 table, as a
command's currency is, through real dealbook-eventlog and
dealbook-forecasting processes (docs/protocol.md §16.4).

Two deals of owner u1 are appended to the log as the opportunities
service would write them, one in CNY, one in HRK: a code the table no
longer has (withdrawn in 2023), which a log written before the table may
hold. Then:
- every query that takes the filter (FUNNEL, FORECAST, ACCURACY,
  PROGRESS, HEALTH, WINLOSS, CHANGES) refuses currency `XYZ` (shaped like
  a code, in no table, no deal in it), `usd` (lower case), `EURO` and a
  number: INVALID, field `currency`, in the words a command's refusal
  uses; so does FUNNEL as of today (the replay's book), and `dealbook
  funnel --currency XYZ` exits 2 saying so;
- USD (in the table, no deal in it) answers zero; CNY answers the CNY
  deal;
- HRK answers the HRK deal, now and as of today: a figure in a money the
  log holds is still asked for.

Run by tests/run.sh with /usr/bin/python3; exit 0 pass, 77 skip.
"""
import datetime
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from forecasting_asof_test import append  # noqa: E402
from services import BIN, Services, caught_up, dealbook, fail, missing  # noqa: E402

NAMES = ("eventlog", "forecasting")

# each query of the filter, with the fields it requires
QUERIES = (("FUNNEL", {}), ("FORECAST", {"period": "2030"}),
           ("ACCURACY", {"owner": "u1", "period": "2030-06"}), ("PROGRESS", {}), ("HEALTH", {}),
           ("WINLOSS", {}), ("CHANGES", {"from": "2030-01-01", "to": "2030-12-31"}))


def deal(oid, currency, amount, on):
    return ("opportunity-" + oid, "opportunity.registered",
            {"id": oid, "name": "deal " + oid, "account_id": "a1", "owner": "u1",
             "currency": currency, "amount": amount, "level": 1, "on": on,
             "close_date": "2030-06-30"})


def invalid(fc, op, value, what, **args):
    """op with currency `value` must be refused INVALID on currency."""
    try:
        r = fc.call(op, currency=value, **args)
    except dealbook.DealbookError as e:
        if e.code != "INVALID" or e.field != "currency" or "ISO 4217" not in e.msg:
            fail("%s %s: wanted INVALID currency, got %s %s %r" % (what, op, e.code, e.field,
                                                                   e.msg))
        return e
    fail("%s %s with currency %r: answered %r" % (what, op, value, r))


def main():
    if missing(NAMES):
        return 77
    svc = Services(NAMES, prefix="dbk-fccur-")
    try:
        svc.start()
        log = svc.client("eventlog", timeout_ms=10000)
        fc = svc.client("forecasting", timeout_ms=20000)
        today = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
        append(log, [deal("d1", "CNY", 100000, today), deal("d2", "HRK", 700, today)])
        caught_up({"forecasting": fc}, log.status()["head"], "forecasting")

        for op, args in QUERIES:
            e = invalid(fc, op, "XYZ", "a code in no table", **args)
            if "not 'XYZ'" not in e.msg:
                fail("%s: the refusal does not name the code: %r" % (op, e.msg))
            invalid(fc, op, "usd", "lower case", **args)
            invalid(fc, op, "EURO", "four letters", **args)
            invalid(fc, op, 840, "a number", **args)
        invalid(fc, "FUNNEL", "XYZ", "as of today", as_of=today)

        usd = fc.call("FUNNEL", currency="USD")
        if usd["currency"] != "USD" or usd["open"]["count"] != 0:
            fail("FUNNEL in USD: %r" % usd)
        cny = fc.call("FUNNEL", currency="CNY")
        if (cny["open"]["count"], cny["open"]["amount"]) != (1, 100000):
            fail("FUNNEL in CNY: %r" % cny)
        for args in ({}, {"as_of": today}):
            hrk = fc.call("FUNNEL", currency="HRK", **args)
            if (hrk["currency"], hrk["open"]["count"], hrk["open"]["amount"]) != ("HRK", 1, 700):
                fail("FUNNEL in HRK %r: %r" % (args, hrk))

        cli = subprocess.run([os.path.join(BIN, "dealbook"), "funnel", "--currency", "XYZ"],
                             env=svc.env, capture_output=True, text=True)
        if cli.returncode != 2 or "INVALID" not in cli.stderr or "ISO 4217" not in cli.stderr:
            fail("dealbook funnel --currency XYZ: exit %d, %r %r" % (cli.returncode, cli.stdout,
                                                                    cli.stderr))
        print("forecasting currency filter: XYZ, usd, EURO and 840 refused by %d queries (%s); "
              "USD 0, CNY and HRK (held by the log) answered" % (len(QUERIES), e.msg))
        return 0
    finally:
        svc.close()


if __name__ == "__main__":
    sys.exit(main())
