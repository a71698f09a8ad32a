#!/usr/bin/python3
"""service_nolog_test.py - a domain service whose event log does not answer
(not started yet, as when docker-compose starts the services first, or
stopped) keeps answering queries at once, says why in STATUS and in
`dealbook status`, refuses commands at once with nothing appended, stops
cleanly on SIGTERM, and follows the log by itself once it answers. Real
processes over ipc: dealbook-contacts without its event log, then with it.

  1. contacts starts, the log does not: queries answer within a client
     timeout of 1 s again and again (a READ of the log is never waited for:
     before, the service froze for DEALBOOK_TIMEOUT_MS at each attempt);
     STATUS `log_error` names the log's endpoint; `dealbook status` shows
     the service failing (exit 4, stderr saying why); a command is
     UNREACHABLE at once, "nothing was appended".
  2. The log starts: `log_error` goes, a command is applied and listed.
  3. The log stops again: once the service says so, two SIGTERMs in a row
     (what a double Ctrl-C or `timeout` sends) stop it: exit 0, or 143 when
     the second one stopped it at once; never an abort.

  4. A command sent before a service starts on an empty model (queued by
     ZeroMQ until the service binds), which reaches it before the log
     answered its first READ (the log is held with SIGSTOP meanwhile),
     waits until the service learnt how far the log goes and replayed it: an account registered at the end of
     a 200,000-event log makes it a DUPLICATE, not a second account.

Run by tests/run.sh (make test) with /usr/bin/python3; counts as one test.
"""
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from services import BIN, Services, cmd, dealbook, fail, missing, ok, status_failing, \
    wait_status, wait_up  # noqa: E402


def early_command(s):
    """Step 4, on the running log of s (contacts stopped)."""
    log = s.up("eventlog")
    memo = [dealbook.new_event("memo.written", {"n": i}) for i in range(1000)]
    for k in range(200):  # events the contacts service only skips over
        for e in memo:
            e["id"] = dealbook.uuid7()
        log.append("memo-%d" % k, memo)
    s.start("contacts")
    c = s.up("contacts")
    r = ok(cmd(c, "ACCOUNT_REGISTER", name="Early Bird Lighting", type="owner"), "the last account")
    accounts = c.call("STATUS", after_seq=r["last_seq"])["accounts"]
    s.stop("contacts")
    fresh = os.path.join(s.dir, "fresh")
    env = dict(s.env, DEALBOOK_DATA_DIR=fresh)
    early = dealbook.Client(s.endpoint("contacts"), timeout_ms=60000)
    early.sock.send(dealbook.msgpack.packb(
        {"v": 1, "rid": 1, "op": "ACCOUNT_REGISTER", "cmd": dealbook.uuid7(), "actor": "zhao",
         "name": "Early Bird Lighting", "type": "owner"}))
    # the log holds its answers (SIGSTOP) until the command has reached the
    # service, which then cannot know yet how far the log goes
    logp = s.procs["eventlog"]
    logp.send_signal(signal.SIGSTOP)
    try:
        s.procs["contacts"] = subprocess.Popen([os.path.join(BIN, "dealbook-contacts")],
                                               env=env, stderr=s.errlog)
        wait_up(c, "contacts on the fresh data directory")
        time.sleep(0.5)  # a reconnect interval or more: the command is in
    finally:
        logp.send_signal(signal.SIGCONT)
    # queries meanwhile, as other clients send them, make the service leave
    # its replay loop now and then and look at the command waiting
    for _ in range(3000):
        if early.sock.poll(10):
            break
        try:
            c.call("PING", timeout_ms=200)
        except dealbook.DealbookError:
            pass
    else:
        fail("no answer to a command sent before the start")
    reply = dealbook.msgpack.unpackb(early.sock.recv_multipart()[-1], raw=False)
    if reply.get("ok") or reply.get("code") != "DUPLICATE":
        fail("a command sent before the start was decided before the replay: %r" % reply)
    st = c.call("STATUS")
    if st["seq_applied"] < r["last_seq"] or st["accounts"] != accounts:
        fail("after the early command: %r" % st)


def main():
    if missing(["eventlog", "contacts"]):
        return 77
    s = Services(["eventlog", "contacts"], prefix="dbk-nolog-")
    try:
        # 1. no log
        s.start("contacts")
        c = s.up("contacts")
        st = wait_status(c, lambda st: st["log_error"], "log_error never set")
        if s.endpoint("eventlog") not in st["log_error"] or "does not answer" not in st["log_error"]:
            fail("log_error: %r" % st["log_error"])
        quick = s.client("contacts", timeout_ms=1000)
        for i in range(20):  # over several of the service's READ attempts (3 s each)
            try:
                quick.call("ACCOUNT_LIST")
            except dealbook.DealbookError as e:
                fail("query %d while the log is down: %s %s" % (i, e.code, e.msg))
            time.sleep(0.25)
        status_failing(s, "contacts", "cannot follow the log", "without the log")
        r = cmd(quick, "ACCOUNT_REGISTER", name="Nolog One", type="owner")
        if not isinstance(r, dealbook.DealbookError) or r.code != "UNREACHABLE" \
                or "nothing was appended" not in r.msg:
            fail("a command without the log: %r" % (r,))

        # 2. the log starts
        s.start("eventlog")
        log = s.up("eventlog")
        wait_status(c, lambda st: st["log_error"] is None, "log_error stayed")
        r = ok(cmd(c, "ACCOUNT_REGISTER", name="Nolog One", type="owner"), "once the log answers")
        names = [a["name"] for a in c.call("ACCOUNT_LIST", after_seq=r["last_seq"])["accounts"]]
        if names != ["Nolog One"] or log.status()["head"] != r["last_seq"]:
            fail("after the log came: %r, head %d" % (names, log.status()["head"]))

        # 3. the log stops again; the service is stopped twice in a row
        s.stop("eventlog")
        wait_status(c, lambda st: st["log_error"], "the log's stop went unnoticed")
        p = s.procs.pop("contacts")
        p.send_signal(signal.SIGTERM)
        time.sleep(0.01)  # the second one while the service stops
        p.send_signal(signal.SIGTERM)
        try:
            rc = p.wait(20)
        except subprocess.TimeoutExpired:
            p.kill()
            fail("the service did not stop on SIGTERM")
        # stopped, or stopped at once by the second signal (128 + 15); never
        # an abort (-6) inside libzmq
        if rc not in (0, 128 + signal.SIGTERM):
            fail("two SIGTERMs without the log: exit %d" % rc)

        # 4. a command waiting at the door of a service that starts
        s.start("eventlog")
        early_command(s)
    finally:
        s.close()
    print("ok: a service without its log answers, says why, and follows the log once it is there")
    return 0


if __name__ == "__main__":
    sys.exit(main())
