#!/usr/bin/python3
"""service_append_unknown_test.py - an APPEND the event log did not answer
in time still counts for the rules that read beyond a command's own
streams, with real dealbook-eventlog and -contacts processes.

Two clients register an account of the same name while the log does not
answer. The service answers the first UNREACHABLE ("nothing is known to
be appended"), but the log still holds that APPEND and commits it once
it goes on. Deciding the second command before knowing that let both in:
two accounts of one name. The service must keep sending the unanswered
APPEND (same event ids: stored at most once) and decide no other command
until the log says whether it is stored; meanwhile queries are answered.
After the log goes on exactly one account has the name, a retry of the
command that registered it answers it as a duplicate, and a retry of
the other is refused DUPLICATE.

The log does not answer in two ways: its group commit waits on a slow
disk (fdatasync held by tests/preload/hold_fsync.so: the log's sockets
still take requests in, so the service's second APPEND reaches it too),
and the whole process is stopped (SIGSTOP, then SIGCONT).

Run by tests/run.sh with /usr/bin/python3; exit 0 pass, 77 skip.
"""
import os
import signal
import sys
import threading
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from services import TEST_BIN, Services, dealbook, fail, missing, ok  # noqa: E402
from services import cmd as send  # noqa: E402

NAMES = ("eventlog", "contacts")
TIMEOUT_MS = 500
SHIM = os.path.join(TEST_BIN, "hold_fsync.so")


def register(c, cmd_id, aid, name):
    return send(c, "ACCOUNT_REGISTER", cmd_id=cmd_id, id=aid, name=name, type="owner")


def settled(c, cmd_id, aid, name):
    """Send the command again (same id) until the answer is not
    UNREACHABLE (the log catching up), for up to 30 s: that answer."""
    deadline = time.time() + 30
    while True:
        r = register(c, cmd_id, aid, name)
        if not isinstance(r, dealbook.DealbookError) or r.code != "UNREACHABLE":
            return r
        if time.time() > deadline:
            fail("%s again: still %r 30 s after the log went on" % (aid, r))


def same_name(svc, clients, q, name, stall, resume):
    """Two clients register `name` (ids x1, x2) while stall() keeps the log
    from answering; then resume(). Exactly one account holds the name."""
    x1, x2 = name.split()[0].lower() + "1", name.split()[0].lower() + "2"
    ids = {x1: uuid.uuid4().bytes, x2: uuid.uuid4().bytes}
    first = {}

    def go(c, aid):
        first[aid] = register(c, ids[aid], aid, name)
    stall()
    try:
        threads = [threading.Thread(target=go, args=(c, aid))
                   for c, aid in zip(clients, (x1, x2))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for aid, r in first.items():
            if not isinstance(r, dealbook.DealbookError) or r.code not in ("UNREACHABLE",
                                                                           "DUPLICATE"):
                fail("register %s while the log does not answer: %r" % (aid, r))
        # the service is not blocked meanwhile: queries are answered
        t = time.time()
        got = q.call("ACCOUNT_GET", id="warm")
        if got.get("name") != "Warm" or time.time() - t > 2 * TIMEOUT_MS / 1000:
            fail("ACCOUNT_GET while the log does not answer: %r after %.1f s"
                 % (got, time.time() - t))
    finally:
        resume()
    a = {aid: settled(c, ids[aid], aid, name) for c, aid in zip(clients, (x1, x2))}
    head = svc.client("eventlog").status()["head"]
    accounts = q.call("ACCOUNT_LIST", after_seq=head, limit=500)["accounts"]
    named = sorted(x["id"] for x in accounts if x["name"] == name)
    if len(named) != 1:
        fail("accounts named %r once the log went on: %r (first answers %r, retries %r)"
             % (name, named, first, a))
    winner, loser = (a[x1], a[x2]) if named == [x1] else (a[x2], a[x1])
    if isinstance(winner, dealbook.DealbookError) or not winner.get("duplicate"):
        fail("%r: the retry of the command whose account is stored: %r (want a duplicate)"
             % (name, winner))
    if not isinstance(loser, dealbook.DealbookError) or (loser.code, loser.field) != \
            ("DUPLICATE", "name"):
        fail("%r: the retry of the other command: %r (want DUPLICATE, name)" % (name, loser))


def main():
    if missing(NAMES):
        return 77
    if not os.path.exists(SHIM):
        print("skip: no %s" % SHIM)
        return 77
    svc = Services(NAMES, prefix="dbk-unknown-", DEALBOOK_TIMEOUT_MS=str(TIMEOUT_MS))
    hold = os.path.join(svc.dir, "hold")
    stopped = []
    try:
        svc.start_preloaded("eventlog", SHIM, DBK_HOLD_FSYNC=hold, DEALBOOK_DURABLE="1")
        svc.start("contacts")
        clients = [svc.up("contacts", timeout_ms=20000) for _ in range(2)]
        q = svc.up("contacts", timeout_ms=20000)
        ok(send(q, "ACCOUNT_REGISTER", id="warm", name="Warm", type="owner"), "register")
        log_pid = svc.procs["eventlog"].pid

        def stop():
            os.kill(log_pid, signal.SIGSTOP)
            stopped.append(True)

        def cont():
            if stopped:
                os.kill(log_pid, signal.SIGCONT)
                stopped.clear()

        # the log's commit waits on a slow disk
        same_name(svc, clients, q, "Acme Glass", lambda: open(hold, "w").close(),
                  lambda: os.path.exists(hold) and os.remove(hold))
        # the log is stopped
        same_name(svc, clients, q, "Bolt Works", stop, cont)
        # and the service goes on deciding
        ok(send(q, "ACCOUNT_REGISTER", id="after", name="After", type="owner"), "register after")
        print("unanswered append: ok")
        return 0
    finally:
        if stopped:
            os.kill(svc.procs["eventlog"].pid, signal.SIGCONT)
        if os.path.exists(hold):
            os.remove(hold)
        svc.close()


if __name__ == "__main__":
    sys.exit(main())
