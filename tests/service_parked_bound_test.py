#!/usr/bin/python3
"""service_parked_bound_test.py - the requests a domain service parks are
bounded, with real dealbook-eventlog and -contacts processes.

A request with `after_seq` beyond what the read model applied waits in
the service for up to 2 x DEALBOOK_TIMEOUT_MS, holding its parsed body (24
bytes an element once unpacked: a 2 MB body of tiny elements holds ~48
MB). Without a bound, 120 such requests sent in a tenth of a second took
the service to 5.7 GB and another client's PING waited 10 s. Past the
bound (DBK_SVC_PARKED_BYTES of parsed bodies, DBK_SVC_PARKED_MAX
requests) a new request that would wait is answered BUSY at once; and an
after_seq far beyond the log's head (more than DBK_SVC_AFTER_AHEAD) is
INVALID at once: no position the log answered is that far ahead.

Run by tests/run.sh with /usr/bin/python3; exit 0 pass, 77 skip.
"""
import os
import sys
import time

import msgpack
import zmq

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from services import Services, dealbook, fail, missing, ok, refused  # noqa: E402
from services import cmd as send  # noqa: E402

NAMES = ("eventlog", "contacts")
BIG = 200000      # elements of a big request's padding: ~5 MB once parsed
NBIG = 100        # big requests: ~500 MB parked without a bound
NTINY = 6000      # tiny requests: more than the bound on their count
RSS_MAX = 400     # MiB the service may reach while flooded (64 MiB of bodies)
PARKED_MAX = 4096  # DBK_SVC_PARKED_MAX


def rss_mib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) // 1024
    return 0


def flood(ep, bodies, pid, busy):
    """Send every body on one DEALER without waiting, then collect the
    answers until `busy` of them are BUSY, for up to 10 s: ({code: n},
    the service's peak RSS meanwhile)."""
    s = zmq.Context.instance().socket(zmq.DEALER)
    s.linger = 0
    s.setsockopt(zmq.SNDHWM, 0)
    s.setsockopt(zmq.RCVHWM, 0)  # the service drops answers a full queue cannot take
    s.connect(ep)
    try:
        for b in bodies:
            s.send(b)
        codes, peak = {}, rss_mib(pid)
        deadline = time.time() + 10
        while time.time() < deadline and codes.get("BUSY", 0) < busy:
            s.poll(50)
            while s.poll(0):
                r = msgpack.unpackb(s.recv(), raw=False)
                code = "OK" if r.get("ok") else r.get("code")
                codes[code] = codes.get(code, 0) + 1
                if code == "BUSY" and "retry later" not in r.get("msg", ""):
                    fail("BUSY without telling what to do: %r" % r)
            peak = max(peak, rss_mib(pid))
        return codes, peak
    finally:
        s.close()


def reach(log, c, ahead):
    """Append up to after_seq `ahead`: every request parked for it is
    answered (STATUS waiting 0 within 10 s), and one more with it is
    answered at once. Returns a position ahead of the new head."""
    head = log.status()["head"]
    while head < ahead:
        n = min(1000, ahead - head)
        head = log.append("junk-1", [dealbook.new_event("junk.x") for _ in range(n)])["last_seq"]
    deadline = time.time() + 10
    while c.call("STATUS")["waiting"]:
        if time.time() > deadline:
            fail("requests parked for after_seq %d still wait once the log got there" % ahead)
        time.sleep(0.05)
    got = c.call("ACCOUNT_GET", id="acme", after_seq=ahead)
    if got.get("id") != "acme":
        fail("after_seq %d once the log is there: %r" % (ahead, got))
    return head + 1000


def ping_ms(c):
    t = time.time()
    c.call("PING", timeout_ms=5000)
    return (time.time() - t) * 1000


def main():
    if missing(NAMES):
        return 77
    svc = Services(NAMES, prefix="dbk-park-", DEALBOOK_TIMEOUT_MS="3000")
    try:
        svc.start()
        c = svc.up("contacts")
        log = svc.up("eventlog")
        ok(send(c, "ACCOUNT_REGISTER", id="acme", name="Acme", type="owner"), "register")
        pid = svc.procs["contacts"].pid
        head = log.status()["head"]
        ep = svc.endpoint("contacts")

        # an after_seq no log position can reach: INVALID at once
        for far in (2**63, 2**64 - 1, head + 10**6 + 1000):
            t = time.time()
            try:
                c.call("ACCOUNT_GET", id="acme", after_seq=far)
                fail("after_seq %d far beyond the head was answered" % far)
            except dealbook.DealbookError as e:
                if (e.code, e.field) != ("INVALID", "after_seq") or time.time() - t > 1:
                    fail("after_seq %d: %r after %.1f s" % (far, e, time.time() - t))
        # a little ahead of the head (this service may not have heard of
        # the newest events yet) still waits
        ahead = head + 1000

        # big bodies: past the bound on their bytes, BUSY at once; the
        # service stays small and answers others
        big = msgpack.packb({"op": "ACCOUNT_GET", "rid": 1, "id": "acme", "after_seq": ahead,
                             "pad": [0] * BIG})
        codes, peak = flood(ep, [big] * NBIG, pid, NBIG - 20)
        if codes.get("BUSY", 0) < NBIG - 20:
            fail("%d requests of %d bytes parked: answers %r (want BUSY for all but 14 or so)"
                 % (NBIG, len(big), codes))
        if peak > RSS_MAX:
            fail("contacts reached %d MiB with parked requests" % peak)
        ms = ping_ms(svc.client("contacts"))
        if ms > 1000:
            fail("another client's PING took %.0f ms while requests were parked" % ms)
        # a command that need not wait is still decided
        ok(send(c, "ACCOUNT_REGISTER", id="beta", name="Beta", type="owner"), "register Beta")
        # once the log gets there, the parked requests are answered and
        # hold nothing any more
        ahead = reach(log, c, ahead)

        # tiny bodies: past the bound on their count, BUSY at once (the
        # service may drop some answers of such a burst: its queue to one
        # client holds 1000; STATUS tells how many wait)
        tiny = [msgpack.packb({"op": "ACCOUNT_GET", "rid": k, "id": "acme", "after_seq": ahead})
                for k in range(NTINY)]
        codes, peak = flood(ep, tiny, pid, NTINY - PARKED_MAX - 1000)
        waiting = c.call("STATUS")["waiting"]
        if codes.get("BUSY", 0) < NTINY - PARKED_MAX - 1000 or not 0 < waiting <= PARKED_MAX:
            fail("%d tiny parked requests: answers %r, %d waiting (want BUSY past the bound, "
                 "at most %d waiting)" % (NTINY, codes, waiting, PARKED_MAX))
        if peak > RSS_MAX:
            fail("contacts reached %d MiB with tiny parked requests" % peak)
        ms = ping_ms(svc.client("contacts"))
        if ms > 1000:
            fail("another client's PING took %.0f ms while tiny requests were parked" % ms)

        reach(log, c, ahead)
        refused(send(c, "ACCOUNT_REGISTER", id="acme2", name="Acme", type="owner"),
                "DUPLICATE", "name", "the service still decides")
        print("parked requests bounded: ok")
        return 0
    finally:
        svc.close()


if __name__ == "__main__":
    sys.exit(main())
