#!/usr/bin/python3
"""hand_appended_deals_test.py - deals' events appended to the log by hand
(docs/events.md, "Deals appended by hand") that the opportunities, bidding
and forecasting services once folded three ways: each deal is, after them,
what the opportunities service says it is, in all three services, and
again after a REBUILD of the three. Real processes: dealbook-eventlog and
the four domain services over ipc.

  1. Through the commands: account a1; deal aw (owner aw) and deal rw
     (owner rw), rw won.
  2. Straight to the log:
     - aw: 16 losses, each through another tender, then a win through a
       17th: past the awards a deal remembers. Opportunities skipped the
       win (aw stayed lost), bidding and forecasting had aw won.
     - rw: a second registration, owner rx. Opportunities reopened rw
       under rx, bidding had it open under rx, forecasting won.
     - tt: a registration (owner tt) whose tender_type is 5. Forecasting
       alone skipped it.
     - pr, pw: opportunity.reopened on opportunity-pr, opportunity.won on
       opportunity-pw, neither ever registered. Opportunities made a deal
       of each (pr open), bidding took tenders on pr.
  3. Every service applies the log to its head without a model_error.
  4. Each deal is in the same state in the three services: won (aw, rw),
     open (tt), unknown (pr, pw). Opportunities: OPP_GET's status and
     owner (NOT_FOUND for an unknown deal). Forecasting: FUNNEL of the
     deal's owner, now and as of today from a kept book or not, counts it
     in that state alone, and nothing of owner rx. Bidding: TENDER_OPEN
     on it is refused as on a won deal, accepted on an open one, refused
     as one naming a deal nobody registered for an unknown one. And the
     funnel counts as many deals open, won and lost, for as much, as
     OPP_LIST lists.
  5. After a REBUILD of the three: the same.

Each deal's assertions fail on the code before the fix of its case (run
against those builds: aw, rw, tt, pr and pw each reported, and the totals).

Run by tests/run.sh (make test) with /usr/bin/python3; counts as one test.
"""
import itertools
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from services import (Services, caught_up, cmd, dealbook, fail, missing, ok,  # noqa: E402
                      refused_as_unknown)

NAMES = ["eventlog", "contacts", "opportunities", "bidding", "forecasting"]
SERVICES = NAMES[1:]
DEAL = ("opportunities", "bidding", "forecasting")
TODAY = time.strftime("%Y-%m-%d", time.gmtime())
SERIAL = itertools.count(1)  # the ids and numbers of the tenders opened
AWARDS_MAX = 16  # OPP_AWARDS_MAX


def registered(oid, owner, **kw):
    """An opportunity.registered payload of deal oid, as OPP_REGISTER
    writes one, with kw added or changed."""
    return dict({"id": oid, "name": "Deal " + oid, "normalized_name": "deal" + oid,
                 "account_id": "a1", "owner": owner, "currency": "CNY",
                 "close_date": "2099-06-30", "amount": 1000, "level": 1, "on": TODAY}, **kw)


def hand_appended():
    """Step 2: (stream, type, payload) in the order appended."""
    evs = []
    for i in range(AWARDS_MAX):
        evs.append(("opportunity-aw", "opportunity.lost",
                    {"id": "aw", "reason": "price", "date": TODAY, "tender_id": "taw%d" % i,
                     "on": TODAY}))
    evs.append(("opportunity-aw", "opportunity.won",
                {"id": "aw", "amount": 700, "currency": "CNY", "date": TODAY,
                 "tender_id": "taw%d" % AWARDS_MAX, "on": TODAY}))
    evs.append(("opportunity-rw", "opportunity.registered",
                registered("rw", "rx", name="Deal rw again", level=3, amount=5000)))
    evs.append(("opportunity-tt", "opportunity.registered", registered("tt", "tt", tender_type=5)))
    evs.append(("opportunity-pr", "opportunity.reopened",
                {"id": "pr", "from": "lost", "reason": "again", "on": TODAY}))
    evs.append(("opportunity-pw", "opportunity.won",
                {"id": "pw", "amount": 900, "currency": "CNY", "date": TODAY, "on": TODAY}))
    return evs


# deal -> (its owner, the state every service must know it in: open, won,
# or None, no deal)
WANT = {"aw": ("aw", "won"), "rw": ("rw", "won"), "tt": ("tt", "open"),
        "pr": (None, None), "pw": (None, None)}
FUNNEL_ARGS = ({}, {"as_of": TODAY, "book": True}, {"as_of": TODAY, "book": False})


def tender(bid, deal):
    """TENDER_OPEN on deal: its answer, or the refusal."""
    n = next(SERIAL)
    return cmd(bid, "TENDER_OPEN", id="t%d" % n, opportunity_id=deal, number="N%d" % n,
               issuer="I", type="public", currency="CNY", account_id="a1")


def opp_state(opp, deal):
    """(status, owner) of deal in the opportunities service, (None, None)
    when it is NOT_FOUND."""
    try:
        g = opp.call("OPP_GET", id=deal)
    except dealbook.DealbookError as e:
        if e.code == "NOT_FOUND":
            return None, None
        raise
    return g["status"], g.get("owner")


