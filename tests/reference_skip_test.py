#!/usr/bin/python3
"""reference_skip_test.py - the accounts and competitors that the
opportunities, bidding and forecasting services know (their reference
tables, DESIGN §2b) are the ones the contacts service knows, whatever is
appended to the log by hand. Real processes: dealbook-eventlog and the four
domain services over ipc.

  1. Accounts a1 and a2 and competitor k1, through contacts; deal o1 on a1.
  2. Straight to the log, events the contacts service cannot apply, or does
     not apply to an account or competitor: an account.registered whose
     name is no text, one whose `id` is not its stream's, one on a contact's
     stream, one on a stream of no contacts category; a1 archived under
     another id, merged `into` a number; a competitor.added whose name is
     "", one whose `id` is not its stream's, one on an account's stream,
     one on a stream of no contacts category; a competitor.updated renaming
     k1 to an array.
  3. Contacts, opportunities, bidding and forecasting apply the log to its
     head without a model_error; each skips (STATUS counters.skipped) the
     events of those it folds, and no more: contacts and opportunities all
     nine, bidding the five account ones, forecasting the four competitor
     ones (the two on foreign streams are nobody's).
  4. Contacts knows none of those accounts or competitors, and a1 is still
     active. OPP_REGISTER (account_id), TENDER_OPEN (account_id) and
     OPP_COMPETITOR_ADD (competitor_id) naming any of them are refused as
     one naming an id nobody registered is (NOT_FOUND, the same field and
     sentence); naming a1 or k1 they are accepted. Forecasting's WINLOSS by
     competitor shows a loss to "kq" (the id inside the mismatched event)
     or to the ids of the events on foreign streams under that text, no
     competitor behind it, and a loss to k1 under k1's name; so does its
     as-of replay of the log.
  5. After a REBUILD of opportunities, bidding and forecasting: the same.

Each assertion of 3 and 4 about opportunities, bidding or forecasting fails
on the code before the reference tables asked the contacts service's rule.

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

# (stream, type, payload): the account events nobody may apply, then the
# competitor events. Each tuple's last item: the services that skip it.
ALL = ("contacts", "opportunities", "bidding")
RIVAL = ("contacts", "opportunities", "forecasting")
POISON = [
    ("account-ab", "account.registered", {"id": "ab", "name": [1], "type": "owner"}, ALL),
    ("account-ac", "account.registered", {"id": "zz", "name": "Cee", "type": "owner"}, ALL),
    ("contact-ad", "account.registered", {"id": "ad", "name": "Dee", "type": "owner"}, ALL),
    ("thing-ae", "account.registered", {"id": "ae", "name": "Eee", "type": "owner"}, ()),
    ("account-a1", "account.archived", {"id": "zz"}, ALL),
    ("account-a1", "account.merged", {"id": "a1", "into": 5}, ALL),
    ("competitor-kb", "competitor.added", {"id": "kb", "name": ""}, RIVAL),
    ("competitor-kc", "competitor.added", {"id": "kq", "name": "Quartz"}, RIVAL),
    ("account-kd", "competitor.added", {"id": "kd", "name": "Delta"}, RIVAL),
    ("thing-ke", "competitor.added", {"id": "ke", "name": "Echo"}, ()),
    ("competitor-k1", "competitor.updated", {"id": "k1", "changed": ["name"], "name": [1]},
     RIVAL),
]
BAD_ACCOUNTS = ["ab", "ac", "ad", "ae"]
BAD_RIVALS = ["kb", "kc", "kd", "ke"]
SERIAL = itertools.count(1)  # the ids and names of the deals and tenders made


def check(cl, what):
    """Step 4: what every service must answer."""
    con, opp, bid, fc = (cl[n] for n in SERVICES)
    for a in BAD_ACCOUNTS:
        try:
            con.call("ACCOUNT_GET", id=a)
            fail("%s: contacts knows account %s" % (what, a))
        except dealbook.DealbookError as e:
            if e.code != "NOT_FOUND":
                fail("%s: ACCOUNT_GET %s: %s %s" % (what, a, e.code, e.msg))
    for k in BAD_RIVALS + ["kq"]:
        try:
            con.call("COMPETITOR_GET", id=k)
            fail("%s: contacts knows competitor %s" % (what, k))
        except dealbook.DealbookError as e:
            if e.code != "NOT_FOUND":
                fail("%s: COMPETITOR_GET %s: %s %s" % (what, k, e.code, e.msg))
    if con.call("ACCOUNT_GET", id="a1").get("status") != "active":
        fail("%s: a1 is no longer active in contacts" % what)

    def register(account):
        n = next(SERIAL)
        return cmd(opp, "OPP_REGISTER", id="r%d" % n, name="Project %d" % n, account_id=account,
                   owner="zhao", currency="CNY", close_date="2099-06-30")

    def tender(account):
        n = next(SERIAL)
        return cmd(bid, "TENDER_OPEN", id="t%d" % n, opportunity_id="o1", number="N%d" % n,
                   issuer="I", type="public", currency="CNY", account_id=account)

    def rival(competitor):
        return cmd(opp, "OPP_COMPETITOR_ADD", id="o1", competitor_id=competitor,
                   position="behind")

    for a in BAD_ACCOUNTS:
        refused_as_unknown(register, "account_id", a, "%s: OPP_REGISTER" % what)
        refused_as_unknown(tender, "account_id", a, "%s: TENDER_OPEN" % what)
    for k in BAD_RIVALS:
        refused_as_unknown(rival, "competitor_id", k, "%s: OPP_COMPETITOR_ADD" % what)
    # a1 is open to new deals and tenders, as contacts says: not archived, not merged
    ok(register("a1"), "%s: OPP_REGISTER on a1" % what)
    ok(tender("a1"), "%s: TENDER_OPEN on a1" % what)

    # the read model, and an as-of replay of the log (from a kept book or not)
    today = time.strftime("%Y-%m-%d", time.gmtime())
    for args in ({}, {"as_of": today, "book": True}, {"as_of": today, "book": False}):
        rows = {r["key"]: r.get("competitor_id")
                for r in fc.call("WINLOSS", by="competitor", **args)["rows"] if r["lost"]}
        want = {"kq": None, "kd": None, "ke": None, "Sanxiong": "k1"}
        if rows != want:
            fail("%s: forecasting's losses by competitor %r: %r, wanted %r"
                 % (what, args, rows, want))


def main():
    if missing(SERVICES):
        sys.exit(77)
    s = Services(NAMES, prefix="dbk-refskip-", DEALBOOK_MANAGERS="mgr")
    try:
        s.start()
        cl = s.clients(SERVICES, timeout_ms=30000)
        con, opp = cl["contacts"], cl["opportunities"]
        log = s.up("eventlog")

        # 1. what every service knows
        ok(cmd(con, "ACCOUNT_REGISTER", id="a1", name="Acme", type="owner"), "account a1")
        ok(cmd(con, "ACCOUNT_REGISTER", id="a2", name="Bolt", type="owner"), "account a2")
        k = ok(cmd(con, "COMPETITOR_ADD", id="k1", name="Sanxiong"), "competitor k1")
        ok(cmd(opp, "OPP_REGISTER", id="o1", name="Line 16", account_id="a1", owner="zhao",
               currency="CNY", close_date="2099-06-30", after_seq=k["last_seq"]), "deal o1")

        # 2. the poisoned events
        head = 0
        for stream, typ, data, _ in POISON:
            head = log.append(stream, [dealbook.new_event(typ, data, actor="mallory")])["head"]

        # 3. every model at the head, each poisoned event it folds skipped
        st = caught_up(cl, head, "after the poisoned events")
        for name in SERVICES:
            want = sum(name in by for *_, by in POISON)
            got = st[name]["counters"].get("skipped")
            if got != want:
                fail("%s counters.skipped: %r, wanted %d" % (name, got, want))

        # losses to each would-be competitor, and to k1
        today = time.strftime("%Y-%m-%d", time.gmtime())
        for i, winner in enumerate(["kq", "kd", "ke", "k1"]):
            oid = "lost%d" % i
            ok(cmd(opp, "OPP_REGISTER", id=oid, name="Lost %d" % i, account_id="a2",
                   owner="zhao", currency="CNY", close_date="2099-06-30", amount=100),
               "deal %s" % oid)
            r = ok(cmd(opp, "OPP_LOSE", id=oid, reason="price", date=today, winner=winner),
                   "lose %s" % oid)
        caught_up(cl, r["last_seq"], "after the losses")

        # 4. nobody knows the poisoned accounts and competitors
        check(cl, "after the poisoned events")
        ok(cmd(opp, "OPP_COMPETITOR_ADD", id="o1", competitor_id="k1", position="behind"),
           "k1 on o1")

        # 5. a replay agrees
        for name in ("opportunities", "bidding", "forecasting"):
            cl[name].call("REBUILD", timeout_ms=30000)
        caught_up(cl, log.call("STATUS")["head"], "after REBUILD")
        check(cl, "after REBUILD")
    finally:
        s.close()
    print("ok: the reference tables skip what contacts skips")


if __name__ == "__main__":
    main()
