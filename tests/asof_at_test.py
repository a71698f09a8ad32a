#!/usr/bin/python3
"""asof_at_test.py - the as-of views cut the log by `at`, when an
event happened as its producer states it (the services stamp the time
they decide it); the log refuses an `at` more than 5 minutes after its clock.
Through real dealbook-eventlog, -opportunities and -forecasting
processes, with events appended by hand (as `dealbook log append --at`):

  - an event whose `at` is 10 minutes ahead is refused (INVALID, field at),
    nothing appended: it would date a fact ahead of every as-of view and
    end the forecasting service's replays there;
  - one within the producers' margin (a minute ahead, in today) is taken;
  - history imported with its own past `at`, in time order, counts from
    that time: a deal registered with an `at` of 2020 is in OPP_GET and
    FUNNEL as of 2024, and a deal registered today is not.

Run by tests/run.sh with /usr/bin/python3; exit 0 pass, 77 skip.
"""
import datetime
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from services import Services, dealbook, fail, missing  # noqa: E402

NAMES = ("eventlog", "opportunities", "forecasting")


def ms(day):
    return int(datetime.datetime.fromisoformat(day + "T12:00:00+00:00").timestamp() * 1000)


def registered(oid, on, at=None):
    return dealbook.new_event("opportunity.registered", {
        "id": oid, "name": "Project " + oid, "account_id": "a1", "owner": "zhao",
        "currency": "CNY", "close_date": "2031-12-31", "amount": 1000, "level": 1, "on": on},
        actor="ops", at=at)


def main():
    if missing(NAMES):
        return 77
    svc = Services(NAMES, prefix="dbk-asof-at-")
    try:
        svc.start()
        log, o, f = svc.up("eventlog"), svc.up("opportunities"), svc.up("forecasting")
        today = datetime.datetime.now(datetime.timezone.utc).date().isoformat()

        # history imported in time order, before what follows it
        log.append("opportunity-old", [registered("old", "2020-01-01", ms("2020-01-01"))])

        # beyond the margin: refused, nothing appended
        ahead = int(time.time() * 1000) + 10 * 60000  # 10 minutes
        try:
            r = log.append("opportunity-ahead", [registered("ahead", today, ahead)])
            fail("an at 10 minutes ahead was appended: %r" % r)
        except dealbook.DealbookError as e:
            if e.code != "INVALID" or e.field != "at" or "more than 5 minutes after" not in e.msg:
                fail("an at 10 minutes ahead: %r" % e)
        if log.status()["head"] != 1:
            fail("a refused APPEND appended")
        # a minute ahead, but never into tomorrow (the as-of view of today
        # stops at the first event past today)
        now_ms = int(time.time() * 1000)
        soon = min(now_ms + 60000, (now_ms // 86400000 + 1) * 86400000 - 1)
        log.append("opportunity-soon", [registered("soon", today, soon)])

        # imported history counts from its own time; today's deal does not
        seq = log.append("opportunity-new", [registered("new", today)])["last_seq"]
        o.call("OPP_LIST", after_seq=seq)
        if o.call("OPP_GET", id="old", as_of="2024-01-01")["registered_on"] != "2020-01-01":
            fail("imported history is not there as of 2024")
        try:
            r = o.call("OPP_GET", id="new", as_of="2024-01-01")
            fail("a deal registered today is there as of 2024: %r" % r)
        except dealbook.DealbookError as e:
            if e.code != "NOT_FOUND":
                fail("OPP_GET as of 2024: %r" % e)
        past = f.call("FUNNEL", as_of="2024-01-01", after_seq=seq)
        now = f.call("FUNNEL", as_of=today, after_seq=seq)
        if past["open"]["count"] != 1 or now["open"]["count"] != 3:
            fail("the funnel as of 2024: %r, as of today: %r" % (past["open"], now["open"]))
        print("asof_at_test: ok")
        return 0
    finally:
        svc.close()


if __name__ == "__main__":
    sys.exit(main())
