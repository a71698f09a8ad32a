#!/usr/bin/python3
"""forecasting_winloss_test.py - WINLOSS by competitor counts one
competitor once, through real dealbook-eventlog, -contacts,
-opportunities and -forecasting processes.

A loss's winner is the competitor's id when a salesperson records the
loss (OPP_LOSE, winner "comp-7") and the bidder's name when a tender
award closes the deal (the opportunities service copies it from
`tender.awarded`, here "ACME glazing  LTD"). Both losses must be one row
under the competitor's name, with its id; a winner that is no competitor
of ours ("Crystal Windows") keeps a row of its own. After a rename the
row has the new name and still both losses; as of today the as-of replay
(from a kept book or not) answers the same, as of yesterday (no deal
yet) nothing; and REBUILD changes nothing.

By reason, won deals are grouped under the reason they were won: the
award's reason (carried by the reaction's opportunity.won) or the one
given to OPP_WIN; OPP_GET shows it as the outcome's won_reason.

Run by tests/run.sh with /usr/bin/python3; exit 0 pass, 77 skip.
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from services import Services, dealbook, fail, missing, ok  # noqa: E402
from services import cmd as send  # noqa: E402

NAMES = ("eventlog", "contacts", "opportunities", "forecasting")


def main():
    if missing(NAMES):
        return 77
    svc = Services(NAMES, prefix="dbk-fcwl-")
    try:
        svc.start()
        cl = svc.clients(("contacts", "opportunities", "forecasting"), timeout_ms=8000)
        log = svc.client("eventlog")

        def cmd(service, op, /, **kw):
            return send(cl[service], op, **kw)

        fc = lambda op, **kw: cl["forecasting"].call(op, **kw)  # noqa: E731

        def settle():
            head = log.status()["head"]
            for _ in range(500):
                if fc("STATUS")["seq_applied"] >= head:
                    return
                time.sleep(0.02)
            fail("forecasting did not catch up")

        def rows(r):
            return [(x["key"], x.get("competitor_id", "(absent)"), x["won"], x["lost"],
                     x["lost_amount"]) for x in r["rows"]]

        today = time.strftime("%Y-%m-%d", time.gmtime())
        year = int(today[:4])
        ok(cmd("contacts", "ACCOUNT_REGISTER", id="a1", name="Metro", type="owner"), "account")
        ok(cmd("contacts", "COMPETITOR_ADD", id="comp-7", name="Acme Glazing Ltd"), "comp-7")
        c8 = ok(cmd("contacts", "COMPETITOR_ADD", id="comp-8", name="Bolt Facades"), "comp-8")
        cl["opportunities"].call("OPP_LIST", after_seq=c8["last_seq"])
        for oid, amount in (("o1", 100), ("o2", 200), ("o3", 400), ("o4", 800), ("o5", 1600)):
            ok(cmd("opportunities", "OPP_REGISTER", id=oid, name="Project " + oid,
                   account_id="a1", owner="zhao", currency="CNY",
                   close_date="%d-06-30" % (year + 1), amount=amount), oid)

        # o1 lost by hand: the salesperson types the competitor's id
        ok(cmd("opportunities", "OPP_LOSE", id="o1", reason="price", date=today,
               winner="comp-7"), "lose o1")
        # o2 lost by a tender award: the bidder's name as the award has it
        award = dealbook.new_event("tender.awarded", {
            "id": "t2", "tender_id": "t2", "opportunity_id": "o2", "tender_type": "public",
            "step": "award", "result": "lost", "date": today, "winner": "ACME glazing  LTD",
            "reason": "price", "on": today}, actor="svc:bidding")
        log.append("tender-t2", [award])
        for _ in range(300):
            g = cl["opportunities"].call("OPP_GET", id="o2")
            if g["status"] == "lost":
                break
            time.sleep(0.02)
        if g["status"] != "lost" or g["outcome"]["lost_to"] != "ACME glazing  LTD":
            fail("the award did not close o2: %r" % g.get("outcome"))
        # o3 lost to someone who is not one of our competitors
        ok(cmd("opportunities", "OPP_LOSE", id="o3", reason="spec", date=today,
               winner="Crystal Windows"), "lose o3")
        # o4 won by a tender award that says why, o5 by hand with a reason
        award = dealbook.new_event("tender.awarded", {
            "id": "t4", "tender_id": "t4", "opportunity_id": "o4", "tender_type": "invited",
            "step": "award", "result": "won", "date": today, "amount": 790,
            "currency": "CNY", "reason": "spec", "on": today}, actor="svc:bidding")
        log.append("tender-t4", [award])
        for _ in range(300):
            g = cl["opportunities"].call("OPP_GET", id="o4")
            if g["status"] == "won":
                break
            time.sleep(0.02)
        if g["status"] != "won" or g["outcome"]["won_reason"] != "spec":
            fail("the award did not win o4 with its reason: %r" % g.get("outcome"))
        ok(cmd("opportunities", "OPP_WIN", id="o5", amount=1500, date=today,
               reason="relationship"), "win o5")
        g = cl["opportunities"].call("OPP_GET", id="o5")
        if g["outcome"]["won_reason"] != "relationship" or g["outcome"]["loss_reason"]:
            fail("OPP_WIN's reason: %r" % g["outcome"])
        settle()

        def by_reason(**kw):
            return [(x["key"], x["won"], x["lost"], x["won_amount"])
                    for x in fc("WINLOSS", by="reason", **kw)["rows"]]

        reasons = [("price", 0, 2, 0), ("relationship", 1, 0, 1500), ("spec", 1, 1, 790)]
        if by_reason() != reasons:
            fail("by reason, the won deals under theirs: %r" % by_reason())

        won = ("", None, 2, 0, 0)
        want = [won, ("Acme Glazing Ltd", "comp-7", 0, 2, 300),
                ("Crystal Windows", None, 0, 1, 400)]
        now = fc("WINLOSS", by="competitor")
        if rows(now) != want:
            fail("by competitor: %r" % now["rows"])
        # the other groupings are as they were: rows without competitor_id
        if any("competitor_id" in x for x in fc("WINLOSS", by="reason")["rows"]):
            fail("by reason: %r" % fc("WINLOSS", by="reason")["rows"])

        # a rename: the row takes the new name and keeps both losses
        r = ok(cmd("contacts", "COMPETITOR_UPDATE", id="comp-7", name="Acme Glass Group"),
               "rename")
        settle()
        renamed = fc("WINLOSS", by="competitor")
        want = [won, ("Acme Glass Group", "comp-7", 0, 2, 300),
                ("Crystal Windows", None, 0, 1, 400)]
        if rows(renamed) != want:
            fail("after the rename: %r" % renamed["rows"])

        # as of today: the replay knows the competitors recorded by then
        for book in (True, False):
            asof = fc("WINLOSS", by="competitor", as_of=today, book=book)
            if rows(asof) != want or by_reason(as_of=today, book=book) != reasons:
                fail("as of today (book %s): %r" % (book, asof["rows"]))
        fc("KEEP_BOOK")
        kept = fc("STATUS")["as_of"]["from_book"]
        asof = fc("WINLOSS", by="competitor", as_of=today)
        if rows(asof) != want or fc("STATUS")["as_of"]["from_book"] != kept + 1 or \
                by_reason(as_of=today) != reasons:
            fail("as of today from a kept book: %r" % asof["rows"])
        yesterday = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 86400))
        if fc("WINLOSS", by="competitor", as_of=yesterday)["rows"] != []:
            fail("as of yesterday there was no loss")

        fc("REBUILD", timeout_ms=30000)
        if rows(fc("WINLOSS", by="competitor")) != want or by_reason() != reasons:
            fail("after REBUILD: %r" % fc("WINLOSS", by="competitor")["rows"])
        print("forecasting win/loss by competitor and by reason: ok")
        return 0
    finally:
        svc.close()


if __name__ == "__main__":
    sys.exit(main())
