#!/usr/bin/python3
"""opportunities_asof_profile_test.py - a deal as of a past day sees its
stakeholders' contact records as they were that day (level, function,
influence, which a stakeholder's row on the deal may leave out), not as
they are now: an auditor's chart and red flags of a past day do not move
when a contact is updated later.

Real processes over ipc. The history is written by the services into a
first log (an account, a decision-level contact of influence 5, a deal
with that contact against us, then the contact moved down to the
operational level with no influence), then copied event by event into a
second log with `at` set to the days the facts happened: everything on
2026-01-10 but the update, on 2026-03-01. An opportunities service on the
second log then answers OPP_GET as of 2026-02-01 with the record of
January (a strong opponent, the decision level covered) and as of
2026-03-02, and now, with the record of March (no decision level).

Run by tests/run.sh with /usr/bin/python3; exit 0 pass, 77 skip.
"""
import calendar
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from services import Services, cmd, dealbook, fail, missing, ok  # noqa: E402


def ms(day):
    """Noon UTC of day (YYYY-MM-DD), unix ms."""
    y, m, d = (int(x) for x in day.split("-"))
    return (calendar.timegm((y, m, d, 12, 0, 0)) * 1000)


def chart(o, **args):
    """(level, function, influence) of o1's only stakeholder, and the red
    flags' codes, from OPP_GET o1 with args."""
    g = o.call("OPP_GET", id="o1", **args)
    sh = g["stakeholders"][0]
    return (sh.get("level"), sh.get("function"), sh.get("influence")), \
        sorted(f["code"] for f in g["red_flags"])


def main():
    if missing(("eventlog", "contacts", "opportunities")):
        return 77
    first = Services(("eventlog", "contacts", "opportunities"), prefix="dbk-asofp1-")
    second = Services(("eventlog", "opportunities"), prefix="dbk-asofp2-")
    try:
        first.start()
        c, o = first.up("contacts"), first.up("opportunities")
        ok(cmd(c, "ACCOUNT_REGISTER", id="a1", name="Chengdu Metro", type="owner"), "account")
        r = ok(cmd(c, "CONTACT_ADD", id="c1", name="Zhou Ju", account_id="a1", level="decision",
                   function="technical", influence=5), "contact")
        ok(cmd(o, "OPP_REGISTER", id="o1", name="Line 9 lighting", account_id="a1", owner="zhao",
               currency="CNY", close_date="2027-06-30", after_seq=r["last_seq"]), "deal")
        ok(cmd(o, "OPP_STAKEHOLDER_ADD", id="o1", contact_id="c1", role="decision_maker",
               attitude=-2), "stakeholder")
        ok(cmd(c, "CONTACT_UPDATE", id="c1", level="operational", influence=None), "moved down")

        # the same history in a second log, dated when it happened
        log1 = first.up("eventlog")
        events = list(log1.read_all())
        updates = [e for e in events if e["type"] == "contact.updated"]
        if len(updates) != 1:
            fail("the first log holds %d contact.updated events" % len(updates))
        second.start("eventlog")
        log2 = second.up("eventlog")
        for e in events:
            at = ms("2026-03-01" if e["type"] == "contact.updated" else "2026-01-10")
            ev = dealbook.new_event(e["type"], e["data"], actor=e["actor"], id=e["id"], at=at,
                                    corr=e["corr"], cause=e["cause"])
            log2.append(e["stream"], [ev])
        second.start("opportunities")
        o2 = second.up("opportunities")
        head = log2.status()["head"]

        then, flags_then = chart(o2, as_of="2026-02-01", after_seq=head)
        if then != ("decision", "technical", 5) or "strong_opponent" not in flags_then \
                or "no_decision_level" in flags_then:
            fail("as of 2026-02-01, the January record: %r %r" % (then, flags_then))
        for args in ({"as_of": "2026-03-02"}, {}):
            now, flags_now = chart(o2, **args)
            if now != ("operational", "technical", None) or "no_decision_level" not in flags_now \
                    or "strong_opponent" in flags_now:
                fail("%r: the March record: %r %r" % (args, now, flags_now))
        # the first service (every fact dated today) agrees with the second now
        if chart(o) != chart(o2):
            fail("the two services differ now: %r %r" % (chart(o), chart(o2)))
    finally:
        second.close()
        first.close()
    print("ok: a deal as of a past day sees its contacts' records of that day")
    return 0


if __name__ == "__main__":
    sys.exit(main())
