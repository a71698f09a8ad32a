#!/usr/bin/python3
"""funnel_config_test.py - the operator's funnel settings, through real
dealbook-eventlog, -contacts, -opportunities and -forecasting processes:
DEALBOOK_FUNNEL_LEVELS (probabilities, untouched limits, entry criteria),
DEALBOOK_CHECKLIST, DEALBOOK_PROTECTION_DAYS and
DEALBOOK_STALE_CONTACT_DAYS change what the services decide and show; a
malformed setting stops the start with a line naming it, its value and
what is wrong in it; other
probabilities replay the read models that folded the old ones.

Run by tests/run.sh with /usr/bin/python3; exit 0 pass, 77 skip.
"""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from services import BIN, Services, cmd, dealbook, fail, missing, ok, wait_up  # noqa: E402

NAMES = ("eventlog", "contacts", "opportunities", "forecasting")
LEVELS = "10:30,40:30:need_confirmed,60:21:qualified_pursue,80:14:coach,95:14:commitment"


def refused(r, field):
    if not isinstance(r, dealbook.DealbookError) or r.field != field:
        fail("not refused on %s: %r" % (field, r))


def main():
    if missing(NAMES):
        return 77
    svc = Services(NAMES, prefix="dbk-funnel-", DEALBOOK_MANAGERS="boss",
                   DEALBOOK_FUNNEL_LEVELS=LEVELS, DEALBOOK_PROTECTION_DAYS="10",
                   DEALBOOK_STALE_CONTACT_DAYS="5",
                   DEALBOOK_CHECKLIST="1:plan.brief:Read the brief; 6:follow.review:Review it")
    try:
        # a malformed setting: no start, one line naming it
        for name, value, says in (
                ("DEALBOOK_FUNNEL_LEVELS", "10:30,25:30", "L1 to L5 are needed"),
                ("DEALBOOK_FUNNEL_LEVELS", LEVELS.replace("coach", "a_friend"),
                 "unknown entry criterion 'a_friend'"),
                ("DEALBOOK_FUNNEL_LEVELS", "10:30:coach," + LEVELS.split(",", 1)[1],
                 "L1 is where a deal starts"),
                ("DEALBOOK_FUNNEL_LEVELS", LEVELS.replace("40:", "140:"), "L2"),
                ("DEALBOOK_CHECKLIST", "1:Plan Brief:x", "item 'Plan Brief'"),
                ("DEALBOOK_CHECKLIST", "7:plan.x:x", "STEP from 1"),
                ("DEALBOOK_PROTECTION_DAYS", "4000", "DEALBOOK_PROTECTION_DAYS")):
            for binary in ("dealbook-opportunities", "dealbook-forecasting"):
                if binary == "dealbook-forecasting" and name != "DEALBOOK_FUNNEL_LEVELS":
                    continue
                env = dict(svc.env, **{name: value})
                p = subprocess.run([os.path.join(BIN, binary)], env=env, timeout=20,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                err = p.stderr.decode("utf-8", "replace")
                if p.returncode != 1 or "%s=%s: " % (name, value) not in err or says not in err \
                        or err.count("\n") != 1:
                    fail("%s started with %s=%s (exit %d): %s" % (binary, name, value,
                                                                 p.returncode, err))
        # given by a flag, the line names the flag
        env = dict(svc.env)
        p = subprocess.run([os.path.join(BIN, "dealbook-forecasting"), "--funnel-levels",
                            "10:30,25:30"], env=env, timeout=20, capture_output=True, text=True)
        if p.returncode != 1 or "FAILED --funnel-levels 10:30,25:30: 2 levels given" not in p.stderr:
            fail("--funnel-levels 10:30,25:30 (exit %d): %s" % (p.returncode, p.stderr))

        svc.start()
        c, o, f = (svc.up(n) for n in ("contacts", "opportunities", "forecasting"))
        wait_up(svc.client("eventlog"))
        ok(cmd(c, "ACCOUNT_REGISTER", id="a1", name="Shenzhen Metro", type="owner"), "account")
        a = ok(cmd(c, "CONTACT_ADD", id="c1", name="Wang Wei", account_id="a1"), "contact")
        o.call("OPP_LIST", after_seq=a["last_seq"])
        ok(cmd(o, "OPP_REGISTER", id="o1", name="Line 16 lighting", account_id="a1",
               owner="zhao", currency="CNY", close_date="2027-09-30", amount=1000000),
           "register")
        # L2 asks for a confirmed need only: no decision maker needed
        refused(cmd(o, "OPP_LEVEL", id="o1", level="L2"), "need_confirmed")
        ok(cmd(o, "OPP_NEED_ADD", id="o1", kind="organisational", text="less energy"), "need")
        r = ok(cmd(o, "OPP_LEVEL", id="o1", level="L2"), "L2 on a need alone")
        g = o.call("OPP_GET", id="o1", after_seq=r["last_seq"])
        if (g["probability"], g["weighted"]) != (40, 400000):
            fail("L2 at 40%%: %r" % {k: g[k] for k in ("probability", "weighted")})
        # the checklist is the configured one
        if [(x["step"], x["item"]) for x in g["checklist"]] != [(1, "plan.brief"),
                                                               (6, "follow.review")]:
            fail("checklist: %r" % g["checklist"])
        refused(cmd(o, "OPP_CHECK", id="o1", item="plan.account_researched"), "item")
        ok(cmd(o, "OPP_CHECK", id="o1", item="plan.brief"), "tick")
        # a stakeholder last met 6 days ago is stale after 5
        six = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 6 * 86400))
        s = ok(cmd(o, "OPP_STAKEHOLDER_ADD", id="o1", contact_id="c1", role="coach",
                   attitude=1, last_contact=six), "stakeholder")
        g = o.call("OPP_GET", id="o1", after_seq=s["last_seq"])
        if [x["contact_id"] for x in g["red_flags"] if x["code"] == "stale_contact"] != ["c1"]:
            fail("stale after 5 days: %r" % g["red_flags"])
        # the same project, registered 11 days after the first: past 10 days of
        # protection, a plain overlap; within them, a conflict
        past = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 11 * 86400))
        ok(cmd(o, "OPP_REGISTER", id="o2", name="Depot 2", account_id="a1", owner="zhao",
               currency="CNY", close_date="2027-09-30", on=past), "old deal")
        r = ok(cmd(o, "OPP_REGISTER", actor="qian", id="o3", name="DEPOT 2", account_id="a1",
                   owner="qian", currency="CNY", close_date="2027-09-30"), "after protection")
        if o.call("OPP_GET", id="o3", after_seq=r["last_seq"]).get("conflict_with"):
            fail("a registration after 10 days of protection is a conflict")
        ok(cmd(o, "OPP_REGISTER", id="o4", name="Depot 4", account_id="a1", owner="zhao",
               currency="CNY", close_date="2027-09-30"), "new deal")
        r = ok(cmd(o, "OPP_REGISTER", actor="qian", id="o5", name="depot 4", account_id="a1",
                   owner="qian", currency="CNY", close_date="2027-09-30"), "within protection")
        if o.call("OPP_GET", id="o5", after_seq=r["last_seq"]).get("conflict_with") != "o4":
            fail("a registration within the protection is no conflict")
        # forecasting weighs with the same probabilities
        fu = f.call("FUNNEL", owner="zhao", after_seq=r["last_seq"])
        l2 = [x for x in fu["levels"] if x["level"] == "L2"][0]
        if (l2["probability"], l2["count"], l2["weighted"]) != (40, 1, 400000):
            fail("forecasting's L2: %r" % l2)

        # other probabilities: both read models are replayed with them
        svc.stop("opportunities")
        svc.stop("forecasting")
        svc.env["DEALBOOK_FUNNEL_LEVELS"] = LEVELS.replace("40:", "30:")
        svc.start("opportunities", "forecasting")
        o, f = svc.up("opportunities"), svc.up("forecasting")
        head = svc.client("eventlog").status()["head"]
        g = o.call("OPP_GET", id="o1", after_seq=head)
        if (g["probability"], g["weighted"]) != (30, 300000):
            fail("after new probabilities, the opportunities model: %r" % g["weighted"])
        l2 = [x for x in f.call("FUNNEL", owner="zhao", after_seq=head)["levels"]
              if x["level"] == "L2"][0]
        if (l2["probability"], l2["weighted"]) != (30, 300000):
            fail("after new probabilities, forecasting: %r" % l2)
        with open(os.path.join(svc.dir, "services.err"), encoding="utf-8") as e:
            if e.read().count("built under other settings") != 2:
                fail("both read models should say they replay under other settings")
        print("funnel settings: ok")
        return 0
    finally:
        svc.close()


if __name__ == "__main__":
    sys.exit(main())
