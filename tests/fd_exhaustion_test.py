#!/usr/bin/python3
"""fd_exhaustion_test.py - a process out of file descriptors answers the
requests that need a new socket or thread with BUSY, says so in its log,
and goes on serving; once descriptors are free again those requests
succeed. CZMQ's zsock_new and zactor_new abort the process when libzmq
cannot make a socket (EMFILE), so before dealbook made its run-time
sockets and threads without them, each of these requests killed it.

Real processes over tcp, each started with a file descriptor limit of
LIMIT (soft and hard: a binary raises its soft limit to the hard one),
filled by idle connections that complete the ZMTP greeting and then say
nothing (plain sockets: they cost this test no ZeroMQ socket each); a few
more wait in the listen backlog, so that every descriptor the server
frees is taken again at once, as under a real connection flood.

  1. dealbook-eventlog, full, still answers PING and READ; VERIFY (a job thread
     and its pipe) is answered BUSY "... out of file descriptors (limit
     LIMIT) ...", the log says `verify not started: out of file
     descriptors` and `out of file descriptors (limit LIMIT): new
     connections wait ...`; the process lives on. Once the idle
     connections close, VERIFY answers valid, and the log says the
     descriptors are free again. Its start-up lines gave the limit and
     warned that it is low.
  2. dealbookd (every actor, one descriptor table), filled through the
     contacts service's port: an as-of FUNNEL to the forecasting service
     (its worker thread is started on the first one) is answered BUSY; the
     log and the services still answer PING, READ, STATUS; freed, the
     FUNNEL is answered. Filled again, the next one (the worker is up, its
     replay's connection to the log cannot be made) is answered BUSY too,
     and the one after the connections close is answered.
  3. dealbookd full, a REBUILD of the forecasting service empties its
     model, but its new subscriber to the log (two sockets) cannot be
     made: its STATUS log_error and its log say "cannot connect to the
     event log: out of file descriptors", it serves on, and once
     descriptors are free it follows the log again by itself, and the
     REBUILD is answered when the replay reached the head.

Run by tests/run.sh (make test) with /usr/bin/python3; exit 0 pass.
"""
import datetime
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import msgpack

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from ports import free_ports  # noqa: E402
from services import BIN, dealbook, fail, missing  # noqa: E402

LIMIT = 128    # the processes' descriptor limit, soft and hard
BACKLOG = 8    # connections left waiting beyond the full table
GREETING = (b"\xff" + b"\x00" * 8 + b"\x7f" + b"\x03\x00" + b"NULL".ljust(20, b"\x00") +
            b"\x00" + b"\x00" * 31)
READY = b"\x05READY" + bytes([11]) + b"Socket-Type" + (6).to_bytes(4, "big") + b"DEALER"


def limited():
    resource.setrlimit(resource.RLIMIT_NOFILE, (LIMIT, LIMIT))


def fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def until(pred, what, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.02)
    fail("timed out waiting for " + what)


def alive(p, what):
    if p.poll() is not None:
        fail("%s: the process ended (exit %s)" % (what, p.returncode))


