#!/usr/bin/python3
"""bidding_two_tenders_test.py - one deal, two tenders (lots of one project,
or a re-tender after a failed one): one awarded lost, the other won, through
real dealbook-eventlog, -contacts, -opportunities and -bidding processes.
Whatever the order in which the two awards reach the log, and whether or not
the opportunities service reacted to the loss before the win was entered,
the deal ends won: the bidding service records the win on a deal lost
through another of its tenders' awards, and the opportunities service's
process manager reopens the deal and wins it. Each award reacts once, also
after a REBUILD. A deal lost by hand still refuses the win.

Every wait is on an event: the opportunities service's reactions are read
from the log's PUB stream (dealbook.Subscriber), and "nothing more
happened" is shown by a later probe award whose reaction comes after any
reaction to an earlier trigger (reactions go in log order).

Run by tests/run.sh with /usr/bin/python3; exit 0 pass, 77 skip.
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from services import Services, dealbook, fail, missing, ok, refused  # noqa: E402
from services import cmd as send  # noqa: E402

NAMES = ("eventlog", "contacts", "opportunities", "bidding")
BIDDERS = [{"bidder": "Philips", "price": 9000000, "rank": 1},
           {"bidder": "us", "price": 9500000, "rank": 2, "us": True}]


def main():
    if missing(NAMES):
        return 77
    svc = Services(NAMES, prefix="dbk-lots-")
    sub = None
    try:
        svc.start()
        cl = svc.clients(("contacts", "opportunities", "bidding"), timeout_ms=5000)
        log = svc.client("eventlog")
        sub = dealbook.Subscriber(svc.endpoint("eventlog"), "ipc://%s/pub.sock" % svc.dir,
                                  type_prefix="opportunity.", idle_timeout=30)
        reactions = sub.events()

        def cmd(service, op, /, **kw):
            return send(cl[service], op, **kw)

        b = lambda op, **kw: ok(cmd("bidding", op, **kw), op)  # noqa: E731
        q = lambda op, **kw: cl["bidding"].call(op, **kw)  # noqa: E731

        def next_reaction(what):
            """The next opportunity.* event the opportunities service
            appended (svc:opportunities), from the PUB stream."""
            for rec in reactions:
                if rec["actor"] == "svc:opportunities":
                    return rec
            fail("no reaction: %s" % what)

        def award_id(tender):
            """The id of the tender's award event, from the log."""
            evs = [e for e in log.read_stream("tender-" + tender) if e["type"] == "tender.awarded"]
            if len(evs) != 1:
                fail("tender %s: %d awards" % (tender, len(evs)))
            return evs[0]["id"]

        a = ok(cmd("contacts", "ACCOUNT_REGISTER", id="a1", name="Shenzhen Metro", type="owner"),
               "account")
        last = a["last_seq"]
        for oid in ("o1", "o2", "o3", "o4", "o5", "o6", "o7"):
            # registered before the tenders' history, dated early in 2026
            last = ok(cmd("opportunities", "OPP_REGISTER", id=oid, name="Depot " + oid,
                          account_id="a1", owner="zhao", currency="CNY",
                          close_date="2099-06-30", amount=50000000, on="2026-01-02",
                          after_seq=last),
                      oid)["last_seq"]
        q("TENDER_LIST", after_seq=last)

        def to_opening(tid, oid):
            """Tender tid for deal oid, its bid in (2026-03-01) and opened
            (2026-03-02): ready for its award."""
            b("TENDER_OPEN", id=tid, opportunity_id=oid, number="N-" + tid, issuer="Metro",
              type="public", currency="CNY")
            b("TENDER_STEP", id=tid, step="documents_issued", date="2026-01-10")
            b("TENDER_DECIDE", id=tid, decision="bid", reason="our lot")
            for part in ("commercial", "technical", "price"):
                b("TENDER_PART", id=tid, part=part, owner="zhao")
                b("TENDER_PART_STATUS", id=tid, part=part, status="ready")
            qid = "q" + tid
            b("QUOTE_CREATE", id=qid, tender_id=tid, currency="CNY")
            b("QUOTE_LINE_ADD", id=qid, product_code="LED", quantity=100, list_price=100000,
              discount_bp=500)
            b("QUOTE_SUBMIT", id=qid)
            b("QUOTE_APPROVE", id=qid)
            b("TENDER_SUBMIT", id=tid, quote_id=qid, date="2026-03-01")
            b("TENDER_OPENING", id=tid, bidders=BIDDERS, date="2026-03-02")

        def lose(tid):
            return b("TENDER_AWARD", id=tid, result="lost", date="2026-03-20", winner="Philips",
                     reason="price")

        def win(tid):
            return cmd("bidding", "TENDER_AWARD", id=tid, result="won", date="2026-03-21")

        def expect_won_over_loss(oid, winner, loser):
            """The next reactions: the loss of oid through `loser`, then the
            deal reopened and won through `winner`, each caused by its award."""
            lost = next_reaction("the loss of " + oid)
            if (lost["stream"], lost["type"], lost["data"].get("tender_id"), lost["cause"]) != \
                    ("opportunity-" + oid, "opportunity.lost", loser, award_id(loser)):
                fail("the loss through %s: %r" % (loser, lost))
            reopened, won = next_reaction("reopened"), next_reaction("won")
            for rec, typ in ((reopened, "opportunity.reopened"), (won, "opportunity.won")):
                if (rec["stream"], rec["type"], rec["cause"]) != \
                        ("opportunity-" + oid, typ, award_id(winner)):
                    fail("the win of %s over the loss: %r" % (winner, rec))
            if reopened["data"]["from"] != "lost" or won["data"].get("tender_id") != winner or \
                    won["data"]["amount"] != 9500000 or won["data"]["date"] != "2026-03-21":
                fail("the win of %s over the loss: %r %r" % (winner, reopened, won))
            g = cl["opportunities"].call("OPP_GET", id=oid)
            if g["status"] != "won" or g["outcome"]["won_amount"] != 9500000:
                fail("%s after both awards: %r" % (oid, g["outcome"]))
            return won

        # o1: the loss of t2 is known everywhere before t1's win is entered
        to_opening("t1", "o1")
        to_opening("t2", "o1")
        lose("t2")
        lost = next_reaction("the loss of o1")
        if (lost["type"], lost["data"].get("tender_id")) != ("opportunity.lost", "t2"):
            fail("the loss of o1: %r" % lost)
        q("TENDER_LIST", after_seq=lost["seq"])
        # the deal is closed: no other bid work on its tenders...
        refused(cmd("bidding", "TENDER_STEP", id="t1", step="evaluation"), "REJECTED", "id",
                "a step on a deal lost through another tender")
        # ...but the win of its other tender goes in, and wins it
        ok(win("t1"), "the win of t1 on a deal lost through t2")
        won = next_reaction("reopened")
        if (won["type"], won["cause"]) != ("opportunity.reopened", award_id("t1")):
            fail("o1 reopened by t1's win: %r" % won)
        won = next_reaction("won")
        if (won["type"], won["data"].get("tender_id")) != ("opportunity.won", "t1") or \
                cl["opportunities"].call("OPP_GET", id="o1")["status"] != "won":
            fail("o1 won by t1: %r" % won)
        # the bidding service sees the deal won: it takes its contract
        q("TENDER_LIST", after_seq=won["seq"])
        b("CONTRACT_SIGN", id="c1", number="HT-1", opportunity_id="o1", tender_id="t1",
          buyer_id="a1", seller="Bright", scope="lot 1", amount=9500000, currency="CNY",
          signed_on="2026-04-01", milestones=[{"kind": "advance", "amount": 9500000}])

        # o2: the two awards entered back to back, the win racing the
        # opportunities service's reaction to the loss: the same end
        to_opening("t3", "o2")
        to_opening("t4", "o2")
        lose("t4")
        ok(win("t3"), "the win of t3 racing the loss of t4")
        expect_won_over_loss("o2", "t3", "t4")

        # o3: straight in the log, the loss before the win in one APPEND
        def award(tender, oid, result, **extra):
            data = dict(id=tender, opportunity_id=oid, tender_id=tender, result=result,
                        date="2026-03-21" if result == "won" else "2026-03-20", **extra)
            return ("tender-" + tender, "any",
                    [dealbook.new_event("tender.awarded", data, actor="svc:bidding")])
        log.append_many([award("t6", "o3", "lost", winner="Philips", reason="price"),
                         award("t5", "o3", "won", amount=9500000, currency="CNY")])
        expect_won_over_loss("o3", "t5", "t6")

        # o4: the other order: won, and the later loss changes nothing
        log.append_many([award("t7", "o4", "won", amount=9500000, currency="CNY"),
                         award("t8", "o4", "lost", winner="Philips", reason="price")])
        won = next_reaction("the win of o4")
        if (won["stream"], won["type"]) != ("opportunity-o4", "opportunity.won"):
            fail("o4: %r" % won)

        # o5: lost by hand, a person's decision: the win is refused
        ok(cmd("opportunities", "OPP_LOSE", id="o5", reason="budget cut",
               date=time.strftime("%Y-%m-%d", time.gmtime())),
           "o5 lost by hand")
        log.append_many([award("t9", "o5", "won", amount=9500000, currency="CNY")])

        def probe(oid, tender):
            """An award of open deal oid, appended now: once its reaction
            is in, every earlier trigger was reacted to, or refused."""
            log.append_many([award(tender, oid, "lost", winner="X", reason="probe")])
            rec = next_reaction("the probe " + tender)
            if (rec["stream"], rec["type"]) != ("opportunity-" + oid, "opportunity.lost"):
                fail("before the probe %s: %r" % (tender, rec))

        probe("o6", "p1")
        if cl["opportunities"].call("OPP_GET", id="o5")["status"] != "lost":
            fail("a deal lost by hand was won by an award")
        if [e["type"] for e in log.read_stream("opportunity-o4")] != \
                ["opportunity.registered", "opportunity.won"]:
            fail("o4 after its loss: %r" % [e["type"] for e in log.read_stream("opportunity-o4")])

        # replayed: every award reacts once
        streams = {o: [e["id"] for e in log.read_stream("opportunity-" + o)]
                   for o in ("o1", "o2", "o3", "o4", "o5")}
        cl["opportunities"].call("REBUILD", timeout_ms=60000)
        probe("o7", "p2")
        for o, ids in streams.items():
            if [e["id"] for e in log.read_stream("opportunity-" + o)] != ids:
                fail("the rebuild reacted again on %s" % o)
        print("two tenders of one deal: ok")
        return 0
    finally:
        if sub:
            sub.close()
        svc.close()


if __name__ == "__main__":
    sys.exit(main())
