#!/usr/bin/python3
"""bidding_overflow_test.py - the bidding service never answers a sum that
wrapped, through real dealbook-eventlog and dealbook-bidding processes
(docs/protocol.md §16.3, RECEIVABLES and PRICE_INTEL).

Appended to the log as the bidding service would write them:
- 9,300 contracts of wang's deal, each of 10^15 minor units (the most
  CONTRACT_SIGN accepts): 9.3 x 10^18 in all, past the 9.22 x 10^18 an
  int64 (the wire's integer) holds. RECEIVABLES is refused, TOO_LARGE,
  `field` naming the sum (owners.amount); the figures of each contract
  are right;
- ten tender openings where a competitor's price is 10^15 and ours 1:
  each ratio is 10^18 per mille, their sum 10^19. PRICE_INTEL's
  average_ratio_pm is 10^18, not a wrapped sum divided by ten;
- a contract.signed event of INT64_MAX minor units (appended by hand) is
  skipped, and logged so.

Run by tests/run.sh with /usr/bin/python3; exit 0 pass, 77 skip.
"""
import datetime
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from forecasting_asof_test import append  # noqa: E402
from services import Services, dealbook, fail, missing  # noqa: E402

NAMES = ("eventlog", "bidding")
CONTRACTS, TENDERS = 9300, 10
AMOUNT = 10**15


def history(on):
    evs = [("opportunity-o1", "opportunity.registered",
            {"id": "o1", "name": "P", "account_id": "a1", "owner": "wang", "currency": "CNY",
             "close_date": on, "amount": AMOUNT, "level": 1, "on": on})]
    for i in range(CONTRACTS):
        cid = "c%05d" % i
        evs.append(("contract-" + cid, "contract.signed",
                    {"id": cid, "number": "HT-%05d" % i, "opportunity_id": "o1",
                     "buyer_id": "a1", "seller": "S", "scope": "lighting", "amount": AMOUNT,
                     "currency": "CNY", "signed_on": on, "payment_days": 30,
                     "milestones": [{"kind": "advance", "amount": AMOUNT, "due": on}],
                     "on": on}))
    for i in range(TENDERS):
        tid = "t%02d" % i
        evs.append(("tender-" + tid, "tender.opened",
                    {"id": tid, "opportunity_id": "o1", "number": "N%d" % i, "issuer": "I",
                     "type": "public", "currency": "CNY", "step": "notice", "on": on}))
        evs.append(("tender-" + tid, "tender.opening_recorded",
                    {"id": tid, "envelope": "single", "step": "opening", "date": on,
                     "our_price": 1, "our_rank": 2, "on": on,
                     "bidders": [{"bidder": "Acme", "price": AMOUNT, "rank": 1},
                                 {"bidder": "us", "price": 1, "rank": 2, "us": True}]}))
    evs.append(("contract-cbad", "contract.signed",
                {"id": "cbad", "number": "HT-BAD", "opportunity_id": "o1", "buyer_id": "a1",
                 "seller": "S", "scope": "x", "amount": 2**63 - 1, "currency": "CNY",
                 "signed_on": on, "payment_days": 0,
                 "milestones": [{"kind": "advance", "amount": 2**63 - 1}], "on": on}))
    return evs


def main():
    if missing(NAMES):
        return 77
    svc = Services(NAMES, prefix="dbk-bidover-")
    try:
        svc.start()
        log = svc.client("eventlog", timeout_ms=20000)
        bid = svc.client("bidding", timeout_ms=60000)
        today = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
        append(log, history(today))
        head = log.status()["head"]
        for _ in range(1500):
            if bid.call("STATUS")["seq_applied"] >= head:
                break
            time.sleep(0.02)
        else:
            fail("bidding did not catch up with %d events" % head)

        try:
            r = bid.call("RECEIVABLES")
            fail("RECEIVABLES answered %r" % {k: r[k] for k in ("owners", "totals")})
        except dealbook.DealbookError as e:
            if e.code != "TOO_LARGE" or e.field != "owners.amount" or "wang" not in e.msg:
                fail("RECEIVABLES: wanted TOO_LARGE owners.amount, got %s %s %r"
                     % (e.code, e.field, e.msg))
            refused = e.msg
        one = bid.call("CONTRACT_GET", id="c00042")["receivables"]
        if (one["amount"], one["outstanding"]) != (AMOUNT, AMOUNT):
            fail("CONTRACT_GET c00042: %r" % one)

        intel = bid.call("PRICE_INTEL", competitor="acme")
        summ = intel["summary"]
        if summ["openings"] != TENDERS or summ["average_ratio_pm"] != AMOUNT * 1000:
            fail("PRICE_INTEL: %r, wanted %d openings averaging %d" % (summ, TENDERS,
                                                                         AMOUNT * 1000))
        try:
            bad = bid.call("CONTRACT_GET", id="cbad")
            fail("a contract of INT64_MAX was folded: %r" % bad)
        except dealbook.DealbookError as e:
            if e.code != "NOT_FOUND":
                fail("CONTRACT_GET cbad: %s %r" % (e.code, e.msg))
        with open(os.path.join(svc.dir, "services.err"), errors="replace") as f:
            if "(contract.signed on contract-cbad) lacks a required field, or holds one of the wrong type or out of range: skipped" not in f.read():
                fail("the contract of INT64_MAX was not logged as skipped")
        print("bidding: %d contracts of 10^15: RECEIVABLES refused (%s); PRICE_INTEL of %d "
              "openings averages %d per mille" % (CONTRACTS, refused, TENDERS,
                                                   summ["average_ratio_pm"]))
        return 0
    finally:
        svc.close()


if __name__ == "__main__":
    sys.exit(main())
