#!/usr/bin/python3
"""hand_appended_test.py - events appended to the log by hand
(docs/protocol.md §16, "Events appended by hand") holding what the owning
service's commands would never write: every service that knows the
aggregate from its owner's events skips what the owner skips, and no query
of any service shows it. Real processes: dealbook-eventlog and the four
domain services over ipc.

  1. Through the commands: accounts a1, a2; contact c1 of a1; competitor k1;
     deal o1 on a1 with c1 on its stakeholder map, deal o2 on a2; activity
     v0 with c1 on 2020-01-01.
  2. Straight to the log, values the contacts commands refuse: an account
     whose name is "", one whose type is none of the list, a1 merged into
     nil, a contact at a level that is none, a competitor at a price level
     that is none. And activities with c1 dated today that the contacts
     service does not apply: one on a stream of no activity, one whose id is
     not its stream's, one of a kind that is none, one dated "yesterday", a
     second one on v0's stream; then on stream activity-v7 one of a kind
     that is none, and after it one dated 2021-01-01, the first of v7 that
     applies. And deals' events the opportunities service does not fold: a
     registration of o9 on a stream of no deal, one of "zz" on
     opportunity-o8, one of o7 without its account, one of o6 at level "x";
     o1 won for "lots", lost without a reason, moved to level 9. And trips,
     which only the contacts service reads: c1's to a city of spaces, one
     with a hotel that is a number, one of c9 (no contact) without a city,
     and one good trip of c1.
  3. Contacts, opportunities, bidding and forecasting apply the log to its
     head without a model_error, each skipping (STATUS counters.skipped)
     exactly the events it reads of those: contacts and opportunities the
     five of step 2's first sentence and the four activities the contacts
     service skips, bidding the three account ones, forecasting the
     competitor one, contacts the three bad trips too (c1's trip_count is 1);
     opportunities, bidding and forecasting the five deals'
     events of o8, o7, o6 and o1's win and loss, opportunities and
     forecasting o1's level too (bidding does not read levels).
  4. Contacts knows none of those accounts, that contact or that
     competitor, and a1 is still active. OPP_REGISTER and TENDER_OPEN on
     o2 (account_id), OPP_STAKEHOLDER_ADD (contact_id) and OPP_COMPETITOR_ADD
     (competitor_id) naming one are refused as one naming an id nobody
     registered is; OPP_REGISTER and TENDER_OPEN on a1 are accepted (it was
     not merged). Forecasting's WINLOSS by competitor shows a loss to "kb"
     with no competitor behind it.
     c1 was last met on 2021-01-01 as the contacts service knows it
     (CONTACT_GET's last_activity, ACTIVITY_LIST) and as the opportunities
     service shows it on o1 (the stakeholder's last_contact, now and as of
     today) and so c1 is a stale contact there.
     No deal o9, o8, o7 or o6: OPP_GET is NOT_FOUND, TENDER_OPEN naming one
     is refused as one naming a deal nobody registered, and forecasting's
     FUNNEL (now, and as of today from a kept book or not) counts the open
     deals OPP_LIST lists, for as much; o1 is open at L1, and a tender on
     it is opened.
  5. After a REBUILD of every domain service: the same.

Every assertion of 3 and 4 fails on the code before the contacts service's
rule refused those values, the opportunities service read activities by it,
and bidding and forecasting read deals by the opportunities service's rule;
but those about what the opportunities service skipped or ignored already
(OPP_GET of o9, o7, o6; o1 open at L1), the baseline the others must meet.

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

# (stream, type, payload, the services that skip it)
ACCOUNT = ("contacts", "opportunities", "bidding")
CONTACT = ("contacts", "opportunities")
RIVAL = ("contacts", "opportunities", "forecasting")
REFUSED_VALUES = [
    ("account-ab", "account.registered", {"id": "ab", "name": "", "type": "owner"}, ACCOUNT),
    ("account-ac", "account.registered", {"id": "ac", "name": "Cee", "type": "boss"}, ACCOUNT),
    ("account-a1", "account.merged", {"id": "a1", "into": None}, ACCOUNT),
    ("contact-cb", "contact.added",
     {"id": "cb", "name": "Bo", "account_id": "a1", "level": "boss"}, CONTACT),
    ("competitor-kb", "competitor.added", {"id": "kb", "name": "Kb", "price_level": "cheap"},
     RIVAL),
]
MET = ("contacts", "opportunities")
TODAY = time.strftime("%Y-%m-%d", time.gmtime())


def visit(aid, **kw):
    """An activity.logged payload: a visit to c1 today, as the command
    writes one, with kw changed."""
    return dict({"id": aid, "kind": "visit", "date": TODAY, "their_people": ["c1"],
                 "account_id": "a1"}, **kw)


ACTIVITIES = [
    ("thing-v1", "activity.logged", visit("v1"), ()),
    ("activity-v2", "activity.logged", visit("zz"), MET),
    ("activity-v3", "activity.logged", visit("v3", kind="party"), MET),
    ("activity-v4", "activity.logged", visit("v4", date="yesterday"), MET),
    ("activity-v0", "activity.logged", visit("v0"), ()),
    ("activity-v7", "activity.logged", visit("v7", kind="party"), MET),
    ("activity-v7", "activity.logged", visit("v7", date="2021-01-01"), ()),
]
DEAL = ("opportunities", "bidding", "forecasting")


def registered(oid, **kw):
    """An opportunity.registered payload of deal oid, as OPP_REGISTER
    writes one, with kw changed (None: left out)."""
    data = dict({"id": oid, "name": "Deal " + oid, "normalized_name": "deal" + oid,
                 "account_id": "a1", "owner": "zhao", "currency": "CNY",
                 "close_date": "2099-06-30", "amount": 1000, "level": 1, "on": TODAY}, **kw)
    return {k: v for k, v in data.items() if v is not None}


DEALS = [
    ("thing-o9", "opportunity.registered", registered("o9"), ()),
    ("opportunity-o8", "opportunity.registered", registered("zz"), DEAL),
    ("opportunity-o7", "opportunity.registered", registered("o7", account_id=None), DEAL),
    ("opportunity-o6", "opportunity.registered", registered("o6", level="x"), DEAL),
    ("opportunity-o1", "opportunity.won", {"id": "o1", "amount": "lots", "date": TODAY}, DEAL),
    ("opportunity-o1", "opportunity.lost", {"id": "o1", "date": TODAY}, DEAL),
    ("opportunity-o1", "opportunity.level_changed", {"id": "o1", "from": 1, "to": 9},
     ("opportunities", "forecasting")),
]
# trips, which only the contacts service reads, and folds the quick way
# (a count on the contact's row): judged all the same
TRIP = {"id": "c1", "trip": 1, "from": "2026-03-01", "to": "2026-03-02", "city": "Wuhan"}
TRIPS = [
    ("contact-c1", "contact.trip_added", dict(TRIP, city="  "), ("contacts",)),
    ("contact-c1", "contact.trip_added", dict(TRIP, hotel=5), ("contacts",)),
    ("contact-c9", "contact.trip_added", dict(TRIP, id="c9", city=None), ("contacts",)),
    ("contact-c1", "contact.trip_added", TRIP, ()),
]
HAND = REFUSED_VALUES + ACTIVITIES + DEALS + TRIPS
SERIAL = itertools.count(1)  # the ids and names of the deals and tenders made


def not_found(c, op, id_, what):
    """op naming id_ must be NOT_FOUND."""
    try:
        c.call(op, id=id_)
        fail("%s: %s %s is found" % (what, op, id_))
    except dealbook.DealbookError as e:
        if e.code != "NOT_FOUND":
            fail("%s: %s %s: %s %s" % (what, op, id_, e.code, e.msg))


def check_trips(cl, what):
    """c1 made the one trip the contacts service applies."""
    got = cl["contacts"].call("CONTACT_GET", id="c1").get("trip_count")
    if got != 1:
        fail("%s: c1's trip_count %r, wanted 1 (the others are no trips)" % (what, got))


def check_refused_values(cl, what):
    """Step 4: nobody knows what only the events of REFUSED_VALUES say."""
    con, opp, bid, fc = (cl[n] for n in SERVICES)
    for a in ("ab", "ac"):
        not_found(con, "ACCOUNT_GET", a, what)
    not_found(con, "CONTACT_GET", "cb", what)
    not_found(con, "COMPETITOR_GET", "kb", what)
    if con.call("ACCOUNT_GET", id="a1").get("status") != "active":
        fail("%s: a1 is no longer active in contacts" % what)

    def register(account):
        n = next(SERIAL)
        return cmd(opp, "OPP_REGISTER", id="r%d" % n, name="Project %d" % n, account_id=account,
                   owner="zhao", currency="CNY", close_date="2099-06-30")

    def tender(account):
        n = next(SERIAL)
        return cmd(bid, "TENDER_OPEN", id="t%d" % n, opportunity_id="o2", number="N%d" % n,
                   issuer="I", type="public", currency="CNY", account_id=account)

    def stakeholder(contact):
        return cmd(opp, "OPP_STAKEHOLDER_ADD", id="o1", contact_id=contact, role="user")

    def rival(competitor):
        return cmd(opp, "OPP_COMPETITOR_ADD", id="o1", competitor_id=competitor,
                   position="behind")

    for a in ("ab", "ac"):
        refused_as_unknown(register, "account_id", a, "%s: OPP_REGISTER" % what)
        refused_as_unknown(tender, "account_id", a, "%s: TENDER_OPEN" % what)
    refused_as_unknown(stakeholder, "contact_id", "cb", "%s: OPP_STAKEHOLDER_ADD" % what)
    refused_as_unknown(rival, "competitor_id", "kb", "%s: OPP_COMPETITOR_ADD" % what)
    ok(register("a1"), "%s: OPP_REGISTER on a1, merged into nobody" % what)
    ok(tender("a1"), "%s: TENDER_OPEN on a1, merged into nobody" % what)
    for args in ({}, {"as_of": TODAY, "book": True}, {"as_of": TODAY, "book": False}):
        rows = {r["key"]: r.get("competitor_id")
                for r in fc.call("WINLOSS", by="competitor", **args)["rows"] if r["lost"]}
        if rows != {"kb": None}:
            fail("%s: forecasting's losses by competitor %r: %r, wanted kb with no competitor"
                 % (what, args, rows))


def check_activities(cl, what):
    """Step 4: c1 was last met on 2021-01-01 (v7), in every service."""
    con, opp = cl["contacts"], cl["opportunities"]
    got = con.call("CONTACT_GET", id="c1").get("last_activity")
    if got != "2021-01-01":
        fail("%s: contacts says c1 was last met on %r" % (what, got))
    ids = sorted(a["id"] for a in con.call("ACTIVITY_LIST", contact_id="c1")["activities"])
    if ids != ["v0", "v7"]:
        fail("%s: contacts lists c1's activities %r" % (what, ids))
    for args in ({}, {"as_of": TODAY}):
        g = opp.call("OPP_GET", id="o1", **args)
        met = [p.get("last_contact") for p in g["stakeholders"] if p["contact_id"] == "c1"]
        if met != ["2021-01-01"]:
            fail("%s: OPP_GET %r shows c1 last contacted %r" % (what, args, met))
        stale = [f["contact_id"] for f in g["red_flags"] if f["code"] == "stale_contact"]
        if stale != ["c1"]:
            fail("%s: OPP_GET %r: stale contacts %r" % (what, args, stale))


def check_deals(cl, log, what):
    """Step 4: no deal but what the opportunities service folded."""
    opp, bid, fc = (cl[n] for n in DEAL)
    for o in ("o9", "o8", "o7", "o6"):
        not_found(opp, "OPP_GET", o, what)
    g = opp.call("OPP_GET", id="o1")
    if (g["status"], g["level"]) != ("open", "L1"):
        fail("%s: o1 is %s at %s" % (what, g["status"], g["level"]))

    def tender(deal):
        n = next(SERIAL)
        return cmd(bid, "TENDER_OPEN", id="t%d" % n, opportunity_id=deal, number="N%d" % n,
                   issuer="I", type="public", currency="CNY", account_id="a1")

    for o in ("o9", "o8", "o7", "o6"):
        refused_as_unknown(tender, "opportunity_id", o, "%s: TENDER_OPEN" % what)
    ok(tender("o1"), "%s: TENDER_OPEN on o1, neither won nor lost" % what)
    # the funnel counts the deals the opportunities service knows
    caught_up(cl, log.call("STATUS")["head"], "%s: before the funnel" % what)
    rows = opp.call("OPP_LIST", status="open", limit=500)["opportunities"]
    want = (len(rows), sum(r["amount"] for r in rows))
    for args in ({}, {"as_of": TODAY, "book": True}, {"as_of": TODAY, "book": False}):
        f = fc.call("FUNNEL", **args)["open"]
        if (f["count"], f["amount"]) != want:
            fail("%s: FUNNEL %r counts %d open deals for %d, OPP_LIST %d for %d"
                 % ((what, args, f["count"], f["amount"]) + want))


def main():
    if missing(SERVICES):
        sys.exit(77)
    s = Services(NAMES, prefix="dbk-hand-", DEALBOOK_MANAGERS="mgr")
    try:
        s.start()
        cl = s.clients(SERVICES, timeout_ms=30000)
        con, opp = cl["contacts"], cl["opportunities"]
        log = s.up("eventlog")

        # 1. what every service knows
        ok(cmd(con, "ACCOUNT_REGISTER", id="a1", name="Acme", type="owner"), "account a1")
        ok(cmd(con, "ACCOUNT_REGISTER", id="a2", name="Bolt", type="owner"), "account a2")
        ok(cmd(con, "CONTACT_ADD", id="c1", name="Zhou", account_id="a1"), "contact c1")
        k = ok(cmd(con, "COMPETITOR_ADD", id="k1", name="Sanxiong"), "competitor k1")
        ok(cmd(opp, "OPP_REGISTER", id="o1", name="Line 16", account_id="a1", owner="zhao",
               currency="CNY", close_date="2099-06-30", after_seq=k["last_seq"]), "deal o1")
        ok(cmd(opp, "OPP_STAKEHOLDER_ADD", id="o1", contact_id="c1", role="user"),
           "c1 on o1")
        ok(cmd(opp, "OPP_REGISTER", id="o2", name="Line 17", account_id="a2", owner="zhao",
               currency="CNY", close_date="2099-06-30"), "deal o2")
        ok(cmd(con, "ACTIVITY_LOG", id="v0", kind="visit", date="2020-01-01",
               their_people=["c1"], account_id="a1"), "activity v0")

        # 2. the events no command would write
        head = 0
        for stream, typ, data, _ in HAND:
            head = log.append(stream, [dealbook.new_event(typ, data, actor="mallory")])["head"]

        # 3. every model at the head, each such event it reads skipped
        st = caught_up(cl, head, "after the events appended by hand")
        for name in SERVICES:
            want = sum(name in by for *_, by in HAND)
            got = st[name]["counters"].get("skipped")
            if got != want:
                fail("%s counters.skipped: %r, wanted %d" % (name, got, want))

        # a loss to kb: no competitor of that id
        ok(cmd(opp, "OPP_REGISTER", id="lost", name="Lost", account_id="a2", owner="zhao",
               currency="CNY", close_date="2099-06-30", amount=100), "deal lost")
        r = ok(cmd(opp, "OPP_LOSE", id="lost", reason="price", date=TODAY, winner="kb"),
               "lose it to kb")
        caught_up(cl, r["last_seq"], "after the loss")

        # 4. no query shows them
        check_refused_values(cl, "after the events appended by hand")
        check_activities(cl, "after the events appended by hand")
        check_deals(cl, log, "after the events appended by hand")
        check_trips(cl, "after the events appended by hand")

        # 5. a replay agrees
        for name in SERVICES:
            cl[name].call("REBUILD", timeout_ms=30000)
        caught_up(cl, log.call("STATUS")["head"], "after REBUILD")
        check_refused_values(cl, "after REBUILD")
        check_activities(cl, "after REBUILD")
        check_deals(cl, log, "after REBUILD")
        check_trips(cl, "after REBUILD")
    finally:
        s.close()
    print("ok: every service skips what the owner skips: accounts, contacts, competitors, "
          "activities, deals")


if __name__ == "__main__":
    main()
