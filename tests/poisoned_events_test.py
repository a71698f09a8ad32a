#!/usr/bin/python3
"""poisoned_events_test.py - events appended by hand (anyone may APPEND to the
log) that a service's projection cannot apply are skipped, changing nothing,
and never stop a read model. Real processes: dealbook-eventlog and the four
domain services over ipc.

  1. A competitor c1 "Sanxiong", close to account a1; a second "Sanxiong"
     is refused (DUPLICATE).
  2. Straight to the log, on stream competitor-c1: competitor.added whose
     id or name is nil, "", an array, a map, bin, a number or a bool, each
     followed by a genuine competitor.updated (the second event on the
     stream is what used to find a nameless stored row that did not fold
     back: the contacts model stopped for good at it); competitor.updated
     clearing the name (nil, ""); a competitor.added of a new competitor
     c9 without a usable id, then an update of c9.
  3. Every service applies the log to its head without a model_error; the
     contacts service counts each poisoned event as skipped (STATUS
     counters.skipped), and nothing of them shows: c1 keeps its name, its
     rivals row (COMPETITOR_LIST close_to a1) and its name row (a second
     "Sanxiong" is still refused); the genuine updates after them applied;
     c9 does not exist. Commands work; `dealbook status` shows every
     service up.
  4. REBUILD completes (answered, seq_applied at the head, no model_error)
     and the model answers the same.

Run by tests/run.sh (make test) with /usr/bin/python3; counts as one test.
"""
import os
import subprocess
import sys
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from services import (BIN, Services, caught_up, cmd, dealbook, fail, missing, ok,  # noqa: E402
                      refused)

NAMES = ["eventlog", "contacts", "opportunities", "bidding", "forecasting"]
BAD = [("nil", None), ("empty", ""), ("array", [1]), ("map", {"a": 1}), ("bin", b"\x00\x01"),
       ("int", 0), ("bool", True)]


def ev(typ, data):
    return dealbook.new_event(typ, data, actor="mallory")


def check_model(con, want_products, what):
    """What the contacts model must answer whatever was appended by hand."""
    r = con.call("COMPETITOR_GET", id="c1")
    if r.get("name") != "Sanxiong" or r.get("products") != want_products \
            or r.get("close_to") != ["a1"]:
        fail("%s: COMPETITOR_GET c1: %r" % (what, r))
    ids = [k["id"] for k in con.call("COMPETITOR_LIST", close_to="a1")["competitors"]]
    if ids != ["c1"]:
        fail("%s: competitors close to a1: %r (the rivals row of c1 is gone)" % (what, ids))
    ids = [k["id"] for k in con.call("COMPETITOR_LIST")["competitors"]]
    if ids != ["c1"]:
        fail("%s: competitors: %r" % (what, ids))
    try:
        con.call("COMPETITOR_GET", id="c9")
        fail("%s: c9, added without a usable id, exists" % what)
    except dealbook.DealbookError as e:
        if e.code != "NOT_FOUND":
            fail("%s: COMPETITOR_GET c9: %s %s" % (what, e.code, e.msg))
    # the name row of c1 is there: a second "Sanxiong" is a duplicate
    r = cmd(con, "COMPETITOR_ADD", id="c%s" % uuid.uuid4().hex[:8], name="SANXIONG")
    refused(r, "DUPLICATE", "name", "%s: a second Sanxiong" % what)
    if "c1" not in r.msg:
        fail("%s: the duplicate does not name c1: %s" % (what, r.msg))


def main():
    if missing(NAMES[1:]) or not os.access(os.path.join(BIN, "dealbook-eventlog"), os.X_OK):
        sys.exit(77)
    s = Services(NAMES, prefix="dbk-poison-", DEALBOOK_MANAGERS="mgr")
    try:
        s.start()
        clients = s.clients(NAMES[1:], timeout_ms=30000)
        con = clients["contacts"]
        log = s.up("eventlog")

        # 1. the competitor and its name
        a = ok(cmd(con, "ACCOUNT_REGISTER", id="a1", name="Acme", type="owner"), "account a1")
        ok(cmd(con, "COMPETITOR_ADD", id="c1", name="Sanxiong", close_to=["a1"],
               after_seq=a["last_seq"]), "competitor c1")
        refused(cmd(con, "COMPETITOR_ADD", id="c2", name="Sanxiong"), "DUPLICATE", "name",
                "a second Sanxiong")

        # 2. the poisoned events, each followed by a genuine update
        poisoned = 0
        n = 0
        for field in ("id", "name"):
            for tag, bad in BAD:
                data = {"id": "c1", "name": "Sanxiong"}
                data[field] = bad
                n += 1
                log.append("competitor-c1", [
                    ev("competitor.added", data),
                    ev("competitor.updated", {"id": "c1", "changed": ["products"],
                                              "products": "LED %d" % n})])
                poisoned += 1
        for bad in (None, ""):
            n += 1
            log.append("competitor-c1", [
                ev("competitor.updated", {"id": "c1", "changed": ["name"], "name": bad}),
                ev("competitor.updated", {"id": "c1", "changed": ["products"],
                                          "products": "LED %d" % n})])
            poisoned += 1
        # a name row deleted by a skipped event shows only if the update
        # after it writes no new one: an update that leaves the name alone
        n += 1
        log.append("competitor-c1", [
            ev("competitor.added", {"id": "c1", "name": [1], "close_to": ["a1"]}),
            ev("competitor.updated", {"id": "c1", "changed": ["strengths"],
                                      "strengths": "price"})])
        poisoned += 1
        for bad in (None, ""):
            log.append("competitor-c9", [ev("competitor.added", {"id": bad, "name": "Nine"})])
            poisoned += 1
        head = log.append("competitor-c9", [
            ev("competitor.updated", {"id": "c9", "changed": ["products"], "products": "x"})])["head"]

        # 3. every model goes on, the poisoned events changed nothing
        st = caught_up(clients, head, "after the poisoned events")
        skipped = st["contacts"]["counters"].get("skipped")
        if skipped != poisoned:
            fail("contacts counters.skipped: %r, %d events were poisoned" % (skipped, poisoned))
        want = "LED %d" % (n - 1)
        check_model(con, want, "after the poisoned events")
        ok(cmd(con, "COMPETITOR_UPDATE", id="c1", weaknesses="slow"), "an update of c1")
        ok(cmd(con, "ACCOUNT_REGISTER", id="a2", name="Other", type="owner"), "a new account")
        cli = subprocess.run([os.path.join(BIN, "dealbook"), "status"], env=s.env,
                             capture_output=True, text=True)
        if cli.returncode != 0 or "failing" in cli.stdout:
            fail("dealbook status: exit %d %r %r" % (cli.returncode, cli.stdout, cli.stderr))

        # 4. REBUILD replays it all
        r = con.call("REBUILD", timeout_ms=30000)
        head = log.call("STATUS")["head"]
        if r["seq_applied"] != head:
            fail("REBUILD answered %r, the log's head is %d" % (r, head))
        st = caught_up({"contacts": con}, head, "after REBUILD")
        if st["contacts"]["counters"].get("skipped") != 2 * poisoned:
            fail("after REBUILD: skipped %r, wanted %d" % (st["contacts"]["counters"],
                                                            2 * poisoned))
        check_model(con, want, "after REBUILD")
        if con.call("COMPETITOR_GET", id="c1").get("weaknesses") != "slow":
            fail("after REBUILD: the update by command is lost")
    finally:
        s.close()
    print("ok: poisoned events are skipped, change nothing and stop no read model")


if __name__ == "__main__":
    main()
