#!/usr/bin/python3
"""forecasting_service_test.py - the forecasting service through real
sockets, with real dealbook-eventlog, -contacts, -opportunities and
-forecasting processes: deals registered and moved through the funnel by
the opportunities service, quotas and forecasts by the forecasting
service's commands; the funnel, forecast, progress, health, win/loss and
changes figures exactly as computed by hand; an as-of query that later
events do not change; and identical answers after REBUILD.

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
    svc = Services(NAMES, prefix="dbk-fc-", DEALBOOK_MANAGERS="mgr")
    try:
        svc.start()
        cl = svc.clients(("contacts", "opportunities", "forecasting"), timeout_ms=8000)

        def cmd(service, op, /, **kw):
            return send(cl[service], op, **kw)

        fc = lambda op, **kw: cl["forecasting"].call(op, **kw)  # noqa: E731

        def settle():
            # the forecasting read model follows the log: wait for it
            head = svc.client("eventlog").status()["head"]
            for _ in range(300):
                if fc("STATUS")["seq_applied"] >= head:
                    return
                time.sleep(0.02)
            fail("forecasting did not catch up")

        today = time.strftime("%Y-%m-%d", time.gmtime())
        year = int(today[:4])
        period = "%d" % (year + 1)
        ok(cmd("contacts", "ACCOUNT_REGISTER", id="a1", name="Metro", type="owner"), "acc")
        ok(cmd("contacts", "CONTACT_ADD", id="c1", name="Wang", account_id="a1"), "c1")
        c2 = ok(cmd("contacts", "CONTACT_ADD", id="c2", name="Li", account_id="a1"), "c2")
        # the opportunities service first applies the contacts' events
        cl["opportunities"].call("OPP_LIST", after_seq=c2["last_seq"])
        deals = (("o1", 100000000, "%d-03-31" % (year + 1)), ("o2", 200000000, "%d-06-30" % (year + 1)),
                 ("o3", 300000000, "%d-09-30" % (year + 1)))
        for oid, amount, close in deals:
            ok(cmd("opportunities", "OPP_REGISTER", id=oid, name="Project " + oid, account_id="a1",
                   owner="zhao", team="east", region="south", currency="CNY", close_date=close,
                   amount=amount), oid)
        # o2 to L2: a need and a decision maker
        ok(cmd("opportunities", "OPP_NEED_ADD", id="o2", kind="organisational", text="LED"), "need")
        ok(cmd("opportunities", "OPP_STAKEHOLDER_ADD", id="o2", contact_id="c1",
               role="decision_maker", attitude=1), "dm")
        ok(cmd("opportunities", "OPP_LEVEL", id="o2", level="L2"), "L2")
        ok(cmd("opportunities", "OPP_CATEGORY", id="o2", category="commit"), "commit")
        # o3 lost to a competitor
        ok(cmd("opportunities", "OPP_LOSE", id="o3", reason="price", date=today, winner="Philips"),
           "lose")
        r = cmd("forecasting", "QUOTA_SET", actor="zhao", scope="owner", who="zhao",
                period=period, amount=500000000, currency="CNY")
        if not isinstance(r, dealbook.DealbookError) or (r.code, r.field) != ("REJECTED", "actor"):
            fail("a salesperson set a quota: %r" % r)
        ok(cmd("forecasting", "QUOTA_SET", actor="mgr", scope="owner", who="zhao", period=period,
               amount=500000000, currency="CNY"), "quota")
        # a forecast dated back would pass the freeze for one made in time
        yesterday = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 86400))
        r = cmd("forecasting", "FORECAST_SUBMIT", owner="zhao", period=period, currency="CNY",
                commit=200000000, best_case=300000000, pipeline=300000000, on=yesterday)
        if not isinstance(r, dealbook.DealbookError) or (r.code, r.field) != ("INVALID", "on"):
            fail("a forecast dated back: %r" % r)
        ok(cmd("forecasting", "FORECAST_SUBMIT", owner="zhao", period=period, currency="CNY",
               commit=200000000, best_case=300000000, pipeline=300000000), "forecast")
        # a newcomer without a deal yet: the accuracy of their forecast is read
        # in its currency, not in a default one; next year has not begun, so
        # nothing is frozen and there is no accuracy yet (-1, not 0)
        nf = ok(cmd("forecasting", "FORECAST_SUBMIT", actor="newbie", owner="newbie",
                    period=period, currency="USD", commit=1000, best_case=2000, pipeline=3000),
                "a newcomer's forecast")
        acc = fc("ACCURACY", owner="newbie", period=period, periods=2, after_seq=nf["last_seq"])
        nxt, cur = acc["periods"][1], acc["periods"][0]
        if acc["currency"] != "USD" or nxt["begun"] or nxt["has_forecast"] or \
                nxt["forecast"] != 0 or nxt["forecast_accuracy_pm"] != -1 or \
                nxt["forecast_ratio_pm"] != -1 or not cur["begun"]:
            fail("a newcomer's accuracy: %r" % acc)
        past = fc("ACCURACY", owner="newbie", period=period, as_of=today)
        past.pop("rid", None)
        if past.pop("as_of") != today or past["periods"] != acc["periods"][1:]:
            fail("a newcomer's accuracy as of today: %r" % past)
        settle()

        # the funnel by hand: o1 L1 100M (weighted 10M), o2 L2 200M (50M); o3 lost 300M
        f = fc("FUNNEL", owner="zhao")
        lv = {x["level"]: (x["count"], x["amount"], x["weighted"]) for x in f["levels"]}
        if lv["L1"] != (1, 100000000, 10000000) or lv["L2"] != (1, 200000000, 50000000):
            fail("funnel levels: %r" % lv)
        if (f["open"]["count"], f["open"]["weighted"]) != (2, 60000000) or \
                f["commit"]["amount"] != 200000000 or f["lost"]["count"] != 1:
            fail("funnel totals: %r" % f)
        o = fc("FORECAST", owner="zhao", period=period)
        if (o["pipeline"], o["weighted"], o["commit"], o["quota"], o["won"]) != \
                (300000000, 60000000, 200000000, 500000000, 0) or o["coverage_pm"] != 600:
            fail("forecast: %r" % o)
        g = fc("FORECAST_GET", owner="zhao", period=period)
        if g["submitted"]["commit"] != 200000000 or g["begun"] or g["frozen"] is not None \
                or g["frozen_adjusted"] is not None:
            fail("forecast submission of a period not begun: %r" % g)
        wlr = fc("WINLOSS", by="competitor")
        wl = wlr["rows"]
        if [(x["key"], x["lost"]) for x in wl] != [("Philips", 1)] or wlr["currency"] != "CNY":
            fail("win/loss: %r" % wlr)
        if fc("WINLOSS", by="competitor", owner="nobody")["currency"] is not None:
            fail("win/loss of no deal names a currency")
        chr_ = fc("CHANGES", **{"from": "%d-01-01" % (year - 1), "to": today})
        ch = chr_["owners"]
        if [(x["owner"], x["added"], x["advanced"], x["lost"]) for x in ch] != [("zhao", 3, 1, 1)] \
                or chr_["currency"] != "CNY":
            fail("changes: %r" % chr_)
        # both days count: what changed today is from today to today
        cht = fc("CHANGES", **{"from": today, "to": today})["owners"]
        if [(x["owner"], x["added"], x["lost"]) for x in cht] != [("zhao", 3, 1)]:
            fail("changes of today: %r" % cht)
        # CHANGES looks at every deal, whatever its close date: so does its currency
        chp = fc("CHANGES", period="2000-01", **{"from": "%d-01-01" % (year - 1), "to": today})
        if chp["owners"] != ch or chp["currency"] != "CNY":
            fail("changes with a period: %r" % chp)
        # a deal qualified to drop, still open at its level: not clean
        ok(cmd("opportunities", "OPP_QUALIFY", id="o1", decision="drop", reason="no budget",
               **{k + s: (1 if s == "_score" else "unfunded")
                  for k in ("real_project", "our_opportunity", "can_win", "worth_winning")
                  for s in ("_score", "_evidence")}), "drop")
        settle()
        h = fc("HEALTH", owner="zhao")
        if h["open"] != 2 or h["level_count"][:2] != [1, 1] or h["clean"] \
                or [(x["id"], x["decision"], x["days"]) for x in h["not_pursued"]] != \
                [("o1", "drop", 0)]:
            fail("health: %r" % h)
        p = fc("PROGRESS", owner="zhao")
        if p["deals"] != 3 or p["lost"] != 1:
            fail("progress: %r" % p)

        # as of yesterday nothing existed; as of today, the same as now; a
        # later event does not change a past day's answer
        yesterday = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 86400))
        past = fc("FUNNEL", owner="zhao", as_of=yesterday)
        if past["open"]["count"] != 0 or past["as_of"] != yesterday:
            fail("as of yesterday: %r" % past)
        now_asof = fc("FUNNEL", owner="zhao", as_of=today)
        if now_asof["levels"] != f["levels"]:
            fail("as of today differs from now")
        ok(cmd("opportunities", "OPP_REGISTER", id="o4", name="Project o4", account_id="a1",
               owner="zhao", currency="CNY", close_date="%d-12-31" % (year + 1), amount=1), "o4")
        settle()
        if fc("FUNNEL", owner="zhao", as_of=yesterday)["levels"] != past["levels"]:
            fail("a later event changed a past answer")

        before = [fc(q, **kw) for q, kw in (("FUNNEL", {"owner": "zhao"}),
                                            ("FORECAST", {"owner": "zhao", "period": period}))]
        for x in before:
            x.pop("rid", None)
        fc("REBUILD", timeout_ms=30000)
        after = [fc(q, **kw) for q, kw in (("FUNNEL", {"owner": "zhao"}),
                                           ("FORECAST", {"owner": "zhao", "period": period}))]
        for x in after:
            x.pop("rid", None)
        if before != after:
            fail("after REBUILD: %r != %r" % (before, after))
        print("forecasting service: ok")
        return 0
    finally:
        svc.close()


if __name__ == "__main__":
    sys.exit(main())
