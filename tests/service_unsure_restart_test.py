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

The same holds for an APPEND still on its way when the service is told to
stop (SIGTERM while the log is stopped, SIGSTOP, before the timeout): the
command is answered INTERRUPTED, the APPEND is written to `unsure` at the
stop, sent again at the next start, and stored once the log goes on
(before: forgotten at the stop). And a `unsure` that is there but cannot
be read keeps the service from starting, naming it: it would decide
without an APPEND the log may still commit.

Run by tests/run.sh with /usr/bin/python3; exit 0 pass, 77 skip.
"""
import os
import signal
import subprocess
import sys
import threading
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from faultlog import FaultLog  # noqa: E402
from ports import free_ports  # noqa: E402
from services import BIN, dealbook, fail, missing, ok, wait_status, wait_up  # noqa: E402
from services import cmd  # noqa: E402

TIMEOUT_MS = 1000


def register(svc, cmd_id, aid, name):
    return cmd(svc, "ACCOUNT_REGISTER", cmd_id=cmd_id, id=aid, name=name, type="owner")


class Contacts:
    """dealbook-contacts on the FaultLog `log` (not preloaded), over tcp,
    with the service's timeout timeout_ms; its stderr in contacts.err."""

    def __init__(self, log, timeout_ms):
        self.env = dict(log.env, DEALBOOK_TIMEOUT_MS=str(timeout_ms),
                        DEALBOOK_CONTACTS_ENDPOINT="tcp://127.0.0.1:%d" % free_ports(1)[0])
        for k in ("LD_PRELOAD", "DBK_FSYNC_CTL", "DBK_FSYNC_LOG"):
            self.env.pop(k)
        self.timeout_ms = timeout_ms
        self.errpath = os.path.join(log.dir, "contacts.err")
        self.err = open(self.errpath, "a")
        self.kept = os.path.join(log.data, "contacts", "unsure")
        self.procs = []

    def start(self):
        self.procs.append(subprocess.Popen([os.path.join(BIN, "dealbook-contacts")],
                                           env=self.env, stdout=self.err, stderr=self.err))
        svc = dealbook.Client(self.env["DEALBOOK_CONTACTS_ENDPOINT"],
                              timeout_ms=20 * self.timeout_ms)
        wait_up(svc, "dealbook-contacts")
        return svc

    def said(self, text, what):
        deadline = time.time() + 20
        while text not in open(self.errpath).read():
            if time.time() > deadline:
                fail("%s: %s" % (what, open(self.errpath).read()[-800:]))
            time.sleep(0.05)

    def close(self):
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
                p.wait(20)
        self.err.close()


def settled(svc, cmd_id, aid, name, head, what):
    """The command sent again (same id) until it is not UNREACHABLE: it
    must be a duplicate of the events stored right after head."""
    deadline = time.time() + 30
    while True:
        r = register(svc, cmd_id, aid, name)
        if not isinstance(r, dealbook.DealbookError) or r.code != "UNREACHABLE":
            break
        if time.time() > deadline:
            fail("%s retried: still %r 30 s after the log went on" % (what, r))
    if isinstance(r, dealbook.DealbookError) or not r.get("duplicate") \
            or r["first_seq"] != head + 1:
        fail("%s retried with its id once the log went on: %r (head was %d; want the events "
             "the service sent again, a duplicate)" % (what, r, head))


def stopped_on_its_way(log, c):
    """SIGTERM while the log (stopped) has not answered the APPEND."""
    ct = Contacts(log, 10000)
    try:
        svc = ct.start()
        ok(register(svc, uuid.uuid4().bytes, "early", "Early"), "register Early")
        head = c.status()["head"]
        os.kill(log.proc.pid, signal.SIGSTOP)
        try:
            acme, answers = uuid.uuid4().bytes, []
            t = threading.Thread(target=lambda: answers.append(
                register(svc, acme, "halt", "Halt")))
            t.start()
            q = dealbook.Client(ct.env["DEALBOOK_CONTACTS_ENDPOINT"], timeout_ms=5000)
            wait_status(q, lambda st: st["waiting"] == 1 or answers,
                        "the command's APPEND never went out")
            if answers:
                fail("answered while the log is stopped: %r" % answers)
            q.close()
            ct.procs[-1].terminate()
            ct.procs[-1].wait(20)
            t.join(30)
            if len(answers) != 1 or not isinstance(answers[0], dealbook.DealbookError) \
                    or answers[0].code != "INTERRUPTED":
                fail("a command whose APPEND was on its way when the service stopped: %r"
                     % answers)
            if not os.path.exists(ct.kept):
                fail("no %s after a stop while the log had not answered" % ct.kept)
            svc.close()
            svc = ct.start()
            ct.said("when the service stopped: sending it again",
                    "started again without the APPEND on its way at the stop")
        finally:
            os.kill(log.proc.pid, signal.SIGCONT)
        settled(svc, acme, "halt", "Halt", head, "Halt")
        if os.path.exists(ct.kept):
            fail("%s is still there once the log stored the APPEND" % ct.kept)
        svc.close()
    finally:
        ct.close()


def unreadable(log):
    """A `unsure` that cannot be read keeps the service from starting."""
    ct = Contacts(log, TIMEOUT_MS)
    try:
        os.mkdir(ct.kept)  # there, but no file to read
        p = subprocess.Popen([os.path.join(BIN, "dealbook-contacts")], env=ct.env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            _, err = p.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
            fail("a service with an unreadable %s started and ran" % ct.kept)
        if p.returncode == 0 or "cannot read %s" % ct.kept not in err:
            fail("a service with an unreadable %s: exit %d, %r" % (ct.kept, p.returncode,
                                                                 err[-500:]))
        os.rmdir(ct.kept)
        ct.start().close()
    finally:
        ct.close()


def main():
    if missing(["eventlog", "contacts"]):
        return 77
    log = FaultLog("dbk-unsure-restart-", DEALBOOK_TIMEOUT_MS=str(TIMEOUT_MS))
    ct = None
    try:
        c = log.start()
        ct = Contacts(log, TIMEOUT_MS)
        procs, kept = ct.procs, ct.kept
        start = ct.start
        svc = start()
        ok(register(svc, uuid.uuid4().bytes, "warm", "Warm"), "register Warm")
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
        ct.said("when the service stopped: sending it again",
                "the service started again without the APPEND it kept")
        other = uuid.uuid4().bytes
        r = register(svc, other, "other", "Other")
        if not isinstance(r, dealbook.DealbookError) or r.code != "UNREACHABLE" \
                or "has not said whether it stored" not in r.msg:
            fail("a command decided while the kept APPEND is not settled: %r" % (r,))
        # 3. the disk recovers: the kept APPEND is stored by the service
        head = c.status()["head"]
        log.disarm()
        settled(svc, acme, "acme", "Acme", head, "Acme")
        ok(register(svc, other, "other", "Other"), "Other once the disk recovered")
        if os.path.exists(kept):
            fail("%s is still there once the log stored the APPEND" % kept)
        got = svc.call("ACCOUNT_LIST", limit=10)["accounts"]
        names = sorted(a["name"] for a in got)
        if names != ["Acme", "Other", "Warm"]:
            fail("accounts at the end: %r" % names)
        svc.close()
        for p in procs:
            p.terminate()
            p.wait(20)
        stopped_on_its_way(log, c)
        unreadable(log)
        c.close()
        print("unsure append across a restart, a stop, and unreadable: ok")
        return 0
    finally:
        if ct:
            ct.close()
        log.close()


if __name__ == "__main__":
    sys.exit(main())
