#!/usr/bin/python3
"""eventlog_queues_test.py - a client that sends faster than the log serves,
or never reads its replies, and a subscriber that never reads, each make the
log hold a bounded number of messages for them (libzmq bounds its queues in
messages, per connection). Real dealbook-eventlog over ipc
(tests/support/services.py). The bounds: 32 requests waiting to be served
and 128 replies waiting to be sent per connection (DBK_ROUTER_RCVHWM,
DBK_ROUTER_SNDHWM), DEALBOOK_PUB_HWM (16384 by default) messages per
subscriber; they used to be 100000 of each, so that one client could make
the log hold gigabytes.

  1. Replies: client A sends N READs for pages of ~256 KiB and reads
     nothing until the log has served them all (STATUS counters.reads).
     A then reads what reaches it: fewer than N/2 answers (the rest were
     dropped: 128 wait in the log, a few in the sockets' buffers). Before,
     all N came: the log held N pages for A.
  2. Requests: client C keeps the log busy (filtered READs that examine
     20000 records each); meanwhile client G sends READs padded to 64 KiB
     (each refused INVALID) as fast as its socket takes them. After each
     200 sent, the requests G has sent and the log has not answered yet
     (STATUS counters.rejected) stay under 200: libzmq stopped reading G
     once 32 waited, and G's sends waited. Before, G was hundreds ahead.
  3. PUB: a subscriber that reads nothing while 40000 events are appended
     then gets fewer than 30000 of them, whatever it waits: the log kept
     16384 for it. Before, it got all 40000.

Run by tests/run.sh (make test) with /usr/bin/python3; exit 0 pass.
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from services import Services, answers_before_ping, dealbook, fail, missing  # noqa: E402

import msgpack  # noqa: E402
import zmq  # noqa: E402


def main():
    if missing(["eventlog"]):
        sys.exit(77)
    s = Services(["eventlog"], prefix="dbk-queues-", DEALBOOK_DURABLE="0",
                 DEALBOOK_HEARTBEAT_MS="50")
    try:
        s.start()
        ctx = zmq.Context.instance()
        c = s.up("eventlog", timeout_ms=30000)
        replies(s, ctx, c)
        requests(s, ctx, c)
        pub(s, ctx, c)
        c.close()
    finally:
        s.close()
    print("eventlog queues: ok")


def counter(c, name):
    return c.status()["counters"][name]


def deaf_dealer(ctx, endpoint):
    """A DEALER that takes in one reply at most while the test does not read."""
    d = ctx.socket(zmq.DEALER)
    d.linger = 0
    d.setsockopt(zmq.RCVHWM, 1)
    d.setsockopt(zmq.RCVBUF, 4096)
    d.connect(endpoint)
    return d


def replies(s, ctx, c):
    # 4 events of ~60 KiB: a page of ~256 KiB
    c.append("big-1", [dealbook.new_event("big.noted", {"blob": "x" * 60000}) for _ in range(4)])
    n = 600
    a = deaf_dealer(ctx, s.endpoint("eventlog"))
    before = counter(c, "reads")
    for i in range(n):
        a.send(msgpack.packb({"op": "READ", "rid": i + 1, "from": 1, "limit": 4}))
    deadline = time.monotonic() + 120
    while counter(c, "reads") < before + n:
        if time.monotonic() > deadline:
            fail("the log served %d of %d READs in 120 s" % (counter(c, "reads") - before, n))
        time.sleep(0.05)
    # every READ is answered or dropped by now: what comes before a PING's
    # answer is all this client gets
    got = 0
    for rep in answers_before_ping(a, deadline, "the log"):
        if not rep.get("ok") or len(rep["events"]) != 4:
            fail("READ %r: %r" % (rep.get("rid"), rep.get("code")))
        got += 1
    print("replies: a client that did not read got %d of its %d READ pages" % (got, n))
    if got >= n // 2:
        fail("the log kept %d of %d unread READ pages for one client" % (got, n))
    a.close()


def requests(s, ctx, c):
    for k in range(20):
        c.append("fill-%d" % k, [dealbook.new_event("fill.noted") for _ in range(1000)])
    busy = ctx.socket(zmq.DEALER)
    busy.linger = 0
    busy.connect(s.endpoint("eventlog"))
    g = ctx.socket(zmq.DEALER)
    g.linger = 0
    g.setsockopt(zmq.SNDHWM, 1)
    g.setsockopt(zmq.SNDTIMEO, 120000)
    g.connect(s.endpoint("eventlog"))
    slow = msgpack.packb({"op": "READ", "type": "zzz.", "max_scan": 1000000})
    for _ in range(400):
        busy.send(slow)
    padded = msgpack.packb({"op": "READ", "limit": 0, "pad": b"\0" * 65536})
    base = counter(c, "rejected")
    worst = 0
    for i in range(1, 1001):
        try:
            g.send(padded)
        except zmq.Again:
            fail("G could not send for 120 s")
        if i % 200 == 0:
            ahead = i - (counter(c, "rejected") - base)
            worst = max(worst, ahead)
            if ahead >= 200:
                fail("G was %d requests ahead of the log after sending %d: they waited in "
                     "the log" % (ahead, i))
    print("requests: at most %d of one client's requests waited (sent, not answered)" % worst)
    busy.close()
    g.close()


def pub(s, ctx, c):
    sub = ctx.socket(zmq.SUB)
    sub.linger = 0
    sub.setsockopt(zmq.RCVHWM, 1)
    sub.setsockopt(zmq.RCVBUF, 4096)
    sub.setsockopt(zmq.SUBSCRIBE, b"")
    sub.connect(s.env["DEALBOOK_PUB_ENDPOINT"])
    if not sub.poll(10000):  # connected once a heartbeat comes through
        fail("no heartbeat within 10 s")
    sub.recv_multipart()
    n = 40000
    for k in range(n // 1000):
        r = c.append("pub-%d" % k, [dealbook.new_event("pub.noted") for _ in range(1000)])
    head = r["head"]
    # a heartbeat with the head comes after every event still on its way
    got = 0
    deadline = time.monotonic() + 120
    while True:
        if time.monotonic() > deadline:
            fail("no heartbeat with head %d in 120 s" % head)
        if not sub.poll(1000):
            continue
        topic, body = sub.recv_multipart()
        if topic == b"$heartbeat":
            if msgpack.unpackb(body, raw=False)["head"] >= head:
                break
        elif topic == b"pub.noted":
            got += 1
    print("pub: a subscriber that did not read got %d of %d events" % (got, n))
    if got >= 30000:
        fail("the log kept %d of %d events for a subscriber that did not read" % (got, n))
    sub.close()


if __name__ == "__main__":
    main()
