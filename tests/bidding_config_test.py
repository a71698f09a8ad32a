#!/usr/bin/python3
"""bidding_config_test.py - the bidding service's operator settings:
DEALBOOK_APPROVAL_LIMITS moves the discounts a salesperson and a manager
may approve, DEALBOOK_BID_PARTS names the bid document's parts (a "?"
marks an optional one) that a submission waits for, and a malformed
setting refuses commands with a sentence naming it.

Real dealbook-eventlog, -contacts, -opportunities and -bidding processes;
run by tests/run.sh with /usr/bin/python3 (exit 0 pass, 77 skip).
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

ROOT = os.environ.get("DBK_ROOT", os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "examples", "python"))
import dealbook  # noqa: E402

BIN = os.environ.get("DBK_BIN_DIR", os.path.join(ROOT, "build", "release", "bin"))


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def run(d, limits, parts):
    env = dict(os.environ, DEALBOOK_DATA_DIR=d, DEALBOOK_LOG_ENDPOINT="ipc://%s/log.sock" % d,
               DEALBOOK_PUB_ENDPOINT="ipc://%s/pub.sock" % d,
               DEALBOOK_CONTACTS_ENDPOINT="ipc://%s/c.sock" % d,
               DEALBOOK_OPPORTUNITIES_ENDPOINT="ipc://%s/o.sock" % d,
               DEALBOOK_BIDDING_ENDPOINT="ipc://%s/b.sock" % d, DEALBOOK_MANAGERS="mgr",
               DEALBOOK_APPROVAL_LIMITS=limits, DEALBOOK_BID_PARTS=parts,
               DEALBOOK_HEARTBEAT_MS="100", DEALBOOK_TIMEOUT_MS="3000")
    return [subprocess.Popen([os.path.join(BIN, "dealbook-" + n)], env=env,
                             stderr=subprocess.DEVNULL)
            for n in ("eventlog", "contacts", "opportunities", "bidding")]


def main():
    for b in ("eventlog", "contacts", "opportunities", "bidding"):
        if not os.access(os.path.join(BIN, "dealbook-" + b), os.X_OK):
            return 77
    d = tempfile.mkdtemp(prefix="dbk-bidcfg-")
    procs = run(d, "5,12.5", "technical,price,samples?")
    try:
        cl = {n: dealbook.Client("ipc://%s/%s.sock" % (d, n), timeout_ms=5000) for n in "cob"}
        for c in cl.values():
            for _ in range(200):
                try:
                    c.call("PING", timeout_ms=200)
                    break
                except dealbook.DealbookError:
                    time.sleep(0.05)

        def cmd(s, op, actor="zhao", **kw):
            try:
                return cl[s].call(op, cmd=uuid.uuid4().bytes, actor=actor, **kw)
            except dealbook.DealbookError as e:
                return e

        def ok(r, what):
            if isinstance(r, dealbook.DealbookError):
                fail("%s: %s %s (%s)" % (what, r.code, r.msg, r.field))

        ok(cmd("c", "ACCOUNT_REGISTER", id="a1", name="Metro", type="owner"), "account")
        ok(cmd("o", "OPP_REGISTER", id="o1", name="Line 9", account_id="a1", owner="zhao",
               currency="CNY", close_date="2099-01-01"), "opp")
        time.sleep(0.2)
        ok(cmd("b", "TENDER_OPEN", id="t1", opportunity_id="o1", number="N1", issuer="I",
               type="public", currency="CNY"), "tender")
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
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(10)

    # a malformed setting: commands refused with a sentence naming it
    procs = run(d, "20,10", "")
    try:
        b = dealbook.Client("ipc://%s/b.sock" % d, timeout_ms=5000)
        for _ in range(200):
            try:
                b.call("PING", timeout_ms=200)
                break
            except dealbook.DealbookError:
                time.sleep(0.05)
        try:
            b.call("TENDER_STEP", cmd=uuid.uuid4().bytes, actor="zhao", id="t1", step="opening")
            fail("a malformed DEALBOOK_APPROVAL_LIMITS was accepted")
        except dealbook.DealbookError as e:
            if e.code != "INVALID" or "DEALBOOK_APPROVAL_LIMITS" not in e.msg:
                fail("malformed limits: %s %s" % (e.code, e.msg))
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(10)
        shutil.rmtree(d, ignore_errors=True)
    print("bidding config: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
