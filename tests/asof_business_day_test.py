#!/usr/bin/python3
"""asof_business_day_test.py - "as of day D" means one thing in every
service: what was known by the end of D in DEALBOOK_TIMEZONE, the events
recorded (`at`) before midnight there between D and D + 1. Through real
dealbook-eventlog, -opportunities and -forecasting processes, at +10:00
and at -05:00 (midnight there is 14:00 UTC the same day, 05:00 UTC the
next), with events appended by hand just before and just after business
midnight:

  - OPP_GET (`opp show --as-of`) finds a deal exactly when FUNNEL as of
    the same day (`funnel --as-of`, from a kept book or from seq 1,
    `--full`) counts it: a deal registered a millisecond before midnight
    is there as of D, one registered at midnight only as of D + 1, also
    when the event states no business date (`on`): its day is then the
    day of its `at` there, not in UTC;
  - a deal's stakeholder shows the contact's record of D, not of D + 1;
  - a deal registered now by a command is in neither as of yesterday,
    and the funnel as of today is the live funnel (README);
  - read models and a book kept at UTC are not gone on from at another
    offset: at +10:00 the same events fall on other days (CHANGES of one
    day, a stakeholder's record as of a day).

Run by tests/run.sh with /usr/bin/python3; exit 0 pass, 77 skip.
"""
import datetime
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from services import Services, cmd, dealbook, fail, missing, ok, wait_status  # noqa: E402

NAMES = ("eventlog", "opportunities", "forecasting")
D = datetime.date(2026, 3, 10)


def iso(day, shift=0):
    return (day + datetime.timedelta(days=shift)).isoformat()


def midnight(day, off_min):
    """Unix ms of the midnight that ends `day` at off_min east of UTC."""
    utc = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(),
                                    datetime.timezone.utc)
    return int(utc.timestamp()) * 1000 - off_min * 60000


def ev(type_, data, at):
    return dealbook.new_event(type_, data, actor="ops", at=at)


def deal(oid, at, on=None):
    data = {"id": oid, "name": "Project " + oid, "normalized_name": "project " + oid,
            "account_id": "a1", "owner": "zhao", "currency": "CNY", "close_date": "2031-12-31",
            "amount": 1000, "stage": "need_discovery", "level": 1}
    if on:
        data["on"] = on
    return ev("opportunity.registered", data, at)


def seen(zone, o, f, ids, as_of, after_seq=None):
    """The deals of ids OPP_GET finds as of as_of, after checking that
    FUNNEL as of that day counts as many, from a kept book and from seq 1."""
    found = set()
    wait = {} if after_seq is None else {"after_seq": after_seq}
    for oid in ids:
        try:
            o.call("OPP_GET", id=oid, as_of=as_of, **wait)
            found.add(oid)
        except dealbook.DealbookError as e:
            if e.code != "NOT_FOUND":
                fail("OPP_GET %s as of %s: %r" % (oid, as_of, e))
    for book in (True, False):
        n = f.call("FUNNEL", as_of=as_of, book=book, timeout_ms=60000)["open"]["count"]
        if n != len(found):
            fail("%s: as of %s (book %s): opp show finds %s, the funnel counts %d" %
                 (zone, as_of, book, sorted(found), n))
    return found


def around_midnight(zone, off):
    """Deals registered just before and just after the end of D there."""
    end = midnight(D, off)
    svc = Services(NAMES, prefix="dbk-asof-bd-", DEALBOOK_TIMEZONE=zone)
    try:
        svc.start()
        log, o, f = (svc.up(n) for n in NAMES)
        log.append("account-a1", [ev("account.registered", {"id": "a1", "name": "Metro",
                                                             "type": "owner"},
                                     end - 3 * 3600000)])
        log.append("contact-c1", [ev("contact.added",
                                     {"id": "c1", "name": "Zhou", "account_id": "a1",
                                      "level": "decision", "function": "technical",
                                      "influence": 5}, end - 2 * 3600000)])
        # in `at` order: the forecasting service's replay stops at the first
        # event past the day asked (docs/operations.md)
        log.append("opportunity-early", [deal("early", end - 3, iso(D))])
        log.append("opportunity-early", [ev("opportunity.stakeholder_added",
                                            {"id": "early", "contact_id": "c1",
                                             "role": "decision_maker", "on": iso(D)}, end - 2)])
        log.append("opportunity-bare", [deal("bare", end - 1)])
        log.append("contact-c1", [ev("contact.updated",
                                     {"id": "c1", "changed": ["level"], "level": "operational"},
                                     end)])
        log.append("opportunity-late", [deal("late", end, iso(D, 1))])
        seq = log.append("opportunity-bare_late", [deal("bare_late", end + 1)])["last_seq"]

        ids = ("early", "bare", "late", "bare_late")
        want = {iso(D, -1): set(), iso(D): {"early", "bare"}, iso(D, 1): set(ids)}
        for day, deals in want.items():
            got = seen(zone, o, f, ids, day, after_seq=seq)
            if got != deals:
                fail("%s: as of %s, %s, not %s" % (zone, day, sorted(got), sorted(deals)))
        for day, level in ((iso(D), "decision"), (iso(D, 1), "operational")):
            sh = o.call("OPP_GET", id="early", as_of=day)["stakeholders"][0]
            if sh.get("level") != level:
                fail("%s: the stakeholder as of %s: %r, not %s" % (zone, day, sh, level))

        # now: the service stamps `at` and the business date `on` (from 14:00
        # UTC at +10:00, until 05:00 UTC at -05:00, the day is not UTC's)
        r = ok(cmd(o, "OPP_REGISTER", id="now", name="Line 9", account_id="a1", owner="zhao",
                   currency="CNY", close_date="2031-12-31"), "register now")
        reg = [e for e in log.read_all(type_prefix="opportunity.registered")
               if e["data"]["id"] == "now"]
        today = datetime.date.fromisoformat(reg[0]["data"]["on"])
        all_ids = ids + ("now",)
        if seen(zone, o, f, all_ids, iso(today, -1), after_seq=r["last_seq"]) != set(ids):
            fail("%s: a deal registered today (%s) is there as of yesterday" % (zone, today))
        if seen(zone, o, f, all_ids, iso(today)) != set(all_ids):
            fail("%s: a deal registered today is not there as of today (%s)" % (zone, today))
        live = f.call("FUNNEL", after_seq=r["last_seq"])
        asof = f.call("FUNNEL", as_of=iso(today), timeout_ms=60000)
        for k in ("levels", "open", "won", "lost"):
            if live[k] != asof[k]:
                fail("%s: the funnel as of today differs from the live one in %s: %r %r" %
                     (zone, k, live[k], asof[k]))
    finally:
        svc.close()