def funnel_states(fc, owner, args):
    """The states the forecasting FUNNEL of owner counts a deal in."""
    f = fc.call("FUNNEL", owner=owner, **args)
    return {k: f[k]["count"] for k in ("open", "won", "lost", "abandoned") if f[k]["count"]}


def bid_state(bid, deal):
    """The state of deal the bidding service tells by TENDER_OPEN on it:
    open (accepted), won, closed, or None (NOT_FOUND)."""
    r = tender(bid, deal)
    if not isinstance(r, dealbook.DealbookError):
        return "open"
    if r.code == "NOT_FOUND" and r.field == "opportunity_id":
        return None
    if r.code == "REJECTED" and r.field == "opportunity_id":
        return "won" if "was won" in r.msg else "closed"
    return "%s %s %s" % (r.code, r.field, r.msg)


def check(cl, log, what):
    """Steps 4 and 5: every divergence found, then failed on at once."""
    opp, bid, fc = (cl[n] for n in DEAL)
    caught_up(cl, log.call("STATUS")["head"], "%s: before the checks" % what)
    bad = []
    for deal, (owner, state) in sorted(WANT.items()):
        got = opp_state(opp, deal)
        if got != (state, owner):
            bad.append("%s: OPP_GET: %r, wanted %r" % (deal, got, (state, owner)))
        if state is None:
            refused = False
            try:
                refused_as_unknown(lambda d: tender(bid, d), "opportunity_id", deal,
                                   "%s: TENDER_OPEN" % deal)
                refused = True
            except SystemExit:  # fail() exits: collected instead
                pass
            if not refused:
                bad.append("%s: TENDER_OPEN not refused as on a deal nobody registered" % deal)
            continue
        b = bid_state(bid, deal)
        if b != state:
            bad.append("%s: bidding (TENDER_OPEN) has it %r, wanted %r" % (deal, b, state))
        for args in FUNNEL_ARGS:
            f = funnel_states(fc, owner, args)
            if f != {state: 1}:
                bad.append("%s: FUNNEL %r of %s: %r, wanted %r" % (deal, args, owner, f,
                                                                  {state: 1}))
    for args in FUNNEL_ARGS:
        f = funnel_states(fc, "rx", args)
        if f:
            bad.append("rw: FUNNEL %r of rx, its second registration's owner: %r" % (args, f))
    # the funnel counts the deals the opportunities service lists (the
    # open ones for as much: a won one's row shows its estimate, the
    # funnel what it was won for)
    caught_up(cl, log.call("STATUS")["head"], "%s: before the funnel" % what)
    for status in ("open", "won", "lost"):
        rows = opp.call("OPP_LIST", status=status, limit=500)["opportunities"]
        want = (len(rows), sum(r["amount"] for r in rows) if status == "open" else None)
        for args in FUNNEL_ARGS:
            f = fc.call("FUNNEL", **args)[status]
            got = (f["count"], f["amount"] if status == "open" else None)
            if got != want:
                bad.append("FUNNEL %r counts %s %s deals (count, amount), OPP_LIST %s"
                           % (args, got, status, want))
    if bad:
        fail("%s:\n  %s" % (what, "\n  ".join(bad)))


def main():
    if missing(SERVICES):
        sys.exit(77)
    s = Services(NAMES, prefix="dbk-hand-deals-", DEALBOOK_MANAGERS="mgr")
    try:
        s.start()
        cl = s.clients(SERVICES, timeout_ms=30000)
        con, opp = cl["contacts"], cl["opportunities"]
        log = s.up("eventlog")

        # 1. through the commands
        a = ok(cmd(con, "ACCOUNT_REGISTER", id="a1", name="Acme", type="owner"), "account a1")
        for deal in ("aw", "rw"):
            ok(cmd(opp, "OPP_REGISTER", actor=deal, id=deal, name="Line " + deal,
                   account_id="a1", owner=deal, currency="CNY", close_date="2099-06-30",
                   amount=1000, after_seq=a["last_seq"]), "deal " + deal)
        ok(cmd(opp, "OPP_WIN", actor="rw", id="rw", amount=1000, date=TODAY), "rw won")

        # 2. straight to the log
        head = 0
        for stream, typ, data in hand_appended():
            head = log.append(stream, [dealbook.new_event(typ, data, actor="mallory")])["head"]

        # 3. every model at the head
        caught_up(cl, head, "after the events appended by hand")

        # 4. the three services agree
        check(cl, log, "after the events appended by hand")

        # 5. and a replay agrees
        for name in DEAL:
            cl[name].call("REBUILD", timeout_ms=30000)
        caught_up(cl, log.call("STATUS")["head"], "after REBUILD")
        check(cl, log, "after REBUILD")
    finally:
        s.close()
    print("ok: a deal's events appended by hand are folded alike by opportunities, bidding "
          "and forecasting: an award past the cap, a second registration, a tender_type that "
          "is no text, outcomes of a deal never registered")


if __name__ == "__main__":
    main()