def idle_connection(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(GREETING)
    s.sendall(b"\x04" + bytes([len(READY)]) + READY)
    return s


def fill(p, port):
    """Idle connections to port until the process holds LIMIT descriptors,
    and BACKLOG more that wait to be accepted; returns them."""
    conns = [idle_connection(port) for _ in range(LIMIT - fds(p.pid) + BACKLOG)]
    until(lambda: fds(p.pid) >= LIMIT, "the process to hold %d descriptors" % LIMIT)
    alive(p, "full")
    return conns


def drain(p, conns):
    for c in conns:
        c.close()
    conns.clear()
    until(lambda: fds(p.pid) < LIMIT - 16, "the idle connections to close")


def log_has(path, text, seconds=10):
    until(lambda: text in open(path, errors="replace").read(), "%r in the log" % text, seconds)


def busy(p, call, what):
    """call() must raise BUSY saying the process is out of descriptors."""
    try:
        r = call()
    except dealbook.DealbookError as e:
        want = "out of file descriptors (limit %d)" % LIMIT
        if e.code != "BUSY" or want not in e.msg:
            state = "running" if p.poll() is None else "ended, exit %s" % p.returncode
            fail("%s: wanted BUSY with %r, got %s %r (the process: %s)"
                 % (what, want, e.code, e.msg, state))
        return e
    fail("%s: answered %r while out of file descriptors" % (what, r))


def start(binary, env, err):
    return subprocess.Popen([os.path.join(BIN, binary)], env=env, stdout=err, stderr=err,
                            preexec_fn=limited)


def stop(p):
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def eventlog_case(d):
    log_port, pub_port = free_ports(2)
    env = dict(os.environ, DEALBOOK_DATA_DIR=os.path.join(d, "data"), DEALBOOK_DURABLE="0",
               DEALBOOK_LOG_ENDPOINT="tcp://127.0.0.1:%d" % log_port,
               DEALBOOK_PUB_ENDPOINT="tcp://127.0.0.1:%d" % pub_port)
    errpath = os.path.join(d, "eventlog.err")
    err = open(errpath, "w")
    p = start("dealbook-eventlog", env, err)
    conns = []
    try:
        c = dealbook.Client(env["DEALBOOK_LOG_ENDPOINT"], timeout_ms=5000)
        until(lambda: ping(c), "the log to answer")
        c.append("fd-1", [dealbook.new_event("fd.noted", {"n": i}) for i in range(5)])

        # Given a log whose descriptors are all taken by idle connections
        conns = fill(p, log_port)
        c.ping()
        # When a VERIFY comes, then it is answered BUSY, and the log serves on
        busy(p, lambda: c.verify(timeout_ms=10000), "VERIFY with no descriptor left")
        alive(p, "after VERIFY")
        c.ping()
        page = c.read(1)
        if [r["seq"] for r in page] != [1, 2, 3, 4, 5]:
            fail("READ while full: %r" % [r["seq"] for r in page])
        log_has(errpath, "verify not started: out of file descriptors (limit %d)" % LIMIT)
        log_has(errpath, "out of file descriptors (limit %d): new connections wait" % LIMIT)

        # And once the idle connections are gone, VERIFY is answered
        drain(p, conns)
        r = c.verify(timeout_ms=20000)
        if not r["valid"] or r["checked"] != 5:
            fail("VERIFY after the connections closed: %r" % r)
        log_has(errpath, "file descriptors are free again (limit %d)" % LIMIT)
        # the start-up lines: the limit, and a warning that it is low
        log_has(errpath, "file descriptor limit %d" % LIMIT)
        log_has(errpath, "the file descriptor limit %d is low" % LIMIT)
        alive(p, "at the end")
        c.close()
    finally:
        for s in conns:
            s.close()
        stop(p)
        err.close()
    if p.returncode != 0:
        fail("dealbook-eventlog exited %s; its log:\n%s" % (p.returncode, open(errpath).read()))


def ping(c):
    try:
        c.call("PING", timeout_ms=200)
        return True
    except dealbook.DealbookError:
        return False


def dealbookd_case(d):
    ports = free_ports(6)
    names = ["LOG", "PUB", "CONTACTS", "OPPORTUNITIES", "BIDDING", "FORECASTING"]
    env = dict(os.environ, DEALBOOK_DATA_DIR=os.path.join(d, "all"), DEALBOOK_DURABLE="0",
               DEALBOOK_HEARTBEAT_MS="100", DEALBOOK_TIMEOUT_MS="3000")
    for n, port in zip(names, ports):
        env["DEALBOOK_%s_ENDPOINT" % n] = "tcp://127.0.0.1:%d" % port
    contacts_port = ports[2]
    errpath = os.path.join(d, "dealbookd.err")
    err = open(errpath, "w")
    p = start("dealbookd", env, err)
    conns = []
    try:
        log = dealbook.Client(env["DEALBOOK_LOG_ENDPOINT"], timeout_ms=5000)
        fc = dealbook.Client(env["DEALBOOK_FORECASTING_ENDPOINT"], timeout_ms=5000)
        contacts = dealbook.Client(env["DEALBOOK_CONTACTS_ENDPOINT"], timeout_ms=5000)
        for c in (log, fc, contacts):
            until(lambda: ping(c), "dealbookd to answer")
        today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
        log.append("fd-1", [dealbook.new_event("fd.noted", {"n": 1})])

        def funnel():
            return fc.call("FUNNEL", as_of=today, timeout_ms=20000)

        def serving(what):
            alive(p, what)
            log.ping()
            fc.ping()
            contacts.ping()
            if [r["seq"] for r in log.read(1)] != [1]:
                fail("READ %s" % what)
            fc.status()

        # Given dealbookd full, when an as-of FUNNEL needs the forecasting
        # service's worker thread, then it is answered BUSY
        conns = fill(p, contacts_port)
        busy(p, funnel, "FUNNEL as_of, no worker yet, no descriptor left")
        serving("after the first FUNNEL")
        log_has(errpath, "the service cannot start its worker thread: out of file descriptors")
        drain(p, conns)
        r = funnel()
        if r["as_of"] != today:
            fail("FUNNEL as_of: %r" % r)

        # Given the worker up and dealbookd full again, when the as-of
        # FUNNEL's replay needs its connection to the log: BUSY again
        conns = fill(p, contacts_port)
        busy(p, funnel, "FUNNEL as_of, worker up, no descriptor left")
        serving("after the second FUNNEL")
        log_has(errpath, "cannot replay the log for an as-of book: out of file descriptors")
        drain(p, conns)
        funnel()

        # Given dealbookd full, when REBUILD needs the service's new
        # subscriber to the log, then the service says it cannot follow the
        # log, serves on, and follows it again by itself once descriptors
        # are free: the REBUILD is answered then
        rb = dealbook.Client(env["DEALBOOK_FORECASTING_ENDPOINT"], timeout_ms=20000)
        rb.ping()  # connected before: a new connection would wait
        conns = fill(p, contacts_port)
        rb.sock.send(msgpack.packb({"v": 1, "rid": 77, "op": "REBUILD"}))
        st = until(lambda: (lambda s: s if s["rebuilding"] else None)(fc.status()),
                   "the REBUILD to start")
        if "out of file descriptors (limit %d)" % LIMIT not in (st.get("log_error") or ""):
            fail("STATUS log_error while it cannot follow the log: %r" % st.get("log_error"))
        serving("during the REBUILD")
        log_has(errpath, "forecasting: cannot connect to the event log: out of file descriptors")
        drain(p, conns)
        head = log.status()["head"]
        try:
            r = rb._recv_reply(time.monotonic() + 20, 77)
        except dealbook.DealbookError as e:
            fail("REBUILD once descriptors are free: %s %s" % (e.code, e.msg))
        if r.get("ok") is not True or r["seq_applied"] != head:
            fail("REBUILD once descriptors are free: %r (head %d)" % (r, head))
        rb.close()
        if fc.status()["log_error"] is not None:
            fail("log_error after the REBUILD: %r" % fc.status()["log_error"])
        log_has(errpath, "forecasting: following the event log again")
        funnel()
        alive(p, "at the end")
        for c in (log, fc, contacts):
            c.close()
    finally:
        for s in conns:
            s.close()
        stop(p)
        err.close()
    if p.returncode != 0:
        fail("dealbookd exited %s; its log:\n%s" % (p.returncode, open(errpath).read()))


def main():
    if missing(["eventlog"]) or not os.access(os.path.join(BIN, "dealbookd"), os.X_OK):
        sys.exit(77)
    d = tempfile.mkdtemp(prefix="dbk-fds-")
    try:
        eventlog_case(d)
        print("ok: the event log out of file descriptors answers VERIFY BUSY and serves on")
        dealbookd_case(d)
        print("ok: dealbookd out of file descriptors answers as-of queries BUSY, a REBUILD once it can")
    finally:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
