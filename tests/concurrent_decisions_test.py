#!/usr/bin/python3
"""concurrent_decisions_test.py - commands sent together are decided as if
one after the other, with real dealbook-eventlog, -contacts and
-opportunities processes.

A decision reads the read model beyond the streams it writes: an account
name must be unique, a registration of a project another owner holds is a
conflict, an archived account takes no new contacts. Each new aggregate
writes a stream of its own, so the log's expected versions cannot catch
two such commands decided on the same state: the service decides a
command only once its own last append is in its read model. Without
that, 8 registrations of one name sent together all succeeded, and 5
owners registering one project were none of them flagged.

Run by tests/run.sh with /usr/bin/python3; exit 0 pass, 77 skip.
"""
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from services import Services, dealbook, fail, missing, ok  # noqa: E402
from services import cmd as send  # noqa: E402

NAMES = ("eventlog", "contacts", "opportunities")


def together(fns):
    """Run each function on a thread of its own, started together."""
    out = [None] * len(fns)
    go = threading.Barrier(len(fns))

    def run(i):
        go.wait()
        out[i] = fns[i]()
    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(fns))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def outcome(r):
    return r.code if isinstance(r, dealbook.DealbookError) else "OK"


def main():
    if missing(NAMES):
        return 77
    svc = Services(NAMES, prefix="dbk-conc-")
    try:
        svc.start()
        c, o = svc.up("contacts"), svc.up("opportunities")

        # one name, 8 registrations at once (each its own client and
        # command id): one account, 7 refusals
        for rnd in range(3):
            clients = [svc.client("contacts") for _ in range(8)]
            rs = together([lambda k=k: send(clients[k], "ACCOUNT_REGISTER", name="Same %d" % rnd,
                                            type="owner") for k in range(8)])
            got = sorted(outcome(r) for r in rs)
            if got != ["DUPLICATE"] * 7 + ["OK"]:
                fail("8 registrations of one name at once: %r" % got)
            for x in clients:
                x.close()
        ok(send(c, "ACCOUNT_REGISTER", id="acc", name="Acme", type="owner"), "account")

        # one project, 5 owners at once: the first registrant keeps it,
        # the 4 others are flagged in conflict with it
        o.call("OPP_LIST", after_seq=svc.client("eventlog").status()["head"])
        for rnd in range(2):
            owners = ["u%d" % k for k in range(5)]
            clients = [svc.client("opportunities") for _ in owners]
            rs = together([lambda k=k: send(clients[k], "OPP_REGISTER", actor=owners[k],
                                            id="b%d%s" % (rnd, owners[k]),
                                            name="Bridge %d" % rnd, account_id="acc",
                                            owner=owners[k], currency="CNY",
                                            close_date="2099-06-30") for k in range(5)])
            for r in rs:
                ok(r, "register")
            head = max(r["last_seq"] for r in rs)
            flagged = sorted(len(o.call("OPP_GET", id="b%d%s" % (rnd, w), after_seq=head)
                                 .get("in_conflict_with") or []) for w in owners)
            if flagged != [1, 1, 1, 1, 4]:
                fail("5 owners registering one project at once: conflicts per deal %r (the "
                     "first registrant with the 4 others, each of them with the first)" % flagged)
            for x in clients:
                x.close()

        # an account archived while contacts are added to it: in log
        # order, none is added after the archive
        for rnd in range(5):
            aid = "arch%d" % rnd
            ok(send(c, "ACCOUNT_REGISTER", id=aid, name="Archived %d" % rnd, type="owner"), "acc")
            clients = [svc.client("contacts") for _ in range(4)]
            calls = [lambda: send(clients[0], "ACCOUNT_ARCHIVE", id=aid, reason="closed")]
            calls += [lambda k=k: send(clients[k], "CONTACT_ADD", id="p%d%d" % (rnd, k),
                                       name="Person %d" % k, account_id=aid) for k in (1, 2, 3)]
            rs = together(calls)
            ok(rs[0], "archive")
            archived = rs[0]["first_seq"]
            late = [r["first_seq"] for r in rs[1:]
                    if not isinstance(r, dealbook.DealbookError) and r["first_seq"] > archived]
            if late:
                fail("contacts added to account %s after its archive (seq %d): %r"
                     % (aid, archived, late))
            for r in rs[1:]:
                if isinstance(r, dealbook.DealbookError) and (r.code, r.field) != \
                        ("REJECTED", "account_id"):
                    fail("a contact refused for another reason: %r" % r)
            for x in clients:
                x.close()
        # a reaction takes its turn among commands: an award closes its
        # deal while 6 clients keep the service busy with commands
        after = svc.client("eventlog").status()["head"]
        for k in range(1, 8):
            ok(send(o, "OPP_REGISTER", id="r%d" % k, name="Depot %d" % k, account_id="acc",
                    owner="zhao", currency="CNY", close_date="2099-06-30", after_seq=after), "r")
        stop = []

        def busy(k):
            cl = svc.client("opportunities")
            n = 0
            while not stop:
                send(cl, "OPP_NEXT_STEP", id="r%d" % (2 + k), next_step="call %d" % n)
                n += 1
            cl.close()
        threads = [threading.Thread(target=busy, args=(k,)) for k in range(6)]
        for t in threads:
            t.start()
        try:
            time.sleep(0.5)
            today = time.strftime("%Y-%m-%d", time.gmtime())
            svc.client("eventlog").append("tender-t1", [dealbook.new_event(
                "tender.awarded", {"id": "t1", "tender_id": "t1", "opportunity_id": "r1", "result": "won",
                                   "date": today, "amount": 1000, "currency": "CNY"},
                actor="svc:bidding")])
            t0 = time.time()
            while o.call("OPP_GET", id="r1")["status"] != "won":
                if time.time() - t0 > 5:
                    fail("the award's reaction waited more than 5 s behind the commands")
                time.sleep(0.02)
        finally:
            stop.append(True)
            for t in threads:
                t.join()
        print("concurrent decisions: ok")
        return 0
    finally:
        svc.close()


if __name__ == "__main__":
    sys.exit(main())