def changes(f, day, **args):
    r = f.call("CHANGES", **{"from": day, "to": day}, timeout_ms=60000, **args)
    return [(x["owner"], x["added"]) for x in r["owners"]]


def level_as_of(o, day):
    return o.call("OPP_GET", id="y", as_of=day, timeout_ms=60000)["stakeholders"][0].get("level")


def built_at_another_zone():
    """Read models and a kept book built at UTC hold two deals registered
    on D: y at 10:00 UTC (on D), with a stakeholder whose record was
    updated at 20:00 UTC, and x (no `on`) at 20:00 UTC. At +10:00, 20:00
    UTC is 06:00 on D + 1: started there, the services must not go on
    from them."""
    morning, evening = midnight(D, 0) - 14 * 3600000, midnight(D, 0) - 4 * 3600000
    svc = Services(NAMES, prefix="dbk-asof-bz-", DEALBOOK_BOOK_EVERY="0")
    try:
        svc.start()
        log, o, f = (svc.up(n) for n in NAMES)
        log.append("contact-c1", [ev("contact.added", {"id": "c1", "name": "Zhou",
                                                       "account_id": "a1", "level": "decision"},
                                     morning)])
        log.append("opportunity-y", [deal("y", morning, iso(D))])
        log.append("opportunity-y", [ev("opportunity.stakeholder_added",
                                        {"id": "y", "contact_id": "c1", "on": iso(D)}, morning)])
        log.append("opportunity-x", [deal("x", evening)])
        seq = log.append("contact-c1", [ev("contact.updated", {"id": "c1", "changed": ["level"],
                                                              "level": "operational"},
                                           evening)])["last_seq"]
        wait_status(f, lambda s: s["seq_applied"] >= seq, "forecasting caught up")
        if not f.call("KEEP_BOOK", timeout_ms=60000)["written"]:
            fail("no book kept at UTC")
        if changes(f, iso(D)) != [("zhao", 2)]:
            fail("at UTC, the deals are not added on %s: %r" % (iso(D), changes(f, iso(D))))
        o.call("OPP_LIST", after_seq=seq)
        if level_as_of(o, iso(D)) != "operational":
            fail("at UTC, the stakeholder as of %s: %r" % (iso(D), level_as_of(o, iso(D))))
        svc.stop("forecasting")
        svc.stop("opportunities")
        svc.env["DEALBOOK_TIMEZONE"] = "+10:00"
        svc.start("opportunities", "forecasting")
        o, f = svc.up("opportunities"), svc.up("forecasting")
        for args in ({"after_seq": seq}, {"as_of": iso(D, 1)}, {"as_of": iso(D, 1), "book": False}):
            got = changes(f, iso(D), **args), changes(f, iso(D, 1), **args)
            if got != ([("zhao", 1)], [("zhao", 1)]):
                fail("at +10:00 %r: added on %s and %s: %r" % (args, iso(D), iso(D, 1), got))
        o.call("OPP_LIST", after_seq=seq)
        if (level_as_of(o, iso(D)), level_as_of(o, iso(D, 1))) != ("decision", "operational"):
            fail("at +10:00, the stakeholder as of %s: %r, as of %s: %r" %
                 (iso(D), level_as_of(o, iso(D)), iso(D, 1), level_as_of(o, iso(D, 1))))
    finally:
        svc.close()


def main():
    if missing(NAMES):
        return 77
    around_midnight("+10:00", 600)
    around_midnight("-05:00", -300)
    built_at_another_zone()
    print("asof_business_day_test: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
