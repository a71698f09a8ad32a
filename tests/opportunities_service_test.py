#!/usr/bin/python3
"""opportunities_service_test.py - the opportunities service through real
sockets against real dealbook-eventlog and dealbook-contacts processes:
a retried command id appends nothing, concurrent registrations of one
project by two owners end in one conflict, the read model rebuilt from
the log (deleted data dir, and the REBUILD verb; both long enough to hold
their index rows until caught up) answers exactly as before, and OPP_GET
as of a past date answers the state of that moment.

Run by tests/run.sh with /usr/bin/python3; exit 0 pass, 77 skip.
"""
import calendar
import os
import shutil
import sys
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from services import Services, cmd, dealbook, fail, missing, ok, reactions_settled, refused, \
    wait_up  # noqa: E402

NAMES = ("eventlog", "contacts", "opportunities")


def main():
    if missing(NAMES):
        return 77
    svc = Services(NAMES, prefix="dbk-opps-", DEALBOOK_MANAGERS="boss")
    start, stop, client = svc.start, svc.stop, svc.client

    def snapshot(o):
        rows = o.call("OPP_LIST", status="all", limit=500)["opportunities"]
        ids = sorted(r["id"] for r in rows)
        full = {i: o.call("OPP_GET", id=i) for i in ids}
        for g in full.values():
            for k in ("v", "rid", "ok"):
                g.pop(k, None)
        return rows, full, o.call("OPP_CONFLICTS")["conflicts"]

    try:
        start("eventlog")
        start("contacts")
        start("opportunities")
        c, o = client("contacts"), client("opportunities")
        wait_up(c)
        wait_up(o)
        ok(cmd(c, "ACCOUNT_REGISTER", id="a1", name="Shenzhen Metro", type="owner"), "account")
        ok(cmd(c, "ACCOUNT_REGISTER", id="a2", name="Huawei Campus", type="owner"), "account")
        for i, n in enumerate(("Wang Wei", "Li Na", "Zhang Min")):
            ok(cmd(c, "CONTACT_ADD", id="c%d" % (i + 1), name=n, account_id="a1"), "contact")
        k1 = ok(cmd(c, "COMPETITOR_ADD", id="k1", name="Philips"), "competitor")
        o.call("OPP_LIST", after_seq=k1["last_seq"])  # o has applied the contacts' events

        # a command id retried appends nothing and answers the same positions
        cid = uuid.uuid4().bytes
        r1 = ok(cmd(o, "OPP_REGISTER", cmd_id=cid, id="o1", name="Line 16 lighting",
                    account_id="a1", owner="zhao", currency="CNY", close_date="2027-09-30",
                    amount=880000000, region="south", team="t1", site_city="Shenzhen"), "register")
        r2 = ok(cmd(o, "OPP_REGISTER", cmd_id=cid, id="o1", name="Line 16 lighting",
                    account_id="a1", owner="zhao", currency="CNY", close_date="2027-09-30",
                    amount=880000000, region="south", team="t1", site_city="Shenzhen"), "retry")
        if not r2["duplicate"] or (r1["first_seq"], r1["last_seq"]) != (r2["first_seq"], r2["last_seq"]):
            fail("retry: %r vs %r" % (r1, r2))
        head = client("eventlog").status()["head"]

        # the same project by another owner: recorded, flagged on both deals
        ok(cmd(o, "OPP_REGISTER", actor="qian", id="o2", name="LINE 16 Lighting", account_id="a1",
               owner="qian", currency="CNY", close_date="2027-08-31"), "second owner")
        conf = o.call("OPP_CONFLICTS")["conflicts"]
        if sorted((x["id"], x["conflict_with"]) for x in conf) != [("o1", "o2"), ("o2", "o1")]:
            fail("conflicts: %r" % conf)
        r = cmd(o, "OPP_RESOLVE", id="o2", owner="zhao", **{"with": "o1"})
        if not isinstance(r, dealbook.DealbookError) or (r.code, r.field) != ("REJECTED", "actor"):
            fail("a salesperson resolved a conflict: %r" % r)
        ok(cmd(o, "OPP_RESOLVE", actor="boss", id="o2", owner="zhao", reason="first",
               **{"with": "o1"}), "resolve")
        if o.call("OPP_CONFLICTS")["conflicts"]:
            fail("conflicts remain")
        g2 = o.call("OPP_GET", id="o2")
        if (g2["status"], g2["owner"], g2["duplicate_of"]) != ("duplicate", "qian", "o1"):
            fail("closed duplicate: %r" % g2)

        # the funnel: each level's criteria
        r = cmd(o, "OPP_LEVEL", id="o1", level="L2")
        if not isinstance(r, dealbook.DealbookError) or r.field != "need_confirmed":
            fail("L2 without a need: %r" % r)
        ok(cmd(o, "OPP_NEED_ADD", id="o1", kind="organisational", text="energy use -30%"), "need")
        ok(cmd(o, "OPP_STAKEHOLDER_ADD", id="o1", contact_id="c1", role="decision_maker",
               attitude=1, influence=5, level="decision", function="technical"), "dm")
        ok(cmd(o, "OPP_LEVEL", id="o1", level="L2"), "L2")
        q = dict(real_project_score=5, real_project_evidence="funded",
                 our_opportunity_score=4, our_opportunity_evidence="specified",
                 can_win_score=3, can_win_evidence="coach", worth_winning_score=4,
                 worth_winning_evidence="margin", decision="pursue", reason="go")
        ok(cmd(o, "OPP_QUALIFY", id="o1", **q), "qualify")
        ok(cmd(o, "OPP_STAKEHOLDER_ADD", id="o1", contact_id="c2", role="coach", attitude=2),
           "coach")
        ok(cmd(o, "OPP_LEVEL", id="o1", level="L4"), "L4")
        ok(cmd(o, "OPP_COMPETITOR_ADD", id="o1", competitor_id="k1", position="even"), "rival")
        ok(cmd(o, "OPP_CATEGORY", id="o1", category="commit"), "category")
        g = o.call("OPP_GET", id="o1")
        if (g["level"], g["probability"], g["weighted"], g["category"]) != ("L4", 75, 660000000, "commit"):
            fail("o1 after the funnel: %r" % {k: g[k] for k in ("level", "probability", "weighted")})
        if g["roles"]["missing"] != ["technical_evaluator", "user"]:
            fail("roles: %r" % g["roles"])
        if g["competitors"][0]["name"] != "Philips" or g["stakeholders"][0]["name"] != "Wang Wei":
            fail("names: %r %r" % (g["competitors"], g["stakeholders"]))
        if "no_coach" in [f["code"] for f in g["red_flags"]]:
            fail("a coach is on the map: %r" % g["red_flags"])

        # a visit logged in the contacts service is a contact: no longer stale
        def stale(g):
            return sorted(f["contact_id"] for f in g["red_flags"] if f["code"] == "stale_contact")
        if stale(g) != ["c1", "c2"]:
            fail("never contacted: %r" % g["red_flags"])
        today = time.strftime("%Y-%m-%d", time.gmtime())
        a = ok(cmd(c, "ACTIVITY_LOG", kind="visit", date=today, their_people=["c1"],
                   account_id="a1"), "activity")
        g = o.call("OPP_GET", id="o1", after_seq=a["last_seq"])
        if stale(g) != ["c2"] or g["stakeholders"][0]["last_contact"] != today:
            fail("a stakeholder visited today: %r %r" % (g["red_flags"], g["stakeholders"][0]))
        # an activity records what took place: one dated ahead is refused
        # (the contacts service's business date is today, UTC), and today's
        # visit stays the last contact
        r = cmd(c, "ACTIVITY_LOG", kind="call", date="2099-01-01", their_people=["c1"],
                account_id="a1")
        if not isinstance(r, dealbook.DealbookError) or (r.code, r.field) != ("INVALID", "date") \
                or "cannot be after today at UTC (%s)" % today not in r.msg:
            fail("an activity dated ahead: %r" % r)
        # a log written before that rule may hold one: it folds, and does
        # not hide today's visit, nor count before its day
        ahead = dealbook.new_event("activity.logged", {
            "id": "v-ahead", "kind": "call", "date": "2099-01-01", "their_people": ["c1"],
            "account_id": "a1"}, actor="svc:contacts")
        seq = client("eventlog").append("activity-v-ahead", [ahead], expect="none")["last_seq"]
        g = o.call("OPP_GET", id="o1", after_seq=seq)
        if stale(g) != ["c2"] or g["stakeholders"][0]["last_contact"] != today:
            fail("an activity dated ahead hid today's: %r %r" % (g["red_flags"],
                                                                 g["stakeholders"][0]))
        if c.call("ACTIVITY_LIST", contact_id="c1", after_seq=seq)["activities"][0]["date"] \
                != "2099-01-01":
            fail("the activity dated ahead did not fold")

        # a deal lost, reopened; another won
        ok(cmd(o, "OPP_REGISTER", id="o3", name="HQ lighting", account_id="a2", owner="sun",
               actor="sun", currency="CNY", close_date="2027-03-31", amount=100000000,
               region="south"), "o3")
        ok(cmd(o, "OPP_CATEGORY", actor="sun", id="o3", category="commit"), "o3 commit")
        # a loss or a win records what happened: not dated after its `on`
        r = cmd(o, "OPP_LOSE", actor="sun", id="o3", reason="price", date="2027-01-10",
                winner="k1", price_gap=-5000000)
        if not isinstance(r, dealbook.DealbookError) or (r.code, r.field) != ("INVALID", "date") \
                or "date (2027-01-10) cannot be after on (%s)" % today not in r.msg:
            fail("a loss dated ahead: %r" % r)
        # ... nor before it was registered (today, here)
        r = cmd(o, "OPP_LOSE", actor="sun", id="o3", reason="price", date="2026-01-10",
                winner="k1", price_gap=-5000000)
        if not isinstance(r, dealbook.DealbookError) or (r.code, r.field) != ("INVALID", "date") \
                or "date (2026-01-10) cannot be before the registration of opportunity o3 (%s)" \
                % today not in r.msg:
            fail("a loss dated before the registration: %r" % r)
        ok(cmd(o, "OPP_LOSE", actor="sun", id="o3", reason="price", date=today,
               winner="k1", price_gap=-5000000), "lose")
        r = cmd(o, "OPP_NEXT_STEP", actor="sun", id="o3", next_step="call")
        if not isinstance(r, dealbook.DealbookError) or r.code != "REJECTED":
            fail("a lost deal took a next step: %r" % r)
        ok(cmd(o, "OPP_REOPEN", actor="sun", id="o3", reason="re-tender"), "reopen")
        # a new round: the lost round's forecast category is gone
        g3 = o.call("OPP_GET", id="o3")
        commits = [x["id"] for x in o.call("OPP_LIST", category="commit")["opportunities"]]
        if "category" in g3 or "o3" in commits:
            fail("a reopened deal kept its commit category: %r" % g3.get("category"))
        ok(cmd(o, "OPP_WIN", id="o1", amount=870000000, date=today), "win")

        # lists
        def ids(**f):
            return [x["id"] for x in o.call("OPP_LIST", **f)["opportunities"]]
        if ids() != ["o3"]:
            fail("open deals: %r" % ids())
        if ids(status="all") != ["o3", "o2", "o1"]:
            fail("all by close date: %r" % ids(status="all"))
        if ids(status="all", sort="-close_date") != ["o1", "o2", "o3"]:
            fail("latest first: %r" % ids(status="all", sort="-close_date"))
        if ids(status="won", owner="ZHAO") != ["o1"] or ids(region="south", status="all", close_to="2027-06-30") != ["o3"]:
            fail("filters")
        page = o.call("OPP_LIST", status="all", limit=1)
        page2 = o.call("OPP_LIST", status="all", limit=1, after=page["next"])
        if [x["id"] for x in page2["opportunities"]] != ["o2"]:
            fail("second page: %r" % page2)

        # a stakeholder's level, function and influence, when the deal leaves
        # them out, are the contact's: a decision-level contact of influence 5
        # against us is a strong opponent, and the deal has its top level
        ok(cmd(c, "CONTACT_ADD", id="c4", name="Zhou Ju", account_id="a1", level="decision",
               function="technical", influence=5), "decision-level contact")
        ok(cmd(o, "OPP_REGISTER", id="o10", name="Depot lighting", account_id="a1",
               owner="zhao", currency="CNY", close_date="2027-05-31"), "o10")
        s4 = ok(cmd(o, "OPP_STAKEHOLDER_ADD", id="o10", contact_id="c4", role="decision_maker",
                    attitude=-2), "c4 on o10")
        g = o.call("OPP_GET", id="o10", after_seq=s4["last_seq"])
        codes = [f["code"] for f in g["red_flags"]]
        sh = g["stakeholders"][0]
        if (sh["level"], sh["function"], sh["influence"]) != ("decision", "technical", 5) or \
                "strong_opponent" not in codes or "no_decision_level" in codes:
            fail("a stakeholder's record: %r %r" % (sh, codes))
        u = ok(cmd(c, "CONTACT_UPDATE", id="c4", level="operational", influence=None),
               "c4 moved down")
        g = o.call("OPP_GET", id="o10", after_seq=u["last_seq"])
        codes = [f["code"] for f in g["red_flags"]]
        if (g["stakeholders"][0]["level"], g["stakeholders"][0]["influence"]) != \
                ("operational", None) or "no_decision_level" not in codes or \
                "strong_opponent" in codes:
            fail("a stakeholder's record changed: %r %r" % (g["stakeholders"][0], codes))
        ok(cmd(o, "OPP_ABANDON", id="o10", reason="test over"), "abandon o10")

        # as of a moment in the past: before o1 existed, and at the seq of
        # its registration (the log's `at` of that event)
        r = None
        try:
            o.call("OPP_GET", id="o1", as_of="2020-01-01")
        except dealbook.DealbookError as e:
            r = e
        if r is None or r.code != "NOT_FOUND":
            fail("o1 existed in 2020")
        today = time.strftime("%Y-%m-%d", time.gmtime())
        if o.call("OPP_GET", id="o1", as_of=today)["status"] != "won":
            fail("as of today")

        # one project registered by three owners: the first deal is in
        # conflict with both others, and every conflict can be resolved; the
        # conflict of a deal closed as a duplicate moves to the deal kept
        for pid, who in (("p1", "zhao"), ("p2", "qian"), ("p3", "sun")):
            ok(cmd(o, "OPP_REGISTER", actor=who, id=pid, name="Campus lighting", account_id="a2",
                   owner=who, currency="CNY", close_date="2027-05-31"), pid)

        def in_conflict():
            return sorted((x["id"], x["conflict_with"], x["in_conflict_with"])
                          for x in o.call("OPP_CONFLICTS")["conflicts"])
        if in_conflict() != [("p1", "p2", ["p2", "p3"]), ("p2", "p1", ["p1"]),
                             ("p3", "p1", ["p1"])]:
            fail("three registrations of one project: %r" % in_conflict())
        ok(cmd(o, "OPP_RESOLVE", actor="boss", id="p2", owner="qian", **{"with": "p1"}),
           "resolve p2 against p1 after p3 registered")
        if in_conflict() != [("p2", "p3", ["p3"]), ("p3", "p2", ["p2"])]:
            fail("p1 closed: its conflict with p3 is p2's now: %r" % in_conflict())
        ok(cmd(o, "OPP_RESOLVE", actor="boss", id="p3", owner="qian", **{"with": "p2"}),
           "resolve p3 against p2")
        if in_conflict():
            fail("conflicts left: %r" % in_conflict())
        for pid in ("p1", "p3"):
            g = o.call("OPP_GET", id=pid)
            if (g["status"], g["duplicate_of"], g.get("in_conflict_with")) != ("duplicate", "p2", None):
                fail("%s closed as a duplicate of p2: %r" % (pid, g))

        # the third registrant meets the first, whatever the ids' order:
        # the protection is the first registrant's, not the smallest id's
        for pid, who in (("q9", "zhao"), ("q1", "qian"), ("q5", "sun")):
            ok(cmd(o, "OPP_REGISTER", actor=who, id=pid, name="Stadium lighting",
                   account_id="a2", owner=who, currency="CNY", close_date="2027-05-31"), pid)
        qs = [x for x in in_conflict() if x[0].startswith("q")]
        if qs != [("q1", "q9", ["q9"]), ("q5", "q9", ["q9"]), ("q9", "q1", ["q1", "q5"])]:
            fail("three registrations, the first with the largest id: %r" % qs)
        for pid in ("q1", "q5"):
            ok(cmd(o, "OPP_RESOLVE", actor="boss", id=pid, owner="zhao", **{"with": "q9"}),
               "resolve " + pid)

        # history entered after the fact: the business date a command states
        ok(cmd(o, "OPP_REGISTER", id="o9", name="Archive deal", account_id="a2", owner="zhao",
               currency="CNY", close_date="2027-03-31", on="2025-01-15"), "backdated")
        g9 = o.call("OPP_GET", id="o9")
        if (g9["registered_on"], g9["touched"]) != ("2025-01-15", "2025-01-15"):
            fail("the business date of a command: %r" % g9)
        r = cmd(o, "OPP_NEXT_STEP", id="o9", next_step="call", on="2025-13-01")
        if not isinstance(r, dealbook.DealbookError) or (r.code, r.field) != ("INVALID", "on"):
            fail("a malformed on: %r" % r)
        # a day to come is refused: it would end the first owner's protection
        # early and date the deal's figures ahead
        r = cmd(o, "OPP_NEXT_STEP", id="o9", next_step="call", on="2099-01-01")
        if not isinstance(r, dealbook.DealbookError) or (r.code, r.field) != ("INVALID", "on"):
            fail("an on in the future: %r" % r)
        tomorrow = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 86400))
        r = cmd(o, "OPP_NEXT_STEP", id="o9", next_step="call", on=tomorrow)
        if not isinstance(r, dealbook.DealbookError) or (r.code, r.field) != ("INVALID", "on"):
            fail("an on of tomorrow (UTC): %r" % r)
        ok(cmd(o, "OPP_ABANDON", id="o9", reason="archive", on="2025-02-01"), "abandon o9")
        # a tick entered late about a past day does not make a deal worked on
        # today look forgotten
        # (o6 was registered before that day: a deal has no history before
        # its registration)
        ok(cmd(o, "OPP_REGISTER", id="o6", name="Annex lighting", account_id="a2", owner="zhao",
               currency="CNY", close_date="2027-03-31", on="2025-01-10"), "o6")
        ok(cmd(o, "OPP_NEXT_STEP", id="o6", next_step="site visit"), "o6 worked on today")
        r = cmd(o, "OPP_CHECK", id="o6", item="plan.visit_plan", on="2025-01-09")
        if not isinstance(r, dealbook.DealbookError) or (r.code, r.field) != ("INVALID", "on") \
                or "before the registration of opportunity o6 (2025-01-10)" not in r.msg:
            fail("a tick stated before the registration: %r" % r)
        ok(cmd(o, "OPP_CHECK", id="o6", item="plan.visit_plan", on="2025-01-15"), "late tick")
        if o.call("OPP_GET", id="o6")["touched"] != today or \
                "o6" in [x["id"] for x in o.call("OPP_ATTENTION", limit=500)["untouched"]]:
            fail("a late tick moved touched back: %r" % o.call("OPP_GET", id="o6")["touched"])

        # a qualification may be recorded at any level: one that decides hold
        # leaves a deal at L3, weighted at 50%, and only refuses moves up. A
        # red flag says so, from the day of the hold (OPP_GET as of a day
        # follows that day's qualification), and so does the attention list,
        # until a qualification decides pursue again. The history is written
        # to the log with the days it happened (`at`), as a copy would be
        def noon(day):
            return calendar.timegm(time.strptime(day + " 12", "%Y-%m-%d %H")) * 1000
        log = client("eventlog")
        for day, typ, data in (
                ("2026-01-10", "opportunity.registered",
                 dict(name="Ward lighting", normalized_name="ward lighting", account_id="a2",
                      owner="zhao", currency="CNY", close_date="2027-06-30",
                      amount=100000000, stage="need_discovery", level=1)),
                ("2026-01-11", "opportunity.qualified", dict(q, total=16)),
                ("2026-01-12", "opportunity.level_changed", dict(to=3, probability=50)),
                ("2026-02-15", "opportunity.qualified",
                 dict(q, total=16, decision="hold", reason="budget frozen"))):
            ev = dealbook.new_event(typ, dict(data, id="o20", on=day), actor="zhao",
                                    at=noon(day))
            seq = log.append("opportunity-o20", [ev])["last_seq"]

        def held(**args):
            g = o.call("OPP_GET", id="o20", **args)
            return (g["level"], g["probability"],
                    [f["code"] for f in g["red_flags"] if f["code"].startswith("qualification_")])

        def not_pursued():
            return [(x["id"], x["decision"], x["level"])
                    for x in o.call("OPP_ATTENTION", limit=500)["not_pursued"]]
        if held(as_of="2026-02-14", after_seq=seq) != ("L3", 50, []):
            fail("o20 before the hold: %r" % (held(as_of="2026-02-14"),))
        for args in ({"as_of": "2026-02-15"}, {}):
            if held(**args) != ("L3", 50, ["qualification_hold"]):
                fail("o20 held %r: %r" % (args, held(**args)))
        if not_pursued() != [("o20", "hold", "L3")]:
            fail("attention to the held deal: %r" % not_pursued())
        refused(cmd(o, "OPP_LEVEL", id="o20", level="L4"), "REJECTED", "qualified_pursue",
                "a held deal moved up")
        ok(cmd(o, "OPP_QUALIFY", id="o20", **q), "pursue again")
        if held() != ("L3", 50, []) or not_pursued():
            fail("o20 pursued again: %r %r" % (held(), not_pursued()))
        if held(as_of="2026-02-15") != ("L3", 50, ["qualification_hold"]):
            fail("o20 as of the hold, after: %r" % (held(as_of="2026-02-15"),))

        # a day to come, which a command may not state, in an event appended
        # to the log by hand (dealbook log append): the deal counts as touched
        # on the latest date anywhere when the log recorded it (its ts at
        # UTC+14:00), not then, and ages from that day on
        ok(cmd(o, "OPP_REGISTER", id="o21", name="Lobby lighting", account_id="a2",
               owner="zhao", currency="CNY", close_date="2027-03-31", on="2025-01-15"), "o21")
        ahead = dealbook.new_event("opportunity.next_step_set",
                                   {"id": "o21", "next_step": "call", "on": "2099-01-01"},
                                   actor="zhao")
        seq = log.append("opportunity-o21", [ahead])["last_seq"]
        ts = list(log.read_stream("opportunity-o21"))[-1]["ts"] / 1000
        recorded = time.strftime("%Y-%m-%d", time.gmtime(ts + 14 * 3600))
        later = time.strftime("%Y-%m-%d", time.gmtime(ts + 14 * 3600 + 60 * 86400))
        g21 = o.call("OPP_GET", id="o21", after_seq=seq)
        untouched = {x["id"]: x["days_untouched"] for x in
                     o.call("OPP_ATTENTION", as_of=later, limit=500)["untouched"]}
        if g21["touched"] != recorded or untouched.get("o21") != 60:
            fail("an on to come, appended by hand: touched %r, untouched as of %s: %r"
                 % (g21["touched"], later, untouched.get("o21")))

        # the process manager: the bidding service's award closes a deal,
        # once, even when the award is published twice, the model rebuilt
        # or its data directory deleted
        log = client("eventlog")
        for oid in ("o4", "o5"):
            ok(cmd(o, "OPP_REGISTER", id=oid, name="Tower " + oid, account_id="a2", owner="zhao",
                   currency="CNY", close_date="2027-04-30", amount=50000000), oid)

        def award(tender, oid, result, on=None, **extra):
            data = dict(id=tender, opportunity_id=oid, tender_id=tender, result=result,
                        date="2027-02-01", on=on or today, **extra)
            # a corr of its own, which the reaction does not carry on
            ev = dealbook.new_event("tender.awarded", data, actor="svc:bidding",
                                    corr=uuid.uuid4().bytes)
            log.append("tender-" + tender, [ev])
            return ev["id"]

        def opp_events(oid):
            return list(log.read_stream("opportunity-" + oid))

        def wait_status(oid, want):
            for _ in range(200):
                if o.call("OPP_GET", id=oid)["status"] == want:
                    return
                time.sleep(0.02)
            fail("%s never became %s" % (oid, want))

        a4 = award("t4", "o4", "won", amount=48000000, currency="CNY")
        # an award recorded with a business date ahead (bidding's clock past
        # midnight) is a fact of the log: the reaction takes it as it is; so
        # is an award's date after its `on` (2027-02-01 here), which a log
        # written before the bidding service bounded it may hold
        award("t5", "o5", "lost", on=tomorrow, winner="Philips", reason="price",
              price_gap=-2000000)
        wait_status("o4", "won")
        wait_status("o5", "lost")
        won = [e for e in opp_events("o4") if e["type"] == "opportunity.won"]
        # corr and cause are both the award's id (protocol.md §16, "Correlation")
        if len(won) != 1 or won[0]["cause"] != a4 or won[0]["corr"] != a4 \
                or won[0]["actor"] != "svc:opportunities" \
                or won[0]["data"].get("tender_id") != "t4" or won[0]["data"]["amount"] != 48000000:
            fail("the award's reaction: %r" % won)
        g5 = o.call("OPP_GET", id="o5")
        if g5["outcome"]["lost_to"] != "Philips" or g5["outcome"]["loss_reason"] != "price":
            fail("lost by award: %r" % g5["outcome"])
        # the same award published again: no second reaction
        award("t4", "o4", "won", amount=48000000, currency="CNY")
        reactions_settled(o, client("eventlog"))
        if o.call("STATUS")["counters"]["reactions"] != 2:
            fail("reactions: %r" % o.call("STATUS")["counters"])
        n4 = len(opp_events("o4"))

        # 6,000 events of another producer: the REBUILD and the start on a
        # deleted data dir below are then long replays from seq 1, which hold
        # the index rows and write them once caught up (docs/operations.md)
        lg = client("eventlog")
        for b in range(6):
            lg.append_many([("filler-%d" % (50 * b + k), "any",
                             [dealbook.new_event("filler.noted", {"n": i}) for i in range(20)])
                            for k in range(50)])
        head = lg.status()["head"]
        o.call("OPP_LIST", after_seq=head)
        before = snapshot(o)
        # the REBUILD verb, then a deleted data dir: the same answers
        rb = o.call("REBUILD", timeout_ms=30000)
        if rb["seq_applied"] < head:
            fail("rebuild: %r" % rb)
        if snapshot(o) != before:
            fail("after REBUILD the answers differ")
        stop("opportunities")
        shutil.rmtree(os.path.join(svc.dir, "opportunities"))
        start("opportunities")
        o = client("opportunities")
        wait_up(o)
        # a command waits for the replay; a query does not: poll STATUS
        target = client("eventlog").status()["head"]
        for _ in range(200):
            if o.call("STATUS")["seq_applied"] >= target:
                break
            time.sleep(0.05)
        after = snapshot(o)
        if after != before:
            for i in before[1]:
                if before[1][i] != after[1].get(i):
                    fail("rebuilt %s differs:\n%r\n%r" % (i, before[1][i], after[1].get(i)))
            fail("rebuilt lists differ")
        svc.errlog.flush()
        with open(os.path.join(svc.dir, "services.err")) as f:
            held = f.read().count("held index rows written")
        if held != 2:
            fail("index rows held and written by %d replays, not 2" % held)
        # neither replay reacted again: the log holds the same events
        if len(opp_events("o4")) != n4 or o.call("STATUS")["counters"]["reactions"] != 0:
            fail("a replay reacted again: %d events, %r" % (len(opp_events("o4")),
                                                              o.call("STATUS")["counters"]))
        # text that unfolds past LMDB's 511-byte keys (U+FDFA is 18 characters
        # once normalised) leaves that index row out; the read model goes on
        wide = "\ufdfa" * 30
        w = ok(cmd(o, "OPP_REGISTER", id="o99", name=wide, account_id="a1", owner=wide, team=wide,
                   region=wide, site_city=wide, site_address=wide * 2, currency="CNY",
                   close_date="2099-01-01"), "wide text")
        if o.call("OPP_GET", id="o99", after_seq=w["last_seq"])["owner"] != wide:
            fail("o99 owner")
        ok(cmd(o, "OPP_NEXT_STEP", id="o99", next_step="call"), "after wide text")
        # a deal under an account later merged into another: the same project
        # registered under the survivor is still a conflict
        ok(cmd(c, "ACCOUNT_REGISTER", id="a3", name="Shenzhen Metro Line 9 Co", type="owner"),
           "account")
        m1 = ok(cmd(o, "OPP_REGISTER", id="o7", name="Line 9 signalling", account_id="a3",
                    owner="zhao", currency="CNY", close_date="2027-10-31"), "deal of a3")
        ok(cmd(c, "ACCOUNT_MERGE", id="a3", into="a1", after_seq=m1["last_seq"]), "merge")
        head_m = client("eventlog").status()["head"]
        o.call("OPP_LIST", after_seq=head_m)
        ok(cmd(o, "OPP_REGISTER", actor="qian", id="o8", name="LINE 9 Signalling",
               account_id="a1", owner="qian", currency="CNY", close_date="2027-10-31"),
           "the same project under the survivor")
        g8 = o.call("OPP_GET", id="o8")
        if g8.get("conflict_with") != "o7":
            fail("a registration under the survivor of a merge missed the merged account's "
                 "deal: %r" % g8.get("conflict_with"))
        ok(cmd(o, "OPP_RESOLVE", actor="boss", id="o8", owner="zhao", reason="first",
               **{"with": "o7"}), "resolve the merged account's conflict")
        # the survivor's list holds the merged accounts' deals (a5 into a4,
        # then a4 into a1: transitively), in one close-date order, paged
        for acc, into in (("a4", None), ("a5", "a4")):
            ok(cmd(c, "ACCOUNT_REGISTER", id=acc, name="Metro unit " + acc, type="owner"), acc)
        for i, (acc, close) in enumerate((("a5", "2027-09-30"), ("a4", "2027-01-15"),
                                          ("a5", "2028-02-01"), ("a1", "2027-10-31"))):
            ok(cmd(o, "OPP_REGISTER", id="m%d" % i, name="Depot %d" % i, account_id=acc,
                   owner="zhao", currency="CNY", close_date=close), "deal of " + acc)
        ok(cmd(c, "ACCOUNT_MERGE", id="a5", into="a4"), "merge a5")
        mm = ok(cmd(c, "ACCOUNT_MERGE", id="a4", into="a1"), "merge a4")
        everything = o.call("OPP_LIST", limit=500, after_seq=mm["last_seq"])["opportunities"]
        want = [(r["close_date"], r["id"]) for r in everything
                if r.get("account_id") in ("a1", "a3", "a4", "a5")]
        got = [(r["close_date"], r["id"]) for r in
               o.call("OPP_LIST", account_id="a1", limit=500)["opportunities"]]
        if got != want or not {"o7", "m0", "m1", "m2", "m3"} <= {i for _, i in got}:
            fail("the survivor's list: %r, want %r" % (got, want))
        for sort, order in (("close_date", want), ("-close_date", want[::-1])):
            paged, after = [], None
            while True:
                p = o.call("OPP_LIST", account_id="a1", sort=sort, limit=2, after=after)
                paged += [(r["close_date"], r["id"]) for r in p["opportunities"]]
                after = p["next"]
                if not after or len(paged) > len(want):
                    break
            if paged != order:
                fail("the survivor's list by pages of 2 (%s): %r, want %r" % (sort, paged, order))
        # a close range, paged by 1 in both orders; a cursor from before the
        # range starts at its edge; a cursor that is not one is refused
        inside = [x for x in want if "2027-09-30" <= x[0] <= "2027-10-31"]
        first = (b"a\0" + b"2000-01-01\0zz").hex()  # before every deal
        for sort, order in (("close_date", inside), ("-close_date", inside[::-1])):
            for after in (None, first if sort == "close_date" else None):
                paged = []
                while True:
                    p = o.call("OPP_LIST", account_id="a1", sort=sort, limit=1, after=after,
                               close_from="2027-09-30", close_to="2027-10-31")
                    paged += [(r["close_date"], r["id"]) for r in p["opportunities"]]
                    after = p["next"]
                    if not after or len(paged) > len(want):
                        break
                if paged != order or len(order) != 3:
                    fail("the survivor's list in a close range (%s): %r" % (sort, paged))
        for bad in ("61", "6100", "61003230323700"):
            try:
                r = o.call("OPP_LIST", account_id="a1", after=bad)
                fail("a cursor that is not one was taken: %s %r" % (bad, r))
            except dealbook.DealbookError as e:
                if (e.code, e.field) != ("INVALID", "after"):
                    fail("a cursor that is not one: %s %r" % (bad, e))
        own = [r["id"] for r in o.call("OPP_LIST", account_id="a4", limit=500)["opportunities"]]
        if sorted(own) != ["m0", "m1", "m2"]:
            fail("a merged account's own list: %r" % own)
        print("opportunities service: ok")
        return 0
    finally:
        svc.close()


if __name__ == "__main__":
    sys.exit(main())
