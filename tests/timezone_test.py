#!/usr/bin/python3
"""timezone_test.py - DEALBOOK_TIMEZONE, the business day, through real
dealbook-eventlog, -contacts, -opportunities and -forecasting processes.

"Today" is the date at the configured offset from UTC: the default `on`
of a command, the latest `on` a command may state, the latest date of an
activity and the earliest `on` of a forecast all follow it. The test
picks the zone whose date differs from UTC's right now (+14:00 from 10:00
UTC on, -12:00 before 12:00 UTC), so that every check would fail if the
services still counted in UTC. A value the setting does not take stops
the start with one line.

Run by tests/run.sh with /usr/bin/python3; exit 0 pass, 77 skip.
"""
import datetime
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from services import BIN, Services, cmd, dealbook, fail, missing, ok  # noqa: E402

NAMES = ("eventlog", "contacts", "opportunities", "forecasting")


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc)


def day(offset_min, shift=0):
    """The date at offset_min from UTC now, plus shift days."""
    t = utc_now() + datetime.timedelta(minutes=offset_min) + datetime.timedelta(days=shift)
    return t.date().isoformat()


def around(offset_min, call, shift=0):
    """call()'s result and the business dates (plus shift days) just
    before and after it: the day may turn while the command runs."""
    before = day(offset_min, shift)
    r = call()
    return r, {before, day(offset_min, shift)}


def refused_on(r, field, says, what):
    if not isinstance(r, dealbook.DealbookError) or r.code != "INVALID" or r.field != field \
            or not any(s in r.msg for s in says):
        fail("%s: wanted INVALID %s saying one of %r, got %r" % (what, field, says, r))


def main():
    if missing(NAMES):
        return 77
    # values the setting does not take: no start, one line naming it
    for value in ("+15:00", "-12:30", "8", "+8:00", "+08:60", "UTC+8", "utc"):
        env = dict(os.environ, DEALBOOK_TIMEZONE=value)
        p = subprocess.run([os.path.join(BIN, "dealbook-opportunities")], env=env, timeout=20,
                           capture_output=True, text=True)
        if p.returncode != 1 or "DEALBOOK_TIMEZONE=%s: UTC or an offset" % value not in p.stderr:
            fail("DEALBOOK_TIMEZONE=%s (exit %d): %s" % (value, p.returncode, p.stderr))

    # the zone whose date is not UTC's now: +14:00 from 10:00 UTC to
    # midnight, -12:00 from midnight to noon (its date turns at noon)
    zone, off = ("+14:00", 14 * 60) if utc_now().hour >= 10 else ("-12:00", -12 * 60)
    label = "UTC" + zone
    svc = Services(NAMES, prefix="dbk-tz-", DEALBOOK_TIMEZONE=zone)
    try:
        svc.start()
        c, o, f = (svc.up(n) for n in ("contacts", "opportunities", "forecasting"))
        log = svc.client("eventlog")
        ok(cmd(c, "ACCOUNT_REGISTER", id="a1", name="Shenzhen Metro", type="owner"), "account")
        a = ok(cmd(c, "CONTACT_ADD", id="c1", name="Wang Wei", account_id="a1"), "contact")
        o.call("OPP_LIST", after_seq=a["last_seq"])

        # no "on": the business day, not UTC's
        r, days = around(off, lambda: cmd(o, "OPP_REGISTER", id="o1", name="Line 16 lighting",
                                          account_id="a1", owner="zhao", currency="CNY",
                                          close_date="2030-09-30", amount=1000000))
        ok(r, "register")
        ev = [e for e in log.read_all(type_prefix="opportunity.registered")]
        if len(ev) != 1 or ev[0]["data"].get("on") not in days:
            fail("registered on %r, the business day is %r" % (
                [e["data"].get("on") for e in ev], days))

        # "on" after the business day: refused, naming that day and the zone
        r, days = around(off, lambda: cmd(o, "OPP_STAGE", id="o1", stage="project_approval",
                                          on=day(off, 1)))
        refused_on(r, "on", ["later than today (%s, %s)" % (d, label) for d in days],
                   "on tomorrow")
        # an activity after the business day: refused, naming the day and zone
        r, days = around(off, lambda: cmd(c, "ACTIVITY_LOG", kind="visit", date=day(off, 1),
                                          their_people=["c1"]))
        refused_on(r, "date", ["cannot be after today at %s (%s)" % (label, d) for d in days],
                   "an activity tomorrow")
        if off > 0:
            # the business day is UTC's tomorrow: a command may state it
            ok(cmd(o, "OPP_NEED_ADD", id="o1", kind="organisational", text="less energy",
                   on=day(off)), "on the business day, UTC's tomorrow")
            ok(cmd(c, "ACTIVITY_LOG", kind="visit", date=day(off), their_people=["c1"]),
               "an activity of the business day, UTC's tomorrow")
        else:
            # the business day is UTC's yesterday: UTC's today is to come
            utc_today = utc_now().date().isoformat()
            refused_on(cmd(o, "OPP_NEED_ADD", id="o1", kind="organisational", text="x",
                           on=utc_today), "on", ["later than today"], "on UTC's today")
            refused_on(cmd(c, "ACTIVITY_LOG", kind="visit", date=utc_today, their_people=["c1"]),
                       "date", ["cannot be after today"], "an activity of UTC's today")

        # a forecast may not be dated before the business day
        r, days = around(off, lambda: cmd(f, "FORECAST_SUBMIT", owner="zhao", period="2031-Q1",
                                          currency="CNY", commit=1, best_case=2, pipeline=3,
                                          on=day(off, -1)))
        refused_on(r, "on", ["before today (%s, %s)" % (d, label) for d in days],
                   "a forecast dated yesterday")
        print("timezone_test: ok (%s)" % zone)
        return 0
    finally:
        svc.close()


if __name__ == "__main__":
    sys.exit(main())
