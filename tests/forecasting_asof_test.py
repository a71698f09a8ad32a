#!/usr/bin/python3
"""forecasting_asof_test.py - an as-of answer over a log of several READ
pages, through real dealbook-eventlog and dealbook-forecasting processes.

About 12,000 events are appended to the log directly: 2,500 deals
registered over the last five months (business dates in order, so the
book takes period-start snapshots while it folds), moved between levels
and categories, their close dates and amounts changed, some won and
lost, quotas and forecasts; and as many events of another service in
between, which the as-of replay does not ask for. The as-of replay folds
them in pages while the log reads the next one, into a book that keeps
one order of its cells while folding and writes the others at the end:
as of today, every query must answer exactly what the read model
answers now.

Run by tests/run.sh with /usr/bin/python3; exit 0 pass, 77 skip.
"""
import datetime
import json
import os
import random
import subprocess
import sys
import time

import msgpack
import zmq

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from services import BIN, Services, dealbook, fail, missing  # noqa: E402

NAMES = ("eventlog", "forecasting")
DEALS = 2500


def history(today):
    """The events, in order: (stream, type, data)."""
    rnd = random.Random(20261128)
    owners = ["o%d" % i for i in range(7)]
    teams = {o: "t%d" % (i % 3) for i, o in enumerate(owners)}
    regions = ["north", "south", "east", "west"]
    start = today - datetime.timedelta(days=150)
    open_deals, evs = [], []

    def day(i):
        return (start + datetime.timedelta(days=i * 150 // (DEALS * 5))).isoformat()

    def close(d0):
        return (d0 + datetime.timedelta(days=rnd.randrange(0, 400))).isoformat()

    step = 0
    for q in range(2):  # quotas and forecasts of this quarter and the next
        period = "%d-Q%d" % (today.year + (today.month + 3 * q - 1) // 12,
                             ((today.month + 3 * q - 1) % 12) // 3 + 1)
        for o in owners:
            evs.append(("quota-%s.owner.%s" % (period, o), "quota.set",
                        {"scope": "owner", "who": o, "period": period, "amount": 9000000000,
                         "currency": "CNY", "on": start.isoformat()}))
            evs.append(("forecast-%s.%s" % (period, o), "forecast.submitted",
                        {"owner": o, "period": period, "currency": "CNY",
                         "commit": 1000000000, "best_case": 2000000000,
                         "pipeline": 4000000000, "late": False, "on": start.isoformat()}))
    while step < DEALS * 5:
        on = day(step)
        step += 1
        r = rnd.random()
        if r < 0.5:
            evs.append(("contact-c%d" % rnd.randrange(100), "activity.logged",
                        {"contact_id": "c1", "kind": "call", "text": "x", "on": on}))
            continue
        if r < 0.7 or len(open_deals) < 20:
            i = len(evs)
            oid = "d%05d" % i
            o = rnd.choice(owners)
            evs.append(("opportunity-" + oid, "opportunity.registered",
                        {"id": oid, "name": "P " + oid, "account_id": "a1", "owner": o,
                         "team": teams[o], "region": rnd.choice(regions), "currency": "CNY",
                         "close_date": close(datetime.date.fromisoformat(on)),
                         "amount": rnd.randrange(1, 10**9), "level": 1, "on": on}))
            open_deals.append([oid, 1])
            continue
        deal = rnd.choice(open_deals)
        oid, lvl = deal
        s = "opportunity-" + oid
        r = rnd.random()
        if r < 0.35 and lvl < 5:
            evs.append((s, "opportunity.level_changed", {"id": oid, "from": lvl, "to": lvl + 1,
                                                          "on": on}))
            deal[1] = lvl + 1
        elif r < 0.5:
            evs.append((s, "opportunity.category_set",
                        {"id": oid, "category": rnd.choice(["pipeline", "best_case", "commit"]),
                         "on": on}))
        elif r < 0.65:
            evs.append((s, "opportunity.updated", {"id": oid, "changed": ["close_date"],
                                                    "close_date": close(today), "on": on}))
        elif r < 0.75:
            evs.append((s, "opportunity.updated", {"id": oid, "changed": ["amount"],
                                                    "amount": rnd.randrange(1, 10**9), "on": on}))
        elif r < 0.85:
            evs.append((s, "opportunity.won", {"id": oid, "amount": rnd.randrange(1, 10**9),
                                                "currency": "CNY", "date": on, "on": on}))
            open_deals.remove(deal)
        else:
            evs.append((s, "opportunity.lost", {"id": oid, "reason": rnd.choice(["price", "spec"]),
                                                 "winner": rnd.choice(["Acme", "Bolt"]),
                                                 "date": on, "on": on}))
            open_deals.remove(deal)
    return evs


def append(log, evs, actor="user:asof-test"):
    """Append (stream, type, data) events in order: up to 64 streams, each
    once, per APPEND."""
    batch, streams = [], set()
    for k, (s, t, d) in enumerate(evs):
        batch.append((s, "any", [dealbook.new_event(t, d, actor=actor)]))
        streams.add(s)
        nxt = evs[k + 1][0] if k + 1 < len(evs) else None
        if len(batch) == 64 or nxt is None or nxt in streams:
            log.append_many(batch)
            batch, streams = [], set()


def tail(svc, n=1500):
    """The end of the services' stderr."""
    with open(os.path.join(svc.dir, "services.err"), errors="replace") as f:
        return f.read()[-n:]


def strip(reply):
    """A reply without its v, rid and ok."""
    return {k: v for k, v in reply.items() if k not in ("v", "rid", "ok")}


def raw(svc):
    """A bare DEALER to the forecasting service, for requests in flight."""
    sock = zmq.Context.instance().socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 0)
    sock.connect(svc.endpoint("forecasting"))
    return sock


def send(sock, rid, op, **args):
    sock.send(msgpack.packb(dict(v=1, rid=rid, op=op, **args), use_bin_type=True))


def recv(sock, timeout_ms):
    if not sock.poll(timeout_ms, zmq.POLLIN):
        fail("no answer within %d ms" % timeout_ms)
    return msgpack.unpackb(sock.recv_multipart()[-1], raw=False)


def background(svc, fc, t, want):
    """While an as-of replay runs on the worker thread, STATUS says so and
    the live figures answer; the replay's answer is still right."""
    sock = raw(svc)
    try:
        send(sock, 1, "FUNNEL", as_of=t)
        served, seen = 0, False
        while not sock.poll(0, zmq.POLLIN):
            st = fc.call("STATUS")
            fc.call("FUNNEL", owner="o1")
            served += 2
            seen = seen or st["background"] == 1
        if not seen:
            fail("STATUS never counted the replay in the background (%d requests)" % served)
        got = recv(sock, 60000)
        if got.get("ok") is not True or strip(got) != want:
            fail("the as-of answer given from the worker: %r, want %r" % (got, want))
        if fc.call("STATUS")["background"] != 0:
            fail("STATUS still counts a replay that answered")
        return served
    finally:
        sock.close()


def busy(svc, t, want):
    """Eight replays run or wait on the worker; a ninth is BUSY; the eight
    all answer the same."""
    sock = raw(svc)
    try:
        for rid in range(1, 13):
            send(sock, rid, "FUNNEL", as_of=t)
        answers = [recv(sock, 120000) for _ in range(12)]
        ok_ = [a for a in answers if a.get("ok")]
        refused = [a for a in answers if not a.get("ok")]
        if len(ok_) != 8 or any(a.get("code") != "BUSY" for a in refused):
            fail("12 replays at once: %d answered, refused %r" % (len(ok_), refused))
        for a in ok_:
            if strip(a) != want:
                fail("a queued replay answered %r, want %r" % (a, want))
    finally:
        sock.close()


def cli_waits(svc, t, want):
    """dealbook funnel --as-of waits as long as the replay takes (here
    behind four others, far past DEALBOOK_TIMEOUT_MS), but fails at once
    when the service is not there."""
    sock = raw(svc)
    try:
        for rid in range(1, 5):
            send(sock, rid, "FUNNEL", as_of=t)
        env = dict(svc.env, DEALBOOK_TIMEOUT_MS="50")
        cmd = [os.path.join(BIN, "dealbook"), "funnel", "--as-of", t, "--json"]
        t0 = time.monotonic()
        r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
        took = time.monotonic() - t0
        if r.returncode != 0:
            fail("dealbook funnel --as-of behind 4 replays, timeout 50 ms: exit %d: %s"
                 % (r.returncode, r.stderr))
        if strip(json.loads(r.stdout)) != want:
            fail("dealbook funnel --as-of answered %s, want %r" % (r.stdout, want))
        for _ in range(4):
            recv(sock, 120000)
        env["DEALBOOK_FORECASTING_ENDPOINT"] = "ipc://%s/nobody.sock" % svc.dir
        t1 = time.monotonic()
        r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
        if r.returncode != 4 or time.monotonic() - t1 > 10:
            fail("dealbook funnel --as-of with no service: exit %d after %.1f s: %s"
                 % (r.returncode, time.monotonic() - t1, r.stderr))
        return took
    finally:
        sock.close()


def stop_mid_replay(svc, t):
    """SIGTERM while replays run and wait: the service stops at once and
    cleanly, answering what it can as interrupted."""
    sock = raw(svc)
    try:
        for rid in range(1, 4):
            send(sock, rid, "FUNNEL", as_of=t)
        time.sleep(0.01)
        p = svc.procs.pop("forecasting")
        t0 = time.monotonic()
        p.terminate()
        try:
            rc = p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            fail("dealbook-forecasting did not stop within 10 s of SIGTERM during a replay")
        if rc != 0:
            fail("dealbook-forecasting exited %r when stopped during a replay: %s" % (rc, tail(svc)))
        while sock.poll(0, zmq.POLLIN):
            a = msgpack.unpackb(sock.recv_multipart()[-1], raw=False)
            if not a.get("ok") and a.get("code") != "INTERRUPTED":
                fail("a replay cut short by the stop answered %r" % a)
        return time.monotonic() - t0
    finally:
        sock.close()


def main():
    if missing(NAMES):
        return 77
    svc = Services(NAMES, prefix="dbk-fcasof-")
    try:
        svc.start()
        log = svc.client("eventlog", timeout_ms=20000)
        fc = svc.client("forecasting", timeout_ms=60000)
        today = datetime.datetime.now(datetime.timezone.utc).date()
        evs = history(today)
        ours = sum(1 for _, t, _ in evs if not t.startswith("activity."))
        if ours < 6000:
            fail("the history must take more than one page of 5000: %d events" % ours)
        append(log, evs)
        head = log.status()["head"]
        for _ in range(1500):
            if fc.call("STATUS")["seq_applied"] >= head:
                break
            time.sleep(0.02)
        else:
            fail("forecasting did not catch up with %d events" % head)

        q = (today.month - 1) // 3 + 1
        quarter = "%d-Q%d" % (today.year, q)
        t = today.isoformat()
        queries = [("FUNNEL", {}), ("FUNNEL", {"owner": "o3"}), ("FUNNEL", {"region": "east"}),
                   ("FUNNEL", {"team": "t1"}), ("FUNNEL", {"team": "t0", "region": "west"}), ("FUNNEL", {"owner": "o6", "region": "south"}),
                   ("FUNNEL", {"owner": "o1", "period": quarter}),
                   ("FORECAST", {"period": quarter, "owner": "o2"}),
                   ("FORECAST", {"period": quarter, "team": "t2"}),
                   ("FORECAST", {"period": quarter, "region": "north"}),
                   ("ACCURACY", {"owner": "o4", "period": quarter, "periods": 2}),
                   ("PROGRESS", {"on": t}), ("HEALTH", {"on": t, "owner": "o5"}),
                   ("WINLOSS", {"by": "competitor"}), ("WINLOSS", {"by": "region"}),
                   ("CHANGES", {"from": (today - datetime.timedelta(days=60)).isoformat(),
                                "to": t})]
        checked = 0
        for op, args in queries:
            now = fc.call(op, **args)
            past = fc.call(op, as_of=t, **args)
            if past.get("as_of") != t:
                fail("%s %r as of %s names %r" % (op, args, t, past.get("as_of")))
            for r in (now, past):
                r.pop("rid", None)
                r.pop("as_of", None)
            if now != past:
                fail("%s %r: as of today %r, now %r" % (op, args, past, now))
            checked += 1
        f = fc.call("FUNNEL")
        if f["open"]["count"] < 100 or f["won"]["count"] < 50 or f["lost"]["count"] < 50:
            fail("the history is too thin to mean anything: %r" % f)
        want = strip(fc.call("FUNNEL", as_of=t))
        served = background(svc, fc, t, want)
        busy(svc, t, want)
        cli_waits(svc, t, want)
        stop_mid_replay(svc, t)
        print("forecasting as-of over %d events (%d folded): %d queries as of today equal now; "
              "%d requests served during one replay; the 9th replay waiting is BUSY; a stop "
              "cuts a replay short" % (head, ours, checked, served))
        return 0
    finally:
        svc.close()


if __name__ == "__main__":
    sys.exit(main())
