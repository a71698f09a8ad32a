#!/usr/bin/python3
"""service_unsure_restart_test.py - an APPEND the event log has not settled
outlives a kill -9 of the service that sent it, with real dealbook-eventlog
(its fsync failing on demand, tests/preload/fail_fsync.so) and
dealbook-contacts processes over tcp.

While the log's disk fails every commit, a command's APPEND is answered
STORAGE: its events may still show, so the service keeps sending it and
decides no other command until the log settles it (docs/protocol.md §16).
It used to keep that APPEND only in memory: killed and started again, the
service forgot it and decided the next command on a model that may lack
those events. Now it is written to `unsure` in the service's directory,
and a service that starts with it sends it again first:

  1. the disk fails; ACCOUNT_REGISTER Acme is answered STORAGE, and the
     file `contacts/unsure` exists;
  2. kill -9, start again: the service says it sends that APPEND again, and
     a new command (Other) is not decided while the disk fails: it is
     answered UNREACHABLE, "has not said whether it stored" (before: it was
     decided, and answered STORAGE);
  3. the disk recovers: the APPEND is stored by the service itself, so the
     first command retried with its id is a duplicate (before: decided
     anew), Other is then registered, and the file is gone.

Run by tests/run.sh with /usr/bin/python3; exit 0 pass, 77 skip.
"""
import os
import signal
import subprocess
import sys
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from faultlog import FaultLog  # noqa: E402
from ports import free_ports  # noqa: E402
from services import BIN, dealbook, fail, missing, ok, wait_up  # noqa: E402
from services import cmd  # noqa: E402

TIMEOUT_MS = 1000


def register(svc, cmd_id, aid, name):
    return cmd(svc, "ACCOUNT_REGISTER", cmd_id=cmd_id, id=aid, name=name, type="owner")


def main():
    if missing(["eventlog", "contacts"]):
        return 77
    log = FaultLog("dbk-unsure-restart-", DEALBOOK_TIMEOUT_MS=str(TIMEOUT_MS))
    procs = []
    try:
        c = log.start()
        env = dict(log.env, DEALBOOK_CONTACTS_ENDPOINT="tcp://127.0.0.1:%d" % free_ports(1)[0])
        for k in ("LD_PRELOAD", "DBK_FSYNC_CTL", "DBK_FSYNC_LOG"):
            env.pop(k)
        errpath = os.path.join(log.dir, "contacts.err")
        err = open(errpath, "a")

        def start():
            procs.append(subprocess.Popen([os.path.join(BIN, "dealbook-contacts")], env=env,
                                          stdout=err, stderr=err))
            svc = dealbook.Client(env["DEALBOOK_CONTACTS_ENDPOINT"], timeout_ms=20 * TIMEOUT_MS)
            wait_up(svc, "dealbook-contacts")
            return svc

        svc = start()
        ok(register(svc, uuid.uuid4().bytes, "warm", "Warm"), "register Warm")
        kept = os.path.join(log.data, "contacts", "unsure")
        # 1. the disk fails every commit of the log
        log.arm(0, 1000000, log.store)
        acme = uuid.uuid4().bytes
        r = register(svc, acme, "acme", "Acme")
        if not isinstance(r, dealbook.DealbookError) or r.code != "STORAGE":
            fail("ACCOUNT_REGISTER while the log's disk fails: %r" % (r,))
        if not os.path.exists(kept):
            fail("no %s while the log has not settled the APPEND" % kept)
        # 2. killed, started again
        procs[-1].send_signal(signal.SIGKILL)
        procs[-1].wait(10)
        svc.close()
        svc = start()
        deadline = time.time() + 20
        while "when the service stopped: sending it again" not in open(errpath).read():
            if time.time() > deadline:
                fail("the service started again without the APPEND it kept: %s"
                     % open(errpath).read()[-800:])
            time.sleep(0.05)
        other = uuid.uuid4().bytes
        r = register(svc, other, "other", "Other")
        if not isinstance(r, dealbook.DealbookError) or r.code != "UNREACHABLE" \
                or "has not said whether it stored" not in r.msg:
            fail("a command decided while the kept APPEND is not settled: %r" % (r,))
        # 3. the disk recovers: the kept APPEND is stored by the service
        head = c.status()["head"]
        log.disarm()
        deadline = time.time() + 30
        while True:
            r = register(svc, acme, "acme", "Acme")
            if not isinstance(r, dealbook.DealbookError) or r.code != "UNREACHABLE":
                break
            if time.time() > deadline:
                fail("Acme retried: still %r 30 s after the disk recovered" % (r,))
        if isinstance(r, dealbook.DealbookError) or not r.get("duplicate") \
                or r["first_seq"] != head + 1:
            fail("Acme retried with its id once the disk recovered: %r (head was %d; want "
                 "the events the service sent again, a duplicate)" % (r, head))
        ok(register(svc, other, "other", "Other"), "Other once the disk recovered")
        if os.path.exists(kept):
            fail("%s is still there once the log stored the APPEND" % kept)
        got = svc.call("ACCOUNT_LIST", limit=10)["accounts"]
        names = sorted(a["name"] for a in got)
        if names != ["Acme", "Other", "Warm"]:
            fail("accounts at the end: %r" % names)
        svc.close()
        c.close()
        err.close()
        print("unsure append across a restart: ok")
        return 0
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
                p.wait(20)
        log.close()


if __name__ == "__main__":
    sys.exit(main())
