#!/usr/bin/python3
"""python_examples_test.py - the Python examples (examples/python/), written
from docs/protocol.md alone, against a real dealbook-eventlog.

Run by tests/run.sh (make test) with /usr/bin/python3; counts as one test.
Starts $DBK_BIN_DIR/dealbook-eventlog on a temporary data directory and
free tcp ports, waits until it answers STATUS, then checks:

  - subscribe.py (full, from a seq, and with --type prefix) prints every
    event appended by append.py, catch-up then live, in seq order, with no
    gap and no duplicate;
  - the hash chain of everything READ verifies in Python (and VERIFY agrees);
  - expected-version conflicts, idempotent re-append, ID_CONFLICT, atomic
    multi-stream APPEND, READ paging (filtered, by stream);
  - PUB frames and heartbeats;
  - the subscriber's duplicate / gap / heartbeat repair, driven by a fake
    PUB (XPUB) that drops and repeats events on purpose;
  - malformed, oversized and unknown requests get their ERROR codes and the
    log keeps serving.

Exit 0 on success; on failure, non-zero with a message saying what failed.
Processes are killed and the temp dir removed at the end, also on failure.
"""
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.environ.get("DBK_ROOT") or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(ROOT, "examples", "python")
sys.path.insert(0, EXAMPLES)

import msgpack  # noqa: E402
import zmq  # noqa: E402

import dealbook  # noqa: E402

BIN_DIR = os.environ.get("DBK_BIN_DIR") or os.path.join(ROOT, "build", "release", "bin")
EVENTLOG = os.path.join(BIN_DIR, "dealbook-eventlog")
PY = sys.executable or "/usr/bin/python3"
HEARTBEAT_MS = 100
T0 = time.monotonic()


class Failure(Exception):
    pass


def check(cond, what, detail=""):
    if not cond:
        raise Failure("%s%s" % (what, (": " + str(detail)) if detail != "" else ""))


def ok(what):
    print("ok - %s (%.1f s)" % (what, time.monotonic() - T0), flush=True)


def free_port():
    sys.path.insert(0, os.path.join(ROOT, "tests", "support"))
    from ports import free_ports  # noqa: E402
    return free_ports(1)[0]


def expect_error(code, fn, *args, **kw):
    try:
        fn(*args, **kw)
    except dealbook.DealbookError as e:
        check(e.code == code, "expected %s" % code, "got %s" % e)
        return e
    raise Failure("expected %s, the call succeeded" % code)


class Lines:
    """Read a pipe line by line in a thread, so we can wait for a line."""

    def __init__(self, pipe):
        self.q = queue.Queue()
        self.all = []
        self.t = threading.Thread(target=self._run, args=(pipe,), daemon=True)
        self.t.start()

    def _run(self, pipe):
        for line in iter(pipe.readline, ""):
            self.q.put(line)
        pipe.close()

    def wait_for(self, text, timeout):
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                line = self.q.get(timeout=left)
            except queue.Empty:
                return None
            self.all.append(line)
            if text in line:
                return line

    def rest(self):
        self.t.join(timeout=5)
        while not self.q.empty():
            self.all.append(self.q.get())
        return self.all


