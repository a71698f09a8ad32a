#!/usr/bin/python3
"""service_queues_test.py - a client that never reads its answers makes a
domain service hold 128 of them at most (DBK_ROUTER_SNDHWM, the same
bound as the event log's); the service's ROUTER used to keep libzmq's
default of 1000 per connection, whatever their size. Real
dealbook-eventlog and dealbook-contacts over ipc (tests/support/services.py).

  A DEALER that takes in one answer at most sends N ACCOUNT_LIST queries,
  each with a 64 KiB rid (echoed in the answer, so ~64 KiB answers), and
  reads nothing until the service has answered them all (STATUS
  counters.queries). It then reads what reaches it: fewer than N/2
  answers; the others were dropped. Before, all N came. The service
  answers another client meanwhile.

Run by tests/run.sh (make test) with /usr/bin/python3; exit 0 pass.
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from services import Services, answers_before_ping, fail, missing  # noqa: E402

import msgpack  # noqa: E402
import zmq  # noqa: E402

N = 600


def main():
    if missing(["eventlog", "contacts"]):
        sys.exit(77)
    s = Services(["eventlog", "contacts"], prefix="dbk-svcq-", DEALBOOK_DURABLE="0")
    try:
        s.start()
        run(s)
    finally:
        s.close()
    print("service queues: ok")


def run(s):
    c = s.up("contacts", timeout_ms=30000)
    ctx = zmq.Context.instance()
    a = ctx.socket(zmq.DEALER)
    a.linger = 0
    a.setsockopt(zmq.RCVHWM, 1)
    a.setsockopt(zmq.RCVBUF, 4096)
    a.connect(s.endpoint("contacts"))
    before = c.status()["counters"]["queries"]
    for i in range(N):
        rid = i.to_bytes(4, "big") + b"\0" * 65536
        a.send(msgpack.packb({"op": "ACCOUNT_LIST", "rid": rid}))
    deadline = time.monotonic() + 120
    while c.status()["counters"]["queries"] < before + N:
        if time.monotonic() > deadline:
            fail("contacts answered %d of %d queries in 120 s" % (
                c.status()["counters"]["queries"] - before, N))
        time.sleep(0.05)
    c.call("PING")  # another client is served
    # every query is answered or dropped by now: what comes before a PING's
    # answer is all this client gets
    got = 0
    for rep in answers_before_ping(a, deadline, "contacts"):
        if not rep.get("ok") or "accounts" not in rep:
            fail("ACCOUNT_LIST: %r" % rep.get("code"))
        got += 1
    print("a client that did not read got %d of its %d answers" % (got, N))
    if got >= N // 2:
        fail("contacts kept %d of %d unread answers for one client" % (got, N))
    a.close()
    c.close()


if __name__ == "__main__":
    main()
