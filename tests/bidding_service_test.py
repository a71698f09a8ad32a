#!/usr/bin/python3
"""bidding_service_test.py - the bidding service through real sockets,
with real dealbook-eventlog, -contacts, -opportunities and -bidding
processes: a whole tender (steps in order, parts, bond, a quote approved
at the level its discount needs, submission, opening, award), the award
closing the deal in the opportunities service (its process manager),
a contract with its milestones, invoices, payments and receivables, the
queries (deadlines, pending approvals, price intelligence, win rate),
and identical answers after REBUILD.

Run by tests/run.sh with /usr/bin/python3; exit 0 pass, 77 skip.
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from services import Services, fail, missing, ok, reactions_settled, refused  # noqa: E402
from services import cmd as send  # noqa: E402

NAMES = ("eventlog", "contacts", "opportunities", "bidding")


def main():
    if missing(NAMES):
        return 77
    svc = Services(NAMES, prefix="dbk-bid-", DEALBOOK_MANAGERS="mgr", DEALBOOK_DIRECTORS="dir")
    try:
        svc.start()
        cl = svc.clients(("contacts", "opportunities", "bidding"), timeout_ms=5000)

        def cmd(service, op, /, **kw):
            return send(cl[service], op, **kw)

        b = lambda op, **kw: ok(cmd("bidding", op, **kw), op)  # noqa: E731
        q = lambda op, **kw: cl["bidding"].call(op, **kw)  # noqa: E731

        a = ok(cmd("contacts", "ACCOUNT_REGISTER", id="a1", name="Shenzhen Metro", type="owner"),
               "acc")
        # registered stating its own past on: its tender's history, entered
        # after the fact, is dated early in 2026, and nothing on a deal is
        # dated before its registration
        o = ok(cmd("opportunities", "OPP_REGISTER", id="o1", name="Line 16 lighting",
                   account_id="a1", owner="zhao", currency="CNY", close_date="2099-06-30",
                   amount=900000000, on="2026-01-02", after_seq=a["last_seq"]), "opp")
        # the bidding service knows o1 once it applied its registration
        q("TENDER_LIST", after_seq=o["last_seq"])

        # a second registration of the same project by another owner (the
        # next day, within the first's protection), with a tender of its
        # own, closed as a duplicate by a manager: the tender keeps its
        # deal's owner (the resolution names the kept deal's)
        o2 = ok(cmd("opportunities", "OPP_REGISTER", actor="qian", id="o2",
                    name="LINE 16 Lighting", account_id="a1", owner="qian", currency="CNY",
                    close_date="2099-06-30", on="2026-01-03"), "opp2")
        q("TENDER_LIST", after_seq=o2["last_seq"])
        b("TENDER_OPEN", id="t2", opportunity_id="o2", number="DUP-1", issuer="I",
          type="public", currency="CNY")
        r = ok(cmd("opportunities", "OPP_RESOLVE", actor="mgr", id="o2", owner="zhao",
                   reason="registered first", **{"with": "o1"}), "resolve")
        q("TENDER_LIST", after_seq=r["last_seq"])
        # the deal is closed: its tender takes no new bid work, nor a quote
        refused(cmd("bidding", "TENDER_STEP", id="t2", step="documents_issued"), "REJECTED",
                "id", "a step for a deal closed as a duplicate")
        refused(cmd("bidding", "QUOTE_CREATE", id="q2", tender_id="t2", currency="CNY"),
                "REJECTED", "tender_id", "a quote for a deal closed as a duplicate")
        refused(cmd("bidding", "TENDER_SUBMIT", id="t2", quote_id="q2"), "REJECTED", "id",
                "a submission for a deal closed as a duplicate")
        refused(cmd("bidding", "TENDER_AWARD", id="t2", result="won", date="2026-03-20"),
                "REJECTED", "id", "an award for a deal closed as a duplicate")
        # staying out still goes in (and writes its row again)
        b("TENDER_DECIDE", id="t2", decision="no_bid", reason="a duplicate")
        t2 = q("TENDER_GET", id="t2")
        if t2.get("owner") != "qian" or t2.get("step") != "notice":
            fail("a tender of the deal closed as a duplicate: %r" %
                 {k: t2.get(k) for k in ("owner", "step")})

        # a deal lost by hand: its tender waits until the deal is reopened
        o3 = ok(cmd("opportunities", "OPP_REGISTER", id="o3", name="Depot lighting",
                    account_id="a1", owner="zhao", currency="CNY", close_date="2099-06-30"),
                "o3")
        q("TENDER_LIST", after_seq=o3["last_seq"])
        b("TENDER_OPEN", id="t3", opportunity_id="o3", number="N3", issuer="I",
          type="invited", currency="CNY")
        r = ok(cmd("opportunities", "OPP_LOSE", id="o3", reason="budget cut",
                   date=time.strftime("%Y-%m-%d", time.gmtime())), "o3 lost")
        q("TENDER_LIST", after_seq=r["last_seq"])
        refused(cmd("bidding", "TENDER_PART", id="t3", part="price", owner="zhao"),
                "REJECTED", "id", "a bid part for a lost deal")
        r = ok(cmd("opportunities", "OPP_REOPEN", id="o3", reason="budget back"), "o3 reopened")
        q("TENDER_LIST", after_seq=r["last_seq"])
        b("TENDER_PART", id="t3", part="price", owner="zhao")
        # who approved a quote is the verdict on its lines as they were: a
        # change, or a new submission, shows no approver any more
        b("QUOTE_CREATE", id="q3", tender_id="t3", currency="CNY")
        b("QUOTE_LINE_ADD", id="q3", product_code="P", quantity=1, list_price=100)
        b("QUOTE_SUBMIT", id="q3")
        b("QUOTE_APPROVE", id="q3", actor="mgr")
        if q("QUOTE_GET", id="q3")["approver"] != "mgr":
            fail("an approved quote without its approver")
        b("QUOTE_LINE_ADD", id="q3", product_code="Q", quantity=1, list_price=50)
        g = q("QUOTE_GET", id="q3")
        if (g["status"], g["approver"]) != ("draft", None):
            fail("a quote changed after its approval: %r" % ((g["status"], g["approver"]),))
        b("QUOTE_SUBMIT", id="q3")
        g = q("QUOTE_GET", id="q3")
        if (g["status"], g["approver"]) != ("submitted", None):
            fail("a quote submitted again: %r" % ((g["status"], g["approver"]),))
        b("QUOTE_REJECT", id="q3", actor="mgr", reason="off the queue")

        # a tender, its steps in order
        refused(cmd("bidding", "TENDER_OPEN", id="tx", opportunity_id="nosuch", number="N",
                    issuer="I", type="public", currency="CNY"),
                "NOT_FOUND", "opportunity_id", "unknown deal")
        refused(cmd("bidding", "TENDER_OPEN", id="tx", opportunity_id="o1", number="N",
                    issuer="I", type="public", currency="USD"),
                "REJECTED", "currency", "a tender in another currency than its deal's")
        b("TENDER_OPEN", id="t1", opportunity_id="o1", number="SZMC-2099-016",
          issuer="深圳地铁招标中心", type="public", currency="CNY", bond_required=1000000,
          submission_deadline="2099-03-01", opening_date="2099-03-02")
        refused(cmd("bidding", "TENDER_STEP", id="t1", step="site_visit"), "REJECTED", "step",
                "skipping documents_issued")
        # its facts happened early in 2026, each after the one the procedure
        # puts before it (the award, 2026-03-20, follows the opening)
        b("TENDER_STEP", id="t1", step="documents_issued", date="2026-01-10")
        dl = q("TENDER_DEADLINES", days=366, as_of="2099-01-01", owner="zhao")["tenders"]
        if [t["id"] for t in dl] != ["t1"] or dl[0]["days_left"] != 59:
            fail("deadlines: %r" % dl)
        b("TENDER_DECIDE", id="t1", decision="bid", reason="strategic line")
        for part in ("commercial", "technical", "price"):
            b("TENDER_PART", id="t1", part=part, owner="zhao")
        b("TENDER_BOND", id="t1", amount=1000000, form="bank guarantee", date="2026-02-20")

        # the quote: in the tender's currency; a 15% discount needs a manager
        r = cmd("bidding", "QUOTE_CREATE", id="qx", tender_id="t1", currency="USD")
        refused(r, "INVALID", "currency", "a USD quote for a CNY tender")
        if "tender t1 is in CNY" not in r.msg:
            fail("a USD quote for a CNY tender: %r" % r.msg)
        b("QUOTE_CREATE", id="q1", tender_id="t1", currency="CNY")
        b("QUOTE_LINE_ADD", id="q1", product_code="LED-T8-18W", quantity=20000,
          list_price=5000, discount_bp=1500, cost_price=2800, description="LED tube")
        b("QUOTE_SUBMIT", id="q1")
        pend = q("QUOTES_PENDING", level="manager")["quotes"]
        if [x["id"] for x in pend] != ["q1"]:
            fail("pending: %r" % pend)
        refused(cmd("bidding", "QUOTE_APPROVE", id="q1"), "REJECTED", "actor",
                "a salesperson approved 15%")
        b("QUOTE_APPROVE", id="q1", actor="mgr")
        if q("QUOTES_PENDING")["quotes"]:
            fail("still pending")
        qg = q("QUOTE_GET", id="q1")
        if qg["status"] != "approved" or qg["totals"]["total"] != 85000000 or \
                qg["totals"]["margin"] != 29000000:
            fail("quote: %r" % qg["totals"])

        refused(cmd("bidding", "TENDER_SUBMIT", id="t1", quote_id="q1"), "REJECTED", "parts",
                "parts not ready")
        for part in ("commercial", "technical", "price"):
            b("TENDER_PART_STATUS", id="t1", part=part, status="ready")
        refused(cmd("bidding", "TENDER_SUBMIT", id="t1", quote_id="q1", date="2026-01-09"),
                "INVALID", "date", "a bid submitted before the documents were issued")
        b("TENDER_SUBMIT", id="t1", quote_id="q1", date="2026-03-01")
        # the quote the bid went in with is frozen from the submission on
        r = cmd("bidding", "QUOTE_LINE_ADD", id="q1", product_code="X", quantity=1,
                list_price=1)
        refused(r, "REJECTED", "id", "a line added to the quote of a submitted bid")
        if "quote q1 was submitted in the bid of tender t1 on 2026-03-01" not in r.msg:
            fail("a line added to the quote of a submitted bid: %r" % r.msg)
        refused(cmd("bidding", "QUOTE_SUBMIT", id="q1"), "REJECTED", "id",
                "the quote of a submitted bid sent for approval again")
        if q("QUOTE_GET", id="q1")["status"] != "approved":
            fail("the quote of a submitted bid changed")
        if q("TENDER_DEADLINES", days=366, as_of="2099-01-01")["tenders"]:
            fail("a submitted tender still has a deadline")
        bidders = [{"bidder": "Philips", "price": 82000000, "rank": 1},
                   {"bidder": "us", "price": 85000000, "rank": 2, "us": True},
                   {"bidder": "OPPLE", "price": 90000000, "rank": 3}]
        r = cmd("bidding", "TENDER_OPENING", id="t1", bidders=bidders, date="2026-02-28")
        refused(r, "INVALID", "date", "an opening before the submission")
        if "the submission (2026-03-01)" not in r.msg:
            fail("an opening before the submission: %r" % r.msg)
        b("TENDER_OPENING", id="t1", bidders=bidders, date="2026-03-02")
        # a contract follows the won award: not before it, nor without a tender
        # while the deal is open. Its money is entered after the fact, in 2026:
        # an invoice or a payment is never dated after its business date
        c1 = dict(id="c1", number="HT-2099-016", opportunity_id="o1", tender_id="t1",
                  buyer_id="a1", seller="Bright Lighting Co.", scope="LED lighting, line 16",
                  amount=85000000, currency="CNY", signed_on="2026-04-01",
                  delivery_date="2026-06-01", warranty_end="2028-06-01", payment_days=30,
                  milestones=[{"kind": "advance", "amount": 25500000, "due": "2026-04-10"},
                              {"kind": "delivery", "amount": 51000000, "due": "2026-06-01"},
                              {"kind": "retention", "amount": 8500000}])
        refused(cmd("bidding", "CONTRACT_SIGN", **c1), "REJECTED", "tender_id",
                "a contract before the award")
        untendered = {k: v for k, v in c1.items() if k != "tender_id"}
        refused(cmd("bidding", "CONTRACT_SIGN", **untendered), "REJECTED", "opportunity_id",
                "a contract of an open deal")
        # the award records what happened: never dated after its business date
        refused(cmd("bidding", "TENDER_AWARD", id="t1", result="won", date="2099-03-20"),
                "INVALID", "date", "an award dated in the future")
        refused(cmd("bidding", "CONTRACT_SIGN", **dict(c1, signed_on="2026-04-02"),
                    on="2026-04-01"), "INVALID", "signed_on",
                "a contract signed after the command's on")
        b("TENDER_AWARD", id="t1", result="won", date="2026-03-20", reason="best technical score")
        # the quote the bid went in with is its history now
        refused(cmd("bidding", "QUOTE_LINE_ADD", id="q1", product_code="X", quantity=1,
                    list_price=1), "REJECTED", "id", "a line added after the award")
        refused(cmd("bidding", "QUOTE_CREATE", id="q9", tender_id="t1", currency="CNY"),
                "REJECTED", "tender_id", "a quote for an awarded tender")

        # the award closes the deal, through the opportunities service
        for _ in range(200):
            g = cl["opportunities"].call("OPP_GET", id="o1")
            if g["status"] == "won":
                break
            time.sleep(0.02)
        if g["status"] != "won" or g["outcome"]["won_amount"] != 85000000:
            fail("the deal after the award: %r" % g["outcome"])

        # exactly once, also after a rebuild of the opportunities service
        log = svc.client("eventlog")
        won = [e for e in log.read_stream("opportunity-o1") if e["type"] == "opportunity.won"]
        if len(won) != 1 or won[0]["data"].get("tender_id") != "t1":
            fail("the award's reaction: %r" % won)
        n_o1 = len(list(log.read_stream("opportunity-o1")))
        cl["opportunities"].call("REBUILD", timeout_ms=30000)
        reactions_settled(cl["opportunities"], log)
        if len(list(log.read_stream("opportunity-o1"))) != n_o1 or \
                cl["opportunities"].call("OPP_GET", id="o1")["status"] != "won":
            fail("the opportunities rebuild reacted again")

        # the contract and its money, in the tender's currency
        refused(cmd("bidding", "CONTRACT_SIGN", **dict(c1, currency="USD")), "REJECTED",
                "currency", "a contract in another currency than its tender's")
        # signed after the award it follows (2026-03-20), folded from the log
        r = cmd("bidding", "CONTRACT_SIGN", **dict(c1, signed_on="2026-03-19"))
        refused(r, "INVALID", "signed_on", "a contract signed before its award")
        if "the award of tender t1 (2026-03-20)" not in r.msg:
            fail("a contract signed before its award: %r" % r.msg)
        # for another amount than the award's (85 000 000): a typo unless it says why
        r = cmd("bidding", "CONTRACT_SIGN", **dict(c1, id="c7", amount=80000000, milestones=[
            {"kind": "advance", "amount": 80000000, "due": "2026-04-10"}]))
        refused(r, "REJECTED", "amount", "a contract for another amount than the award's")
        if "amount 80000000 is not the 85000000 of the award of tender t1 (-5000000)" not in r.msg:
            fail("a contract for another amount than the award's: %r" % r.msg)
        b("CONTRACT_SIGN", **c1)
        # its number is c1's, whatever the case, the width or the spaces
        r = cmd("bidding", "CONTRACT_SIGN", **dict(c1, id="c8", number="ht - 2099 - 016"))
        refused(r, "DUPLICATE", "number", "a second contract under c1's number")
        if "is contract c1's already" not in r.msg:
            fail("a second contract under c1's number: %r" % r.msg)
        # once the bidding service applied the win, the deal takes a contract
        # without a tender too (refused here for its currency, not its deal)
        q("TENDER_LIST", after_seq=won[0]["seq"])
        refused(cmd("bidding", "CONTRACT_SIGN", **dict(untendered, id="cx", currency="EUR")),
                "REJECTED", "currency", "a contract in another currency than its deal's")
        # an invoice or a payment dated after its business date (on, else
        # today) is refused: it records what happened
        refused(cmd("bidding", "CONTRACT_INVOICE", id="c1", invoice="INV-1", milestone=1,
                    amount=25500000, date="2099-04-10"), "INVALID", "date",
                "an invoice dated in the future")
        refused(cmd("bidding", "CONTRACT_PAYMENT", id="c1", milestone=1, amount=25500000,
                    date="2026-04-20", on="2026-04-19"), "INVALID", "date",
                "a payment dated after the command's on")
        # nor before the contract was signed (2026-04-01)
        refused(cmd("bidding", "CONTRACT_INVOICE", id="c1", invoice="INV-0", milestone=1,
                    amount=1, date="2026-03-31"), "INVALID", "date",
                "an invoice dated before the signature")
        refused(cmd("bidding", "CONTRACT_PAYMENT", id="c1", milestone=1, amount=1,
                    on="2026-03-31"), "INVALID", "date",
                "a payment recorded as of a day before the signature")
        b("CONTRACT_INVOICE", id="c1", invoice="INV-1", milestone=1, amount=25500000,
          date="2026-04-10")
        b("CONTRACT_PAYMENT", id="c1", milestone=1, amount=25500000, invoice="INV-1",
          date="2026-04-20", on="2026-04-20")
        refused(cmd("bidding", "CONTRACT_PAYMENT", id="c1", milestone=2, amount=51000001),
                "REJECTED", "amount", "paid more than the milestone")
        # as of a date, only what was invoiced and paid by then: the advance
        # (due 2026-04-10) invoiced that day, paid on 2026-04-20
        early = q("CONTRACT_GET", id="c1", as_of="2026-04-15")["receivables"]
        m1 = early["milestones"][0]
        if (m1["status"], m1["invoiced"], m1["paid"], early["paid"]) != \
                ("due", 25500000, 0, 0):
            fail("receivables before the payment: %r" % early)
        if q("RECEIVABLES", owner="zhao", as_of="2026-03-31")["contracts"]:
            fail("a contract signed on 2026-04-01 was owed on 2026-03-31")
        refused(cmd("bidding", "CONTRACT_GET", id="c1", as_of="2026-03-31"), "NOT_FOUND",
                "as_of", "a contract as of a day before it was signed")
        r = q("RECEIVABLES", owner="zhao", as_of="2026-04-09")["contracts"][0]["figures"]
        if (r["invoiced"], r["paid"], r["outstanding"]) != (0, 0, 85000000):
            fail("receivables before the invoice: %r" % r)
        r = q("RECEIVABLES", owner="zhao", as_of="2026-08-01")["contracts"]
        f = r[0]["figures"]
        if (f["paid"], f["overdue"], f["retention_held"]) != (25500000, 51000000, 8500000):
            fail("receivables: %r" % f)
        # the sums per owner and per currency, over every contract
        everyone = q("RECEIVABLES", as_of="2026-08-01")
        mine = [o for o in everyone["owners"] if o["owner"] == "zhao"]
        if len(mine) != 1 or mine[0]["currency"] != "CNY" or mine[0]["contracts"] != len(r) or \
                mine[0]["overdue"] != sum(c["figures"]["overdue"] for c in r):
            fail("receivables per owner: %r" % everyone["owners"])
        for t in everyone["totals"]:
            cs = [c for c in everyone["contracts"] if c["currency"] == t["currency"]]
            if t["contracts"] != len(cs) or \
                    t["receivable"] != sum(c["figures"]["receivable"] for c in cs):
                fail("receivables total: %r" % t)
        cg = q("CONTRACT_GET", id="c1", as_of="2026-08-01")
        if [m["status"] for m in cg["receivables"]["milestones"]] != ["settled", "overdue",
                                                                      "retained"]:
            fail("milestones: %r" % cg["receivables"]["milestones"])
        # a deal registered in CNY and won by hand in USD: its contract is in USD
        ok(cmd("opportunities", "OPP_REGISTER", id="o9", name="Export depot", account_id="a1",
               owner="zhao", currency="CNY", close_date="2099-06-30", on="2026-01-02"),
           "o9")
        w9 = ok(cmd("opportunities", "OPP_WIN", id="o9", amount=1000000, currency="USD",
                    date="2026-01-05"), "o9 won in USD")
        q("TENDER_LIST", after_seq=w9["last_seq"])
        c9 = dict(untendered, id="c9", number="HT-2099-090", opportunity_id="o9",
                  amount=1000000,
                  milestones=[{"kind": "advance", "amount": 1000000, "due": "2099-04-10"}])
        refused(cmd("bidding", "CONTRACT_SIGN", **dict(c9, currency="CNY")), "REJECTED",
                "currency", "a contract in the deal's registered currency, not its win's")
        # won without a tender: compared with the win as with an award
        r = cmd("bidding", "CONTRACT_SIGN", **dict(c9, currency="USD", amount=900000, milestones=[
            {"kind": "advance", "amount": 900000, "due": "2099-04-10"}]))
        refused(r, "REJECTED", "amount", "a contract for another amount than the win's")
        if "not the 1000000 of the win of opportunity o9 (-100000)" not in r.msg:
            fail("a contract for another amount than the win's: %r" % r.msg)
        r = cmd("bidding", "CONTRACT_SIGN", **dict(c9, currency="USD", signed_on="2026-01-04"))
        refused(r, "INVALID", "signed_on", "a contract signed before the win")
        if "the win of opportunity o9 (2026-01-05)" not in r.msg:
            fail("a contract signed before the win: %r" % r.msg)
        b("CONTRACT_SIGN", **dict(c9, currency="USD"))
        # negotiated after the award: the reason goes in, the award's amount beside it
        b("CONTRACT_SIGN", **dict(c1, id="c7", number="HT-2099-016-B", amount=80000000,
                                  amount_reason="spare lamps dropped after the award",
                                  milestones=[{"kind": "advance", "amount": 80000000,
                                               "due": "2026-04-10"}]))
        c7 = q("CONTRACT_GET", id="c7")
        if (c7["amount"], c7["award_amount"], c7["amount_reason"]) != \
                (80000000, 85000000, "spare lamps dropped after the award"):
            fail("a contract negotiated after the award: %r" % c7)
        if q("CONTRACT_GET", id="c1")["award_amount"] is not None:
            fail("a contract for the award's amount shows a difference")
        # a number folding makes longer than an index key is still unique
        # (U+FDFA folds to 18 characters: 33 of them to about 1 KB)
        long_number = "\ufdfa" * 33
        b("CONTRACT_SIGN", **dict(c1, id="c6", number=long_number))
        refused(cmd("bidding", "CONTRACT_SIGN", **dict(c1, id="c5", number=long_number)),
                "DUPLICATE", "number", "a long number twice")

        # intelligence
        pi = q("PRICE_INTEL", competitor="PHILIPS")
        if pi["summary"] != {"openings": 1, "cheaper": 1, "average_ratio_pm": 965}:
            fail("price intelligence: %r" % pi)
        wr = q("WIN_RATE")["types"]
        if wr != [{"type": "public", "won": 1, "lost": 0, "rate_pct": 100}]:
            fail("win rate: %r" % wr)
        tg = q("TENDER_GET", id="t1")
        if tg["result"] != "won" or len(tg["timeline"]) < 10 or tg["quote"]["id"] != "q1":
            fail("tender: %r" % {k: tg[k] for k in ("result", "step")})
        days = {k: tg[k] for k in ("step", "step_on", "technical_on", "prices_on")}
        if days != {"step": "award", "step_on": "2026-03-20", "technical_on": None,
                    "prices_on": "2026-03-02"}:
            fail("tender: the days of its step and opening: %r" % days)

        # rebuilt from the log: the same answers
        def snap():
            out = [q(op, **kw) for op, kw in (("TENDER_GET", {"id": "t1"}),
                                              ("QUOTE_GET", {"id": "q1"}),
                                              ("QUOTE_GET", {"id": "q3"}),
                                              ("CONTRACT_GET", {"id": "c1", "as_of": "2026-08-01"}),
                                              ("CONTRACT_GET", {"id": "c7", "as_of": "2026-08-01"}),
                                              ("PRICE_INTEL", {"competitor": "philips"}),
                                              ("WIN_RATE", {}))]
            for o in out:
                for k in ("v", "rid", "ok"):
                    o.pop(k, None)
            return out
        before = snap()
        n_o1 = len(list(log.read_stream("opportunity-o1")))
        q("REBUILD", timeout_ms=30000)
        if snap() != before:
            fail("after REBUILD the answers differ")
        refused(cmd("bidding", "CONTRACT_SIGN", **dict(c1, id="c8")), "DUPLICATE", "number",
                "c1's number, after REBUILD")
        # and the award, replayed by the bidding rebuild, closed the deal only once
        reactions_settled(cl["opportunities"], log)
        o1 = list(log.read_stream("opportunity-o1"))
        if len(o1) != n_o1 or sum(e["type"] == "opportunity.won" for e in o1) != 1:
            fail("the bidding rebuild made the deal react again: %r" % [e["type"] for e in o1])
        print("bidding service: ok")
        return 0
    finally:
        svc.close()


if __name__ == "__main__":
    sys.exit(main())
