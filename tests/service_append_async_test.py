#!/usr/bin/python3
"""service_append_async_test.py - a service answers queries while the event
log commits its APPEND, with real dealbook-eventlog and -contacts processes.

A command's events go to the log in one APPEND, and the command is
answered once the log has committed them. The service used to wait for
that answer on its only thread: while the log's disk was slow to confirm
a commit, every client of the service waited too, queries and STATUS
included, up to the timeout. The APPEND now goes out and the loop goes
on; its answer is taken when it comes.

The log's commit is held (tests/preload/hold_fsync.so, which also says
when a commit starts to wait). While it is held, with the service's
timeout at 10 s: a query and STATUS are answered within 3 s; the command
and a second one sent after it are not answered yet (the second waits
its turn: commands are decided one after another). Once the commit goes
on, both are answered OK, in order, and both accounts are there.

Run by tests/run.sh with /usr/bin/python3; exit 0 pass, 77 skip.
"""
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from services import TEST_BIN, Services, dealbook, fail, missing, ok, wait_status  # noqa: E402
from services import cmd as send  # noqa: E402

NAMES = ("eventlog", "contacts")
TIMEOUT_MS = 10000
SHIM = os.path.join(TEST_BIN, "hold_fsync.so")


def main():
    if missing(NAMES):
        return 77
    if not os.path.exists(SHIM):
        print("skip: no %s" % SHIM)
        return 77
    svc = Services(NAMES, prefix="dbk-async-", DEALBOOK_TIMEOUT_MS=str(TIMEOUT_MS))
    hold, seen = os.path.join(svc.dir, "hold"), os.path.join(svc.dir, "seen")
    try:
        svc.start_preloaded("eventlog", SHIM, DBK_HOLD_FSYNC=hold, DBK_HOLD_SEEN=seen,
                            DEALBOOK_DURABLE="1")
        svc.start("contacts")
        a, b, q = (svc.up("contacts", timeout_ms=3 * TIMEOUT_MS) for _ in range(3))
        ok(send(q, "ACCOUNT_REGISTER", id="warm", name="Warm", type="owner"), "register")
        answers = {}

        def register(c, aid):
            answers[aid] = send(c, "ACCOUNT_REGISTER", id=aid, name=aid.title(), type="owner")

        open(hold, "w").close()
        first = threading.Thread(target=register, args=(a, "held"))
        first.start()
        deadline = time.time() + 20
        while not os.path.exists(seen):
            if time.time() > deadline or not first.is_alive():
                fail("the log's commit of the first command was never held (%r)" % answers)
            time.sleep(0.01)
        second = threading.Thread(target=register, args=(b, "next"))
        second.start()
        try:
            # both commands are in the service: the first on its way to the
            # log, the second waiting its turn (STATUS counts both)
            t = time.time()
            st = wait_status(q, lambda st: st["waiting"] == 2 or answers,
                             "the two commands never both waited")
            got = q.call("ACCOUNT_GET", id="warm")
            took = time.time() - t
            if got.get("name") != "Warm" or took > 3:
                fail("ACCOUNT_GET and STATUS while the log commits the service's APPEND: "
                     "%r after %.1f s (the service waits for the log?)" % (got, took))
            if not first.is_alive() or answers:
                fail("commands answered while the log's commit is held: %r (STATUS %r)"
                     % (answers, st))
        finally:
            os.remove(hold)
        first.join(30)
        second.join(30)
        for aid in ("held", "next"):
            r = answers.get(aid)
            if r is None or isinstance(r, dealbook.DealbookError) or r.get("duplicate"):
                fail("%s once the log's commit went on: %r" % (aid, r))
        if answers["next"]["first_seq"] <= answers["held"]["last_seq"]:
            fail("the second command was appended before the first: %r" % answers)
        for aid in ("held", "next"):
            got = q.call("ACCOUNT_GET", id=aid, after_seq=answers["next"]["last_seq"])
            if got.get("name") != aid.title():
                fail("ACCOUNT_GET %s: %r" % (aid, got))
        print("append on its way: ok")
        return 0
    finally:
        if os.path.exists(hold):
            os.remove(hold)
        svc.close()


if __name__ == "__main__":
    sys.exit(main())
