#!/usr/bin/python3
"""eventlog_fairness_test.py - one client's queue of slow requests holds
back neither another client's APPEND, nor another client's READ, nor the
log's heartbeats. Real dealbook-eventlog over ipc (tests/support/services.py).

A READ with a type filter that matches nothing examines up to max_scan
records: over a log of 20000 events it costs a few ms, and a client may
queue hundreds of them at once. The log drains its socket in passes; each
APPEND waits in the group commit for the others. So:

  1. Client A queues N such READs (N sized so that they take the log 1.5 s
     or more). Once A's first answer is in (the log is serving them), B
     sends an APPEND and C a READ of one event. B's APPEND is answered
     (committed) before A has half of its answers: the group commit does
     not wait for the rest of A's queue (it did: B's answer came after all
     of A's, seconds later).
  2. C's READ is answered before A has half of its answers too (ZeroMQ
     takes the clients' requests in turn).
  3. Heartbeats go on meanwhile: a subscriber to $heartbeat gets two or
     more while A's answers N/4 to 3N/4 arrive (none came before A's queue
     was served: the loop served it in one pass).
  4. Every one of A's READs is answered, in order, and B's events are in
     the log.

Order is asserted, not time: the machine may be slow, but the log must not
serve a whole queue before the requests behind it.

Run by tests/run.sh (make test) with /usr/bin/python3; exit 0 pass.
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from services import Services, dealbook, fail, missing  # noqa: E402

import msgpack  # noqa: E402
import zmq  # noqa: E402

FILL = 20000  # events in the log: a filtered READ examines them all
SLOW_READ = {"op": "READ", "type": "zzz.", "max_scan": 1000000}


def dealer(ctx, endpoint):
    s = ctx.socket(zmq.DEALER)
    s.linger = 0
    s.connect(endpoint)
    return s


def main():
    if missing(["eventlog"]):
        sys.exit(77)
    s = Services(["eventlog"], prefix="dbk-fair-", DEALBOOK_DURABLE="0",
                 DEALBOOK_HEARTBEAT_MS="50")
    try:
        s.start()
        run(s)
    finally:
        s.close()
    print("eventlog fairness: ok")


def run(s):
    c = s.up("eventlog", timeout_ms=30000)
    for k in range(FILL // 1000):
        c.append("fill-%d" % k, [dealbook.new_event("fill.noted", {"k": k}) for _ in range(1000)])
    # what one slow READ costs here (the best of three): N of them take >= 1.5 s
    cost = min(timed_read(c) for _ in range(3))
    n = max(300, min(4000, int(1.5 / max(cost, 1e-6))))
    head = c.status()["head"]

    ctx = zmq.Context.instance()
    a, b, r = (dealer(ctx, s.endpoint("eventlog")) for _ in range(3))
    sub = ctx.socket(zmq.SUB)
    sub.linger = 0
    sub.setsockopt(zmq.SUBSCRIBE, b"$heartbeat")
    sub.connect(s.env["DEALBOOK_PUB_ENDPOINT"])
    # the subscription is up once a heartbeat comes through
    if not sub.poll(10000):
        fail("no heartbeat within 10 s of subscribing")
    sub.recv_multipart()
    for p in (a, b, r):  # connected: each answers a PING
        p.send(msgpack.packb({"op": "PING", "rid": 0}))
        if not p.poll(10000):
            fail("no answer to PING")
        p.recv()

    for i in range(n):
        a.send(msgpack.packb(dict(SLOW_READ, rid=i + 1)))
    poller = zmq.Poller()
    for p in (b, r, sub, a):
        poller.register(p, zmq.POLLIN)
    got = 0  # A's answers so far
    append_at = read_at = None  # A's answers when B's / C's came
    beats = 0  # heartbeats while A's answers n/4 .. 3n/4 came
    deadline = time.monotonic() + 300
    while got < n or append_at is None or read_at is None:
        if time.monotonic() > deadline:
            fail("after 300 s: %d of %d READs answered, APPEND at %r, READ at %r" % (
                got, n, append_at, read_at))
        ready = dict(poller.poll(1000))
        # the others first: a tie counts in favour of the queue's head
        if b in ready:
            rep = msgpack.unpackb(b.recv(), raw=False)
            if not rep.get("ok") or rep["results"][0]["last_seq"] != head + 1:
                fail("B's APPEND: %r" % rep)
            append_at = got
        if r in ready:
            rep = msgpack.unpackb(r.recv(), raw=False)
            if not rep.get("ok") or len(rep["events"]) != 1:
                fail("C's READ: %r" % rep)
            read_at = got
        if sub in ready:
            sub.recv_multipart()
            if n // 4 <= got < 3 * n // 4:
                beats += 1
        if a in ready:
            rep = msgpack.unpackb(a.recv(), raw=False)
            if not rep.get("ok") or rep["rid"] != got + 1 or rep["events"]:
                fail("A's READ %d: %r" % (got + 1, rep))
            got += 1
            if got == 1:  # the log is serving A's queue: B and C ask now
                b.send(msgpack.packb({"op": "APPEND", "rid": 1, "streams": [
                    {"stream": "other-1", "events": [dealbook.new_event("other.noted")]}]}))
                r.send(msgpack.packb({"op": "READ", "rid": 1, "from": 1, "limit": 1}))
    print("%d slow READs (%.1f ms each): B's APPEND answered after %d of them, C's READ "
          "after %d, %d heartbeats meanwhile" % (n, cost * 1000, append_at, read_at, beats))
    if append_at >= n // 2:
        fail("B's APPEND was answered after %d of A's %d READs: it waited for A's queue" % (
            append_at, n))
    if read_at >= n // 2:
        fail("C's READ was answered after %d of A's %d READs" % (read_at, n))
    if beats < 2:
        fail("%d heartbeats while A's READs %d..%d were answered (every 50 ms wanted)" % (
            beats, n // 4, 3 * n // 4))
    if c.status()["head"] != head + 1:
        fail("B's event is not in the log")
    for p in (a, b, r, sub):
        p.close()
    c.close()


def timed_read(c):
    t = time.monotonic()
    page = c.read(type_prefix="zzz.", max_scan=1000000)
    if len(page):
        fail("the filter zzz. matched")
    return time.monotonic() - t


if __name__ == "__main__":
    main()