class Env:
    """Everything started by the test, torn down in stop()."""

    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="dbk-pytest-")
        self.log = None
        self.procs = []
        self.ctx = zmq.Context()
        self.log_ep = self.pub_ep = None
        self.env = None

    def start_log(self):
        check(os.access(EVENTLOG, os.X_OK), "no eventlog binary", EVENTLOG)
        for attempt in range(3):
            self.log_ep = "tcp://127.0.0.1:%d" % free_port()
            self.pub_ep = "tcp://127.0.0.1:%d" % free_port()
            self.env = dict(os.environ, DEALBOOK_DATA_DIR=os.path.join(self.tmp, "data"),
                            DEALBOOK_LOG_ENDPOINT=self.log_ep,
                            DEALBOOK_PUB_ENDPOINT=self.pub_ep,
                            DEALBOOK_HEARTBEAT_MS=str(HEARTBEAT_MS),
                            DEALBOOK_LOG_LEVEL="warning")
            self.stderr_path = os.path.join(self.tmp, "eventlog.stderr")
            with open(self.stderr_path, "ab") as err:
                self.log = subprocess.Popen([EVENTLOG], env=self.env, stdin=subprocess.DEVNULL,
                                            stdout=err, stderr=err)
            if self.wait_ready(10.0):
                return
            if self.log.poll() is None:
                break  # running but silent: do not try another port
            # it exited (a port taken meanwhile?): try other ports
        raise Failure("the eventlog did not answer STATUS within 10 s; its stderr:\n"
                      + self.log_stderr())

    def wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        c = dealbook.Client(self.log_ep, timeout_ms=200, ctx=self.ctx)
        try:
            while time.monotonic() < deadline:
                if self.log.poll() is not None:
                    return False
                try:
                    c.status()
                    return True
                except dealbook.DealbookError:
                    pass
            return False
        finally:
            c.close()

    def log_stderr(self):
        try:
            with open(self.stderr_path, "rb") as f:
                return f.read().decode("utf-8", "replace")[-3000:]
        except OSError:
            return "(none)"

    def client(self, timeout_ms=5000):
        return dealbook.Client(self.log_ep, timeout_ms=timeout_ms, ctx=self.ctx)

    def run_example(self, *args, timeout=20):
        r = subprocess.run([PY, os.path.join(EXAMPLES, args[0])] + list(args[1:]),
                           env=self.env, capture_output=True, text=True, timeout=timeout)
        return r

    def spawn_example(self, *args):
        p = subprocess.Popen([PY, os.path.join(EXAMPLES, args[0])] + list(args[1:]),
                             env=self.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        self.procs.append(p)
        return p

    def stop(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        if self.log is not None and self.log.poll() is None:
            self.log.send_signal(signal.SIGTERM)
            try:
                self.log.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.log.kill()
                self.log.wait(timeout=5)
        self.ctx.destroy(linger=0)
        shutil.rmtree(self.tmp, ignore_errors=True)


# ---- the checks ---------------------------------------------------------

def append_cli(env, stream, n, *extra):
    r = env.run_example("append.py", stream, str(n), *extra)
    check(r.returncode == 0, "append.py %s %d failed (rc %d)" % (stream, n, r.returncode),
          r.stderr.strip())
    results = [json.loads(line) for line in r.stdout.splitlines() if line.strip()]
    check(sum(x["last_seq"] - x["first_seq"] + 1 for x in results) == n,
          "append.py printed positions for %d events" % n, r.stdout)
    for x in results:
        check(x["last_ver"] - x["first_ver"] == x["last_seq"] - x["first_seq"]
              and not x["duplicate"] and x["head"] >= x["last_seq"],
              "append.py positions are consistent", x)
    return results


def test_subscribers(env):
    """Catch-up then live, full and filtered, through the CLI examples."""
    pre = [("e2e-a", 20, "e2e.a_happened", ["--expect", "none"]),
           ("e2e-b", 10, "e2e.b_happened", [])]
    live = [("e2e-a", 300, "e2e.a_happened", ["--batch", "100", "--expect", "20"]),
            ("e2e-b", 15, "e2e.b_happened", ["--batch", "5"]),
            ("e2e-c", 500, "e2e.c_happened", ["--batch", "500"]),
            ("e2e-b", 5, "e2e.b_happened", [])]
    for stream, n, t, extra in pre:
        append_cli(env, stream, n, "--type", t, *extra)
    total = sum(x[1] for x in pre + live)
    nb = sum(x[1] for x in pre + live if x[2].startswith("e2e.b"))
    subs = {
        "all": env.spawn_example("subscribe.py", "--from", "1", "--count", str(total),
                                 "--idle", "10"),
        "from7": env.spawn_example("subscribe.py", "--from", "7", "--count", str(total - 6),
                                   "--idle", "10", "--page", "7"),
        "prefix": env.spawn_example("subscribe.py", "--type", "e2e.b", "--count", str(nb),
                                    "--idle", "10"),
    }
    errs = {k: Lines(p.stderr) for k, p in subs.items()}
    outs = {k: Lines(p.stdout) for k, p in subs.items()}
    for k in subs:
        line = errs[k].wait_for("caught up", 10)
        check(line is not None, "subscribe.py (%s) said it caught up within 10 s" % k,
              "".join(errs[k].all)[-2000:])
    ok("three subscribe.py processes caught up with the %d events already stored"
       % sum(x[1] for x in pre))
    for stream, n, t, extra in live:
        append_cli(env, stream, n, "--type", t, *extra)
    ok("append.py appended %d more events while they listened" % sum(x[1] for x in live))
    stats = {}
    printed = {}
    for k, p in subs.items():
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            raise Failure("subscribe.py (%s) did not finish within 15 s" % k)
        err = "".join(errs[k].rest())
        check(p.returncode == 0, "subscribe.py (%s) exit code %d" % (k, p.returncode), err)
        printed[k] = [json.loads(line) for line in outs[k].rest() if line.strip()]
        st = [json.loads(line)["stats"] for line in err.splitlines() if line.startswith('{"stats"')]
        check(st, "subscribe.py (%s) printed its stats" % k, err)
        stats[k] = st[-1]

    c = env.client()
    stored = list(c.read_all(1))
    c.close()
    check(len(stored) == total, "the log holds %d events" % total, len(stored))
    by_seq = {r["seq"]: r for r in stored}

    def same_as_log(k, got, want_seqs):
        seqs = [e["seq"] for e in got]
        if seqs != want_seqs:
            missing = sorted(set(want_seqs) - set(seqs))[:10]
            dups = sorted({s for s in seqs if seqs.count(s) > 1})[:10]
            raise Failure("subscribe.py (%s) printed %d events, expected %d; missing %s, "
                          "duplicated %s, in order: %s" % (k, len(seqs), len(want_seqs),
                                                          missing, dups,
                                                          seqs == sorted(seqs)))
        for e in got:
            r = by_seq[e["seq"]]
            check(e["hash"] == r["hash"].hex() and e["id"] == dealbook.uuid_str(r["id"])
                  and e["type"] == r["type"] and e["stream"] == r["stream"]
                  and e["data"] == r["data"],
                  "subscribe.py (%s) printed seq %d as stored" % (k, e["seq"]))

    same_as_log("all", printed["all"], list(range(1, total + 1)))
    same_as_log("from7", printed["from7"], list(range(7, total + 1)))
    same_as_log("prefix", printed["prefix"],
                [r["seq"] for r in stored if r["type"].startswith("e2e.b")])
    check(all(e["type"].startswith("e2e.b") for e in printed["prefix"]),
          "the prefix subscriber printed only e2e.b* types")
    check(stats["all"]["from_pub"] > 0, "the full subscriber received live events by PUB",
          stats["all"])
    ok("subscribe.py printed every event once, in seq order (full: %d, from 7: %d, "
       "prefix e2e.b: %d); stats %s" % (len(printed["all"]), len(printed["from7"]),
                                        len(printed["prefix"]), stats["all"]))
    return total


def test_chain(env, total):
    c = env.client()
    records = list(c.read_all(1, limit=97))
    check([r["seq"] for r in records] == list(range(1, len(records) + 1)),
          "READ pages (limit 97) are contiguous from seq 1")
    tip = dealbook.verify_chain(records, first_seq=1)
    check(tip == records[-1]["hash"], "verify_chain returns the last hash")
    # continuing from a page boundary with the previous page's hash works too
    mid = len(records) // 2
    dealbook.verify_chain(records[mid:], prev=records[mid - 1]["hash"], first_seq=mid + 1)
    # tampering is detected: flip one byte of one payload
    bad = bytearray(records[5].raw)
    i = bad.index(b"\xa4data") + 6
    bad[i + 1] ^= 0x01
    try:
        dealbook.verify_chain([r.raw for r in records[:5]] + [bytes(bad)], first_seq=1)
        raise Failure("verify_chain accepted an altered record")
    except dealbook.ChainError as e:
        check(e.seq == 6, "verify_chain reports the altered seq", e)
    # bytes that are no record, down to a map key msgpack cannot hash (a
    # map), are a ChainError too, not an exception of msgpack's
    for junk in (b"\xc1", b"\x81\x81\xa1a\x01\x02"):
        try:
            dealbook.verify_chain([r.raw for r in records[:2]] + [junk], first_seq=1)
            raise Failure("verify_chain accepted %r" % junk)
        except dealbook.ChainError as e:
            check(e.seq == 3 and "does not decode" in e.why, "ChainError for %r" % junk, e)
    v = c.verify()
    check(v["valid"] is True and v["checked"] == len(records) and v["bad_seq"] == 0,
          "VERIFY agrees", v)
    c.close()
    ok("hash chain of all %d records verified in Python (BLAKE2b-256), VERIFY agrees"
       % len(records))


def test_append_semantics(env):
    c = env.client()
    e1, e2 = dealbook.new_event("probe.made", {"n": 1}), dealbook.new_event("probe.made", {"n": 2})
    first = c.append("probe-1", [e1, e2], expect="none")
    check(first["first_ver"] == 1 and first["last_ver"] == 2
          and first["last_seq"] == first["first_seq"] + 1 and first["duplicate"] is False,
          "append to a new stream", first)
    head = first["head"]
    for expect in ("none", 0, 1, 3):
        e = expect_error("WRONG_EXPECTED_VERSION", c.append, "probe-1",
                         [dealbook.new_event("probe.made")], expect=expect)
        check(e.current == 2 and e.field == "expect" and e.reply.get("stream") == "probe-1",
              "conflict reports the current version 2", e.reply)
    e = expect_error("WRONG_EXPECTED_VERSION", c.append, "probe-new",
                     [dealbook.new_event("probe.made")], expect="exists")
    check(e.current == 0, "exists on a missing stream reports version 0", e.reply)
    third = c.append("probe-1", [dealbook.new_event("probe.made", {"n": 3})], expect=2)
    check(third["first_ver"] == 3 and third["first_seq"] == head + 1, "exact expect 2", third)
    third2 = c.append("probe-1", [dealbook.new_event("probe.made", {"n": 4})], expect="exists")
    check(third2["first_ver"] == 4, "expect exists", third2)
    head = third2["head"]
    ok("expected version: none / exact / exists conflicts report current; matches append")

    again = c.append("probe-1", [e1, e2], expect="none")
    check(again["duplicate"] is True and again["first_seq"] == first["first_seq"]
          and again["last_seq"] == first["last_seq"] and again["first_ver"] == 1
          and again["last_ver"] == 2 and again["head"] == head,
          "re-append answers the original positions, duplicate, nothing written", again)
    e = expect_error("ID_CONFLICT", c.append, "probe-1",
                     [e1, dealbook.new_event("probe.made")])
    check(e.field == "id", "ID_CONFLICT names field id", e.reply)
    expect_error("ID_CONFLICT", c.append, "probe-2", [e1])
    check(c.status()["head"] == head, "refused batches wrote nothing")
    check([r["ver"] for r in c.read_stream("probe-1")] == [1, 2, 3, 4],
          "stream probe-1 holds 4 events")
    ok("idempotent re-append (duplicate=true, original positions); mixed batch and "
       "foreign id refused with ID_CONFLICT")

    x, y = dealbook.new_event("probe.made"), dealbook.new_event("probe.made")
    e = expect_error("WRONG_EXPECTED_VERSION", c.append_many,
                     [("probe-x", "none", [x]), ("probe-y", 5, [y])])
    check(e.reply.get("stream") == "probe-y" and e.current == 0, "conflict names probe-y",
          e.reply)
    check(len(c.read(1, stream="probe-x")) == 0, "nothing of the refused multi-stream APPEND")
    r = c.append_many([("probe-x", "none", [x]), ("probe-y", "none", [y])])
    res = r["results"]
    check(len(res) == 2 and res[0]["stream"] == "probe-x" and res[1]["stream"] == "probe-y"
          and res[1]["first_seq"] == res[0]["last_seq"] + 1 and r["head"] == res[1]["last_seq"],
          "multi-stream APPEND lands contiguous", r)
    ok("multi-stream APPEND is all or nothing")

    # filtered READ: continues from last + 1 even through pages with no match
    all_recs = list(c.read_all(1))
    want = [r["seq"] for r in all_recs if r["type"].startswith("probe.")]
    got, pages, empty_pages = [], 0, 0
    frm = 1
    while True:
        page = c.read(frm, type_prefix="probe.", limit=3, max_scan=50)
        pages += 1
        empty_pages += len(page) == 0
        got += [r["seq"] for r in page]
        if page.last == 0 or page.last >= page.head:
            break
        frm = page.last + 1
    check(got == want, "filtered paging returns every match once", (got, want))
    check(empty_pages > 0, "some filtered pages matched nothing yet moved on")
    beyond = c.read(all_recs[-1]["seq"] + 1)
    check(beyond.last == 0 and len(beyond) == 0 and beyond.head == all_recs[-1]["seq"],
          "READ past the head: last 0, no events", beyond.reply)
    two = c.read(2, stream="probe-1", limit=2)
    check([r["ver"] for r in two] == [2, 3] and two.last == two.records[-1]["seq"],
          "READ by stream from version 2, last = seq of the last record", two.reply)
    expect_error("INVALID", c.read, 1, stream="probe-1", type_prefix="probe.")
    expect_error("INVALID", c.read, 0)
    expect_error("INVALID", c.read, 1, limit=10001)
    ok("READ paging: filtered (%d pages, %d empty), past the head, by stream" % (pages,
                                                                                 empty_pages))
    c.close()


def test_pub_frames(env):
    c = env.client()
    sub = env.ctx.socket(zmq.SUB)
    sub.setsockopt(zmq.LINGER, 0)
    sub.setsockopt(zmq.SUBSCRIBE, b"$heartbeat")
    sub.setsockopt(zmq.SUBSCRIBE, b"pubcheck.")
    sub.connect(env.pub_ep)
    beats = []
    deadline = time.monotonic() + 5
    while len(beats) < 3 and time.monotonic() < deadline:
        if sub.poll(500):
            f = sub.recv_multipart()
            check(len(f) == 2 and f[0] == b"$heartbeat", "heartbeat frames", f)
            beats.append((time.monotonic(), msgpack.unpackb(f[1], raw=False)))
    check(len(beats) == 3, "three heartbeats within 5 s")
    for _, hb in beats:
        check(set(hb) == {"head", "ts"} and isinstance(hb["head"], int), "heartbeat body", hb)
    gap = max(b[0] - a[0] for a, b in zip(beats, beats[1:]))
    check(gap < 1.0, "heartbeats every ~%d ms" % HEARTBEAT_MS, gap)
    check(beats[-1][1]["head"] == c.status()["head"], "heartbeat head is the log's head")
    res = c.append("pubcheck-1", [dealbook.new_event("pubcheck.seen", {"k": "v"})])
    deadline = time.monotonic() + 5
    frames = None
    while time.monotonic() < deadline and sub.poll(500):
        f = sub.recv_multipart()
        if f[0] != b"$heartbeat":
            frames = f
            break
    check(frames is not None, "the appended event arrived on PUB")
    rec = dealbook.decode_record(frames[1])
    check(frames[0] == b"pubcheck.seen" and rec["seq"] == res["first_seq"]
          and rec["type"] == "pubcheck.seen", "PUB frames are [type][record]", frames)
    check(rec.raw == c.read(rec["seq"], limit=1).records[0].raw,
          "the PUB record is byte-identical to READ's")
    sub.close()
    c.close()
    ok("PUB: [type][record] frames, heartbeats {head, ts} every ~%d ms" % HEARTBEAT_MS)


def test_subscriber_repair(env):
    """The module's Subscriber against the real log for READ and a fake PUB
    (XPUB) that repeats and drops events on purpose."""
    c = env.client()
    xpub = env.ctx.socket(zmq.XPUB)
    xpub.setsockopt(zmq.LINGER, 0)
    xpub.bind("tcp://127.0.0.1:*")
    fake_ep = xpub.getsockopt(zmq.LAST_ENDPOINT).decode()
    head = c.status()["head"]

    def pub_record(seq):
        raw = c.read(seq, limit=1).records[0].raw
        typ = dealbook.decode_record(raw)["type"].encode()
        xpub.send_multipart([typ, raw])

    def heartbeat(h):
        xpub.send_multipart([b"$heartbeat", msgpack.packb({"head": h, "ts": 0})])

    def wait_subscribed(*topics):
        want = {b"\x01" + t for t in topics}
        while want:
            check(xpub.poll(5000), "the subscriber subscribed to the fake PUB", want)
            want.discard(xpub.recv())

    # full subscriber, caught up at head H: then H+1..H+5 are appended; the
    # fake PUB sends H+1, H+1 again, H+3 (H+2 "dropped"), H+4
    phase = {}

    def on_caught_up(s):
        r = c.append("gap-1", [dealbook.new_event("gap.made", {"i": i}) for i in range(5)])
        phase["first"] = r["first_seq"]
        for seq in (head + 1, head + 1, head + 3, head + 4):
            pub_record(seq)

    sub = dealbook.Subscriber(env.log_ep, fake_ep, after=head, idle_timeout=5,
                              ctx=env.ctx, on_caught_up=on_caught_up)
    wait_subscribed(b"")
    heartbeat(head)
    it = iter(sub)
    got = [next(it)["seq"] for _ in range(5)]
    check(phase.get("first") == head + 1, "the test's append landed at H+1", phase)
    check(got == list(range(head + 1, head + 6)), "events H+1..H+5 in order, once", got)
    # H+6..H+8 appended but never published: only a heartbeat tells
    c.append("gap-1", [dealbook.new_event("gap.made") for _ in range(3)])
    heartbeat(head + 8)
    got += [next(it)["seq"] for _ in range(3)]
    check(got == list(range(head + 1, head + 9)), "events H+1..H+8 in order, once", got)
    st = sub.stats()
    check(st["from_pub"] == 1 and st["duplicates"] == 2 and st["gaps"] == 2
          and st["reads"] == 3 and st["pos"] == head + 8,
          "1 live event, 2 duplicates dropped, 2 gaps repaired by READ", st)
    # a PUB copy that fails the hash check is dropped; the log's own copy
    # is read and handed out instead
    r = c.append("gap-1", [dealbook.new_event("gap.made", {"note": "genuine"})])
    raw = c.read(r["first_seq"], limit=1).records[0].raw
    xpub.send_multipart([b"gap.made", raw.replace(b"genuine", b"forged!")])
    rec = next(it)
    check(rec["seq"] == r["first_seq"] and rec.raw == raw and sub.bad_pub == 1,
          "a forged PUB copy dropped, the log's copy handed out", (rec, sub.stats()))
    kept = sub.prev_hash
    check(kept == rec["hash"], "prev_hash follows the records handed out")
    sub.close()
    ok("Subscriber: duplicates dropped, a seq gap and a heartbeat ahead repaired by READ")

    # a checkpoint's hash that the log's record does not have: another copy
    sub = dealbook.Subscriber(env.log_ep, fake_ep, after=r["first_seq"], idle_timeout=5,
                              ctx=env.ctx, prev_hash=bytes(32))
    try:
        next(iter(sub))
        check(False, "a wrong checkpoint hash must stop the subscriber")
    except dealbook.ChainError as e:
        check(e.seq == r["first_seq"] and "another copy" in str(e), "ChainError names it", e)
    sub.close()
    before = c.read(r["first_seq"] - 1, limit=1).records[0]["hash"]
    sub = dealbook.Subscriber(env.log_ep, fake_ep, after=r["first_seq"] - 1, idle_timeout=5,
                              ctx=env.ctx, prev_hash=before)
    check(next(iter(sub)).raw == raw, "the right checkpoint hash goes on")
    sub.close()
    ok("Subscriber: checks the hash chain, from a checkpoint's hash too")

    # prefix subscriber: events of other types are invisible live, so a
    # live match beyond pos + 1 is resolved by a filtered READ
    head = c.status()["head"]
    def on_caught_up_prefix(s):
        c.append("gapp-1", [dealbook.new_event(t) for t in ("gapp.a_one", "gapp.b_one",
                                                             "gapp.a_two", "gapp.b_two")])
        pub_record(head + 3)  # head + 1 (a match) is "lost"

    sub = dealbook.Subscriber(env.log_ep, fake_ep, after=head, type_prefix="gapp.a",
                              idle_timeout=5, ctx=env.ctx, on_caught_up=on_caught_up_prefix)
    wait_subscribed(b"gapp.a", b"$heartbeat")
    heartbeat(head)
    it = iter(sub)
    got = [next(it)["seq"] for _ in range(2)]
    check(got == [head + 1, head + 3] and sub.reads == 2,
          "prefix subscriber: both matches, in order, by one filtered READ", (got, sub.stats()))
    heartbeat(head + 4)
    pub_record(head + 3)  # a late duplicate
    c.append("gapp-1", [dealbook.new_event("gapp.a_three")])
    pub_record(head + 5)
    rec = next(it)
    check(rec["seq"] == head + 5 and sub.pos == head + 5, "prefix subscriber: next match",
          (rec["seq"], sub.stats()))
    sub.close()
    xpub.close()
    c.close()
    ok("prefix Subscriber: a lost match repaired by filtered READ, heartbeat advances pos")


def test_robustness(env):
    c = env.client()
    before = c.status()["counters"]["malformed"]
    cases = [(b"\xc1", "reserved byte"), (b"\x93\x01\x02\x03", "an array, not a map"),
             (b"\x82\xa1v\x01\xa3rid", "truncated map"),
             (b"\x82\xa1v\x01\xa2op\xa4PING\x00", "trailing byte"),
             (b"\x83\xa1v\x01\xa3rid\x07\xa2op\xa2\xff\xfe", "invalid UTF-8"),
             (b"\x83\xa1v\x01\xa3rid\x07\xa2op\xd4\x01\x00", "ext type"),
             (b"", "empty frame"),
             (b"\xdf\xff\xff\xff\xff", "a map announcing 4G pairs")]
    for body, what in cases:
        r = c.call_raw(body)
        check(r.get("ok") is False and r.get("code") == "MALFORMED" and r.get("rid") is None
              and r.get("v") == 1, "MALFORMED for %s" % what, r)
    deep = {"x": 1}
    for _ in range(40):
        deep = {"a": deep}
    r = c.call_raw(msgpack.packb({"v": 1, "rid": 1, "op": "PING", "deep": deep}))
    check(r.get("code") == "TOO_LARGE", "TOO_LARGE for nesting 42 deep", r)
    r = c.call_raw(msgpack.packb({"v": 1, "rid": 1, "op": "PING", "pad": b"x" * (9 << 20)}),
                   timeout_ms=10000)
    check(r.get("code") == "TOO_LARGE", "TOO_LARGE for a 9 MiB frame", r)
    # the same through call(): the reply has no rid (the body was not read),
    # and the client takes it as its one request's answer (protocol.md §4.3)
    e = expect_error("TOO_LARGE", c.call, "PING", timeout_ms=10000, pad=b"x" * (9 << 20))
    check(e.reply.get("rid") is None, "TOO_LARGE without rid reaches call()", e.reply)
    e = expect_error("UNKNOWN_OP", c.call, "FROBNICATE")
    check(e.field == "op", "UNKNOWN_OP names field op", e.reply)
    r = c.call_raw(msgpack.packb({"v": 2, "rid": "r2", "op": "PING"}))
    check(r.get("code") == "UNSUPPORTED_VERSION" and r.get("rid") == "r2",
          "UNSUPPORTED_VERSION echoes rid", r)
    r = c.call_raw(msgpack.packb({"rid": [1, "x"], "op": "PING"}))
    check(r.get("ok") is True and r.get("rid") == [1, "x"], "rid of any type is echoed", r)
    # envelope frames before the body come back unchanged
    c.sock.send_multipart([b"hop1", b"hop2", msgpack.packb({"v": 1, "rid": 5, "op": "PING"})])
    check(c.sock.poll(5000), "a reply to a 3-frame request")
    f = c.sock.recv_multipart()
    check(f[:2] == [b"hop1", b"hop2"] and msgpack.unpackb(f[2])["rid"] == 5,
          "envelope frames echoed", f)
    req = env.ctx.socket(zmq.REQ)  # REQ works too: its empty delimiter is echoed
    req.setsockopt(zmq.LINGER, 0)
    req.connect(env.log_ep)
    req.send(msgpack.packb({"v": 1, "rid": "req", "op": "PING"}))
    check(req.poll(5000), "a reply to a REQ socket")
    r = msgpack.unpackb(req.recv(), raw=False)
    check(r == {"v": 1, "rid": "req", "ok": True}, "PING through REQ", r)
    req.close()
    e = expect_error("INVALID", c.append, "Bad Stream", [dealbook.new_event("probe.made")])
    check(e.field == "stream", "INVALID names the field", e.reply)
    e = expect_error("TOO_LARGE", c.append, "probe-9",
                     [dealbook.new_event("probe.made", {"p": "x" * 70000})])
    check(e.field == "data", "TOO_LARGE names data", e.reply)
    after = c.status()["counters"]["malformed"]
    check(after - before >= len(cases) + 4, "malformed requests are counted", (before, after))
    c.ping()
    check(env.log.poll() is None, "the eventlog is still running")
    ok("malformed, oversized, unknown and invalid requests get MALFORMED / TOO_LARGE / "
       "UNKNOWN_OP / UNSUPPORTED_VERSION / INVALID; the log keeps serving")

    # DESIGN §6: every request gets exactly one answer, even one without op
    # (the first foundation build dropped it: docs/protocol.md §13)
    try:
        r = c.call_raw(msgpack.packb({"v": 1, "rid": 9}), timeout_ms=3000)
    except dealbook.DealbookError as e:
        raise Failure("a request without op got no answer (%s)" % e)
    check(r.get("code") == "INVALID" and r.get("field") == "op" and r.get("rid") == 9
          and r.get("msg") == "the request has no op", "INVALID (field op) for a request without op",
          r)
    # an op that is there but not a str is not missing: the message says what it must be
    for op in (5, b"PING"):
        r = c.call_raw(msgpack.packb({"v": 1, "rid": 10, "op": op}, use_bin_type=True),
                       timeout_ms=3000)
        check(r.get("code") == "INVALID" and r.get("field") == "op"
              and r.get("msg", "").startswith("op must be text"), "INVALID for the op %r" % op, r)
    ok("a request without op, or with a non-str op, gets INVALID (field op)")
    c.close()


def main():
    env = Env()
    try:
        env.start_log()
        ok("dealbook-eventlog answers STATUS on %s (pub %s)" % (env.log_ep, env.pub_ep))
        total = test_subscribers(env)
        test_chain(env, total)
        test_append_semantics(env)
        test_pub_frames(env)
        test_subscriber_repair(env)
        test_robustness(env)
        check(env.log.poll() is None, "the eventlog survived everything")
        print("PASS python_examples_test (%.1f s)" % (time.monotonic() - T0))
        return 0
    except Failure as e:
        print("FAIL python_examples_test: %s" % e, file=sys.stderr)
        if env.log is not None:
            print("eventlog stderr (last lines):\n" + env.log_stderr(), file=sys.stderr)
        return 1
    except Exception as e:  # a bug in the test or the examples: say where
        import traceback
        traceback.print_exc()
        print("FAIL python_examples_test: %s: %s" % (type(e).__name__, e), file=sys.stderr)
        return 2
    finally:
        env.stop()


if __name__ == "__main__":
    sys.exit(main())
