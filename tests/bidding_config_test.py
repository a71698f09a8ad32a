#!/usr/bin/python3
"""bidding_config_test.py - the bidding service's operator settings:
DEALBOOK_APPROVAL_LIMITS moves the discounts a salesperson and a manager
may approve, DEALBOOK_BID_PARTS names the bid document's parts (a "?"
marks an optional one) that a submission waits for, and a malformed
setting stops the bidding service (and dealbookd) at its start, exit 1,
with one line naming the setting, its value and what is wrong.

Real dealbook-eventlog, -contacts, -opportunities and -bidding processes
(and dealbookd);
run by tests/run.sh with /usr/bin/python3 (exit 0 pass, 77 skip).
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from services import BIN, Services, dealbook, fail, missing, ok  # noqa: E402
from services import cmd as send  # noqa: E402

NAMES = ("eventlog", "contacts", "opportunities", "bidding")


def run(d, limits, parts, **settings):
    """The services in d (None: a fresh directory) under these settings."""
    svc = Services(NAMES, prefix="dbk-bidcfg-", d=d, errlog=False, DEALBOOK_MANAGERS="mgr",
                   DEALBOOK_APPROVAL_LIMITS=limits, DEALBOOK_BID_PARTS=parts, **settings)
    svc.start()
    return svc


def refused_at_start(binary, env, args, says):
    """binary, under env and args, must not start: exit 1, one FAILED line
    on stderr that says `says`."""
    p = subprocess.run([os.path.join(BIN, binary)] + list(args), env=env, timeout=30,
                       capture_output=True, text=True)
    failed = [line for line in p.stderr.splitlines() if "FAILED" in line]
    if p.returncode != 1 or len(failed) != 1 or says not in failed[0]:
        fail("%s %s started, or did not say %r (exit %d): %s" % (binary, " ".join(args), says,
                                                                p.returncode, p.stderr))


def main():
    if missing(NAMES, say=False):
        return 77
    svc = run(None, "5,12.5", "technical,price,samples?")
    try:
        cl = {s: svc.up(n) for s, n in (("c", "contacts"), ("o", "opportunities"),
                                        ("b", "bidding"))}

        def cmd(s, op, /, **kw):
            return send(cl[s], op, **kw)

        # after_seq: each service first applies what the previous one appended
        a = ok(cmd("c", "ACCOUNT_REGISTER", id="a1", name="Metro", type="owner"), "account")
        o = ok(cmd("o", "OPP_REGISTER", id="o1", name="Line 9", account_id="a1", owner="zhao",
                   currency="CNY", close_date="2099-01-01", after_seq=a["last_seq"]), "opp")
        ok(cmd("b", "TENDER_OPEN", id="t1", opportunity_id="o1", number="N1", issuer="I",
               type="public", currency="CNY", after_seq=o["last_seq"]), "tender")
        ok(cmd("b", "TENDER_STEP", id="t1", step="documents_issued"), "step")
        ok(cmd("b", "TENDER_DECIDE", id="t1", decision="bid", reason="r"), "decide")
        r = cmd("b", "TENDER_PART", id="t1", part="commercial", owner="zhao")
        if not isinstance(r, dealbook.DealbookError) or r.field != "part":
            fail("a part the configuration does not name: %r" % r)
        for part in ("technical", "price"):
            ok(cmd("b", "TENDER_PART", id="t1", part=part, owner="zhao"), part)
            ok(cmd("b", "TENDER_PART_STATUS", id="t1", part=part, status="ready"), part)
        # 8%: above the salesperson's 5%, within the manager's 12.5%
        ok(cmd("b", "QUOTE_CREATE", id="q1", tender_id="t1", currency="CNY"), "quote")
        ok(cmd("b", "QUOTE_LINE_ADD", id="q1", product_code="P", quantity=10, list_price=1000,
               discount_bp=800), "line")
        ok(cmd("b", "QUOTE_SUBMIT", id="q1"), "submit")
        pend = cl["b"].call("QUOTES_PENDING", level="manager")["quotes"]
        if [q["id"] for q in pend] != ["q1"]:
            fail("8%% needs a manager under 5,12.5: %r" % pend)
        r = cmd("b", "QUOTE_APPROVE", id="q1")
        if not isinstance(r, dealbook.DealbookError) or r.field != "actor":
            fail("a salesperson approved 8%% over a 5%% limit: %r" % r)
        ok(cmd("b", "QUOTE_APPROVE", id="q1", actor="mgr"), "approve")
        # the optional samples part is not waited for
        ok(cmd("b", "TENDER_SUBMIT", id="t1", quote_id="q1"), "submit without samples")
    finally:
        svc.close(remove=False)

    # a malformed setting: the service does not start, and says which and why
    env = dict(svc.env, DEALBOOK_APPROVAL_LIMITS="20,10", DEALBOOK_BID_PARTS="")
    refused_at_start("dealbook-bidding", env, (), "FAILED DEALBOOK_APPROVAL_LIMITS=20,10: the "
                     "manager's limit must be deeper than the salesperson's; two percents")
    refused_at_start("dealbook-bidding", dict(env, DEALBOOK_APPROVAL_LIMITS="12,x"), (),
                     "DEALBOOK_APPROVAL_LIMITS=12,x: the manager's limit: a percent above 0 "
                     "and at most 100")
    refused_at_start("dealbook-bidding", dict(env, DEALBOOK_APPROVAL_LIMITS="",
                                              DEALBOOK_BID_PARTS="Commercial,price"), (),
                     "DEALBOOK_BID_PARTS=Commercial,price: part 'Commercial': a code of")
    refused_at_start("dealbook-bidding", dict(svc.env), ("--bid-parts", "price,price"),
                     "FAILED --bid-parts price,price: part price given twice")
    # dealbookd too, before it serves anything
    allin = Services(NAMES + ("forecasting",), prefix="dbk-bidcfg-all-", errlog=False)
    try:
        refused_at_start("dealbookd", dict(allin.env, DEALBOOK_DURABLE="0",
                                           DEALBOOK_APPROVAL_LIMITS="20,10"), (),
                         "dealbookd: FAILED DEALBOOK_APPROVAL_LIMITS=20,10: ")
    finally:
        allin.close()

    svc = run(svc.dir, "5,12.5", "technical,price,samples?", DEALBOOK_TIMEOUT_MS="300")
    try:
        b = svc.up("bidding")
        # after_seq: malformed; beyond what the log holds (given up after 2
        # timeouts); so far beyond it that no log answered it (refused at once)
        for bad, code in (("12", "INVALID"), (-1, "INVALID"), (1000, "UNREACHABLE"),
                          (1 << 40, "INVALID")):
            try:
                b.call("TENDER_LIST", after_seq=bad)
                fail("after_seq %r was answered" % bad)
            except dealbook.DealbookError as e:
                if (e.code, e.field) != (code, "after_seq"):
                    fail("after_seq %r: %s %s (%s)" % (bad, e.code, e.msg, e.field))
        if b.call("TENDER_GET", id="t1", after_seq=1)["id"] != "t1":
            fail("after_seq already applied")
        # the CLI sends the log's head as after_seq: pointed at another log,
        # 200 events long, it waits for positions this log never reaches
        other = Services(("eventlog",), prefix="dbk-bidcfg-log-", errlog=False)
        other.start()
        try:
            other.up("eventlog").append("x-1", [dealbook.new_event("x.y", {}) for _ in range(200)])
            env = dict(svc.env, DEALBOOK_LOG_ENDPOINT=other.endpoint("eventlog"))

            def db(*args):
                return subprocess.run([os.path.join(BIN, "dealbook")] + list(args), env=env,
                                      capture_output=True, text=True, timeout=30)
            # a command fails, saying why (not "unreachable": the service answered)
            p = db("tender", "step", "t1", "opening")
            if p.returncode != 4 or "UNREACHABLE: after_seq" not in p.stderr \
                    or "unreachable at" in p.stderr:
                fail("a command behind after_seq: exit %d, %r" % (p.returncode, p.stderr))
            # a query answers from what the service applied, with a warning
            p = db("tender", "list")
            if p.returncode != 0 or "t1" not in p.stdout or "warning" not in p.stderr \
                    or "after_seq 200" not in p.stderr:
                fail("a query behind after_seq: exit %d, %r %r" % (p.returncode, p.stdout, p.stderr))
            env["DEALBOOK_LOG_ENDPOINT"] = svc.endpoint("eventlog")
            p = db("tender", "list")
            if p.returncode != 0 or "t1" not in p.stdout or p.stderr:
                fail("tender list: exit %d, %r %r" % (p.returncode, p.stdout, p.stderr))
        finally:
            other.close()
    finally:
        svc.close()
    print("bidding config: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
