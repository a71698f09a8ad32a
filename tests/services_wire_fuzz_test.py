#!/usr/bin/python3
"""services_wire_fuzz_test.py - malformed and hostile requests thrown at
every domain service through real processes (eventlog, contacts,
opportunities, bidding, forecasting over ipc), after a small valid world
is seeded through real commands.

Every verb of docs/protocol.md §16 (its tables are parsed, with each
verb's fields) gets requests built from a valid one with fields set to
hostile values (nil, bools, extreme ints, floats, NaN, huge and NUL
strings, impossible dates, bins, huge arrays, nested maps, ids of the
wrong and of the right kind), fields left out, unknown keys, command ids
reused with another payload, valid requests pipelined with a shared
command id, and bodies that are not maps at all, truncated, or with a
`v`, `rid` or `op` of a wrong type. Valid requests are mixed in so that
the state moves. The rules checked:

  - every request gets a reply in time, with its rid: ok, or an error
    whose code is one of §5's with a non-empty msg (and, for a command's
    refusal, a field); codes that only a fault explains (STORAGE,
    CORRUPT, BUSY but for a shared command id ...) fail; no command is
    accepted with a NUL in a text, nor appends twice for one command id;
  - every process keeps running and answers PING;
  - every acknowledged command's events are in the log, contiguous, with
    the command id as cause; the log's VERIFY is valid;
  - each service's answers are the same after REBUILD (every event a
    decider accepted folds back the same way);
  - no sanitizer report in any process's stderr (<dir>/<name>.err).

Deterministic: a fixed seed (DBK_FUZZ_SEED to change it, printed). Each
field of each verb is made hostile DBK_FUZZ_FIELD_VALUES times (default
3), then each verb gets DBK_FUZZ_ROUNDS requests of any kind (default
20): some 5000 requests, under 10 s here, a little more under the
sanitizers. DBK_FUZZ_KEEP_GOING=1 reports every broken rule before failing.

Run by tests/run.sh with /usr/bin/python3; exit 0 pass, 77 skip.
"""
import math
import os
import random
import re
import shutil
import subprocess
import sys
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from services import BIN, ROOT, Services, dealbook, fail, missing  # noqa: E402
from wire_fuzz import (BASES, CATEGORIES, ENVELOPE, IGNORED, UNKNOWN_KEYS, USES, World,  # noqa: E402
                       envelope_variants, has_nul, hostile, mutate_nested, pack, raw_bodies, seed)

import msgpack  # noqa: E402
import zmq  # noqa: E402

NAMES = ("eventlog", "contacts", "opportunities", "bidding", "forecasting")
DOMAIN = NAMES[1:]
SEED = int(os.environ.get("DBK_FUZZ_SEED", "20261129"))
ROUNDS = int(os.environ.get("DBK_FUZZ_ROUNDS", "20"))            # requests of each verb
FIELD_VALUES = int(os.environ.get("DBK_FUZZ_FIELD_VALUES", "3"))  # hostile ones of each field
SVC_TIMEOUT_MS = 3000      # the services' DEALBOOK_TIMEOUT_MS
REPLY_TIMEOUT_MS = 20000   # ours: above 2 x theirs (after_seq, model waits)
# codes a hostile request may earn; the others of §5 only a fault explains
# here (one writer, a healthy disk, requests sent one at a time)
EXPECTED = {"INVALID", "MALFORMED", "TOO_LARGE", "NOT_FOUND", "UNKNOWN_OP",
            "UNSUPPORTED_VERSION", "REJECTED", "DUPLICATE"}
KEEP_GOING = os.environ.get("DBK_FUZZ_KEEP_GOING") == "1"  # report every defect, then fail
DEFECTS = []
SECTIONS = {"16.1": "contacts", "16.2": "opportunities", "16.3": "bidding",
            "16.4": "forecasting"}


# ---- what the spec says -----------------------------------------------------

def read_spec():
    """(codes of §5, {service: {verb: (kind, [fields])}}) from docs/protocol.md."""
    with open(os.path.join(ROOT, "docs", "protocol.md"), encoding="utf-8") as f:
        text = f.read()
    s5 = text.split("\n## 5. Error codes", 1)[1].split("\n## 6.", 1)[0]
    codes = set(re.findall(r"^\| `([A-Z_]+)` \|", s5, re.M))
    verbs = {s: {} for s in DOMAIN}
    service, kind = None, None
    for line in text.split("## 16. Domain services", 1)[1].splitlines():
        m = re.match(r"### (16\.\d)", line)
        if m:
            service = SECTIONS.get(m.group(1))
            continue
        if service is None or not line.startswith("|"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        if cells[0] in ("command", "query"):
            kind = cells[0]
            continue
        names = re.findall(r"`([A-Z][A-Z_]+)`", cells[0])
        if not names or len(cells) < 2:
            continue
        fields = [x for x in re.findall(r"`([a-z_][a-z0-9_]*)`", cells[1])]
        if service == "forecasting" and kind == "query":
            fields += ["owner", "team", "region", "period", "currency", "as_of"]
        words = sorted(set(re.findall(r"`([^`]+)`", " ".join(cells[1:]))))
        for v in names:
            verbs[service][v] = (kind, sorted(set(fields)), words)
    return codes, verbs


# ---- the wire ---------------------------------------------------------------

class Hang(Exception):
    pass


class Wire:
    """One DEALER to a service; one request at a time (so the next reply
    is the answer), with a bounded wait."""

    def __init__(self, ctx, endpoint):
        self.ctx, self.endpoint = ctx, endpoint
        self.sock = None
        self.connect()

    def connect(self):
        if self.sock is not None:
            self.sock.close(linger=0)
        self.sock = self.ctx.socket(zmq.DEALER)
        self.sock.setsockopt(zmq.LINGER, 0)
        self.sock.connect(self.endpoint)

    def burst(self, bodies, timeout_ms=REPLY_TIMEOUT_MS):
        """Send every body at once, then read as many replies (in the order
        they come: §4.4); Hang if one is missing."""
        for b in bodies:
            self.sock.send(b)
        out = []
        for _ in bodies:
            if not self.sock.poll(timeout_ms, zmq.POLLIN):
                self.connect()
                raise Hang("%d of %d pipelined requests answered" % (len(out), len(bodies)))
            out.append(self.sock.recv_multipart())
        return out

    def send(self, frames, timeout_ms=REPLY_TIMEOUT_MS):
        """The reply's frames to `frames` (a list of bytes); Hang if none."""
        self.sock.send_multipart(frames)
        if not self.sock.poll(timeout_ms, zmq.POLLIN):
            self.connect()
            raise Hang("no reply from %s in %d ms" % (self.endpoint, timeout_ms))
        return self.sock.recv_multipart()


def defect(msg):
    """A broken rule: fail now, or (DBK_FUZZ_KEEP_GOING=1) at the end."""
    if not KEEP_GOING:
        fail(msg)
    print("DEFECT: " + msg)
    DEFECTS.append(msg)


def same(a, b):
    """Equality where NaN equals NaN (a rid echoed)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b


def short(obj, n=300):
    s = repr(obj)
    return s if len(s) <= n else s[:n] + "...(%d chars)" % len(s)


# ---- the fuzzer --------------------------------------------------------------

class Fuzz:
    def __init__(self, svc, codes, verbs):
        self.svc, self.codes, self.verbs = svc, codes, verbs
        self.ctx = zmq.Context.instance()
        self.wires = {n: Wire(self.ctx, svc.endpoint(n)) for n in NAMES}
        self.rnd = random.Random(SEED)
        self.rid = 0
        self.sent = 0
        self.acks = {}        # (service, cmd id) -> (first_seq, last_seq, events)
        self.last_seq = 0     # the highest last_seq acknowledged
        self.tally = {}       # (service, verb) -> {outcome: n}
        self.counter = 0
        self.last_cmd = {}    # service -> the last command request sent

    def fresh(self, prefix):
        self.counter += 1
        return "%s%d" % (prefix, self.counter)

    # one request, checked
    def request(self, service, body, what, rid=None, frames=None, verb=None):
        """Send one body (bytes); check the reply (§4.3, §5); return it."""
        self.sent += 1
        try:
            out = self.wires[service].send(frames or [body])
        except Hang as e:
            fail("%s: %s: %s (request %s)" % (service, what, e, short(body)))
        if frames and out[:-1] != frames[:-1]:
            defect("%s: %s: the envelope came back as %r" % (service, what, out[:-1]))
        return self.check(service, out, what, rid, verb, body)

    def check(self, service, out, what, rid, verb, body, shared_cmd=False):
        """The reply in frames `out` to body, checked (§4.3, §5); BUSY (cmd)
        is an answer when another request with the same cmd is pipelined."""
        try:
            reply = msgpack.unpackb(out[-1], raw=False, strict_map_key=False)
        except Exception as e:
            fail("%s: %s: the reply does not decode: %s" % (service, what, e))
        if not isinstance(reply, dict) or reply.get("ok") not in (True, False):
            fail("%s: %s: not a reply map: %s" % (service, what, short(reply)))
        if rid is not None and not same(reply.get("rid"), rid) and not (
                reply.get("rid") is None and reply.get("code") in ("MALFORMED", "TOO_LARGE")):
            defect("%s: %s: rid %s came back as %s" % (service, what, short(rid),
                                                       short(reply.get("rid"))))
        if reply["ok"]:
            return reply
        code, msg, field = reply.get("code"), reply.get("msg"), reply.get("field")
        if code not in self.codes:
            defect("%s: %s: undocumented code %r (%s)" % (service, what, code, short(reply)))
        if not isinstance(msg, str) or not msg.strip():
            defect("%s: %s: %s with an empty msg (%s)" % (service, what, code, short(reply)))
        if field is not None and (not isinstance(field, str) or not field):
            defect("%s: %s: field %r is not a name" % (service, what, field))
        waited = code == "UNREACHABLE" and field == "after_seq"
        busy = code == "BUSY" and field == "cmd" and shared_cmd
        if code not in EXPECTED and not waited and not busy:
            defect("%s: %s: %s %s (field %s) for request %s" % (service, what, code, msg, field,
                                                              short(body, 600)))
        if code in ("INVALID", "NOT_FOUND", "REJECTED", "DUPLICATE") and \
                self.is_command(service, verb) and rid is not None and not isinstance(field, str):
            defect("%s: %s: %s without a field: %s" % (service, what, code, msg))
        if code == "UNKNOWN_OP" and verb in self.verbs.get(service, {}):
            defect("%s: %s: the documented verb %s is unknown to the service"
                 % (service, what, verb))
        return reply

    def call(self, service, op, cmd_id=None, **kw):
        """A request map {v, rid, op, **kw}, a command's cmd and actor added
        when missing; an ok command reply recorded as acknowledged."""
        self.rid += 1
        req = {"v": 1, "rid": self.rid, "op": op}
        if self.is_command(service, op):
            req["cmd"] = cmd_id or uuid.uuid4().bytes
            req["actor"] = "zhao"
        req.update(kw)
        return self.send_map(service, op, req, op)

    def send_map(self, service, op, req, what):
        try:
            body = pack(req)
        except (OverflowError, ValueError, TypeError):
            return None
        reply = self.request(service, body, what, rid=req.get("rid"), verb=op)
        if reply.get("ok") and self.is_command(service, op) and "cmd" in reply:
            self.ack(service, op, req, reply)
        return reply

    def is_command(self, service, op):
        return self.verbs.get(service, {}).get(op, (None,))[0] == "command"

    def plausible(self, service, verb, w):
        """Values a field of verb may well take: the words of its row in
        the spec, and the world's dates."""
        return self.verbs[service][verb][2] + [w.today, w.later, w.year + "-06-30",
                                               w.year + "-Q2", w.year]

    def ack(self, service, op, req, reply):
        # a service knows the command ids of its own streams' events: one
        # id sent to two services is two commands (dbk_svc_model.c)
        cid = (service, bytes(reply["cmd"]))
        pos = (reply["first_seq"], reply["last_seq"], reply["events"])
        if reply["events"]:
            if cid in self.acks and self.acks[cid] != pos:
                defect("%s %s: command id answered %r, earlier %r" % (service, op, pos,
                                                                       self.acks[cid]))
            if pos[1] - pos[0] + 1 != pos[2]:
                defect("%s %s: %d events at seqs %d..%d" % (service, op, pos[2], pos[0], pos[1]))
            self.acks[cid] = pos
            self.last_seq = max(self.last_seq, pos[1])

    def must(self, service, op, **kw):
        kw.setdefault("after_seq", self.last_seq)
        r = self.call(service, op, **kw)
        if not r or not r["ok"]:
            fail("seed %s %s: %s" % (service, op, short(r)))
        return r

    def note(self, service, verb, outcome):
        t = self.tally.setdefault((service, verb), {})
        t[outcome] = t.get(outcome, 0) + 1

    # processes
    def alive(self):
        for n, p in self.svc.procs.items():
            if p.poll() is not None:
                fail("dealbook-%s exited with %s after %d requests (see %s/%s.err)"
                     % (n, p.returncode, self.sent, self.svc.dir, n))
        for n in NAMES:
            r = self.call(n, "PING")
            if not r["ok"]:
                fail("%s: PING: %s" % (n, short(r)))


def burst(fz, w, service, verb):
    """Valid requests of verb pipelined (§4.4), half of them sharing a
    command id: each answered once, by rid; a shared id appends once."""
    rnd, command = fz.rnd, fz.is_command(service, verb)
    shared = uuid.uuid4().bytes
    reqs = {}
    for i in range(rnd.randint(2, 8)):
        fz.rid += 1
        req = {"v": 1, "rid": fz.rid, "op": verb}
        if command:
            req.update(cmd=shared if i % 2 else uuid.uuid4().bytes, actor="zhao")
        req.update(BASES[verb](w, rnd))
        reqs[fz.rid] = req
    fz.sent += len(reqs)
    try:
        outs = fz.wires[service].burst([pack(r) for r in reqs.values()])
    except Hang as e:
        fail("%s: %d %s pipelined: %s" % (service, len(reqs), verb, e))
    seen = set()
    for out in outs:
        rid = msgpack.unpackb(out[-1], raw=False, strict_map_key=False).get("rid")
        if rid not in reqs or rid in seen:
            defect("%s: %s pipelined: a reply with rid %r" % (service, verb, rid))
            continue
        seen.add(rid)
        r = fz.check(service, out, "%s pipelined" % verb, rid, verb, b"",
                     shared_cmd=reqs[rid].get("cmd") == shared)
        if r["ok"] and command and "cmd" in r:
            fz.ack(service, verb, reqs[rid], r)
        if r["ok"] and command and r.get("events") and verb in USES:
            w.used(USES[verb])
        fz.note(service, verb, "burst " + ("ok" if r["ok"] else r["code"]))


def fields_of(fz, service, verb, base):
    """The keys a request of verb may carry: its documented fields, those of
    its valid request, and a command's id."""
    kind, fields, _ = fz.verbs[service][verb]
    return sorted(set(fields) | set(base) | ({"id"} if kind == "command" else set()))


def one_request(fz, w, service, verb, field=None):
    """Send one request of verb, built from its valid one (§ module doc):
    with `field`, that field made hostile."""
    rnd = fz.rnd
    base = BASES[verb](w, rnd)
    command = fz.is_command(service, verb)
    keys = fields_of(fz, service, verb, base)
    words = fz.plausible(service, verb, w)
    req, cmd_id, how = dict(base), None, "valid"
    x = 0.5 if field else rnd.random()
    if x < 0.06:
        pass
    elif x < 0.76 or (x < 0.84 and not command):
        n = 1 if x < 0.68 else rnd.randint(2, 3)
        for f in [field] if field else rnd.sample(keys, min(n, len(keys))):
            v = base.get(f)
            if isinstance(v, list) and v and isinstance(v[0], dict) and rnd.random() < 0.5:
                req[f] = mutate_nested(rnd, v, verb)
            else:
                req[f] = hostile(rnd, f, verb, v, words)
        how = "hostile"
    elif x < 0.84:
        f = rnd.choice(ENVELOPE)
        v = hostile(rnd, f, verb)
        if f == "after_seq" and isinstance(v, int) and not isinstance(v, bool) and v > 1:
            v = fz.last_seq  # waiting out a position never reached: once, at the end
        req[f] = v
        how = "envelope"
    elif x < 0.88:
        if base:
            del req[rnd.choice(sorted(base))]
        how = "missing"
    elif x < 0.92:
        req[rnd.choice(UNKNOWN_KEYS)] = hostile(rnd, "zz", verb)
        how = "unknown key"
    elif x < 0.95 and command:
        cmd_id = fz.last_cmd.get(service)
        if cmd_id:
            k = rnd.choice(keys)
            req[k] = hostile(rnd, k, verb, base.get(k), words)
        how = "cmd reused"
    elif x < 0.96:
        return burst(fz, w, service, verb)
    elif x < 0.98:
        fz.rid += 1
        body = envelope_variants(rnd, verb)
        fz.note(service, verb, "envelope")
        r = fz.send_map(service, body.get("op") if isinstance(body.get("op"), str) else verb,
                        body, "%s with %s" % (verb, short({k: body[k] for k in body
                                                           if k != "op"}, 80)))
        return
    else:
        if rnd.random() < 0.2:  # a multi-frame envelope comes back as it was sent
            frames = [b"hop", b"\x00\xff", pack({"v": 1, "rid": 7, "op": "PING"})]
            fz.request(service, frames[-1], "PING in 3 frames", frames=frames)
        else:
            fz.request(service, raw_bodies(rnd, verb, base), "%s raw" % verb, verb=verb)
        fz.note(service, verb, "raw")
        return
    cid = cmd_id or uuid.uuid4().bytes
    if command:
        fz.last_cmd[service] = cid
    what = "%s (%s: %s)" % (verb, how, short({k: req[k] for k in req if req.get(k) != base.get(k)
                                              or k not in base}, 160))
    fz.rid += 1
    full = {"v": 1, "rid": fz.rid, "op": verb}
    if command:
        full.update(cmd=cid, actor="zhao")
    full.update(req)
    prior = fz.acks.get((service, cid)) if cmd_id else None
    r = fz.send_map(service, verb, full, what)
    if r is None:
        return
    if prior and r["ok"] and not r.get("duplicate"):
        defect("%s: a reused command id appended again: %s" % (what, short(r)))
    if r["ok"] and command and not r.get("duplicate") and has_nul(
            {k: v for k, v in req.items() if (service, k) not in IGNORED}):
        defect("%s: accepted a text with a NUL: %s" % (what, short(r)))
    if r["ok"] and command and r.get("events") and verb in USES:
        w.used(USES[verb])
    fz.note(service, verb, "ok" if r["ok"] else r["code"])


# ---- the end: the log, REBUILD, the processes' stderr ------------------------

def log_records(fz):
    log = dealbook.Client(fz.svc.endpoint("eventlog"), timeout_ms=REPLY_TIMEOUT_MS)
    try:
        recs = list(log.read_all(limit=2000))
        v = log.verify(timeout_ms=60000)
    finally:
        log.close()
    if not v.get("valid"):
        fail("the log's VERIFY: %r" % v)
    dealbook.verify_chain(recs, first_seq=1)
    return recs


def check_acks(fz, recs):
    """Every acknowledged command's events are in the log, with its id as cause."""
    by_seq = {r["seq"]: r for r in recs}
    for (service, cid), (first, last, n) in fz.acks.items():
        for s in range(first, last + 1):
            r = by_seq.get(s)
            if r is None or r["cause"] != cid or not r["stream"].startswith(CATEGORIES[service]):
                fail("%s's acknowledged command %s: seq %d is %s" % (service, cid.hex(), s,
                                                                    short(r and dict(r))))


def snapshot(fz, service, recs):
    """The answers of the service's lists and of a GET per aggregate of the log."""
    head = recs[-1]["seq"]
    streams = {}
    for r in recs:
        cat, _, ident = r["stream"].partition("-")
        streams.setdefault(cat, set()).add(ident)

    def q(op, **kw):
        r = fz.call(service, op, after_seq=head, **kw)
        return {k: v for k, v in r.items() if k not in ("v", "rid")}

    def each(op, cat, key="id", **kw):
        return {i: q(op, **{key: i}, **kw) for i in sorted(streams.get(cat, ()))}

    out = {}
    if service == "contacts":
        out["accounts"] = q("ACCOUNT_LIST", limit=500)
        out["account"] = each("ACCOUNT_GET", "account")
        out["people"] = each("ACCOUNT_PEOPLE", "account")
        out["activities"] = each("ACTIVITY_LIST", "account", key="account_id", limit=500)
        out["contacts"] = q("CONTACT_LIST", limit=500)
        out["contact"] = each("CONTACT_GET", "contact")
        out["map"] = each("RELATIONSHIP_MAP", "contact", key="contact_id")
        out["competitors"] = q("COMPETITOR_LIST", limit=500)
        out["competitor"] = each("COMPETITOR_GET", "competitor")
        out["untouched"] = q("NOTEBOOK_UNTOUCHED", days=0, limit=500)
        out["birthdays"] = q("NOTEBOOK_BIRTHDAYS", days=366)
        out["city"] = q("NOTEBOOK_CITY", city="Shanghai", **{"from": "0001-01-01",
                                                               "to": "9999-12-31"})
    elif service == "opportunities":
        out["list"] = q("OPP_LIST", status="all", limit=500)
        out["get"] = each("OPP_GET", "opportunity")
        out["conflicts"] = q("OPP_CONFLICTS", limit=500)
        out["attention"] = q("OPP_ATTENTION", limit=500)
    elif service == "bidding":
        out["tenders"] = q("TENDER_LIST", limit=500)
        out["tender"] = each("TENDER_GET", "tender")
        out["quote"] = each("QUOTE_GET", "quote")
        out["contract"] = each("CONTRACT_GET", "contract")
        out["deadlines"] = q("TENDER_DEADLINES", days=366)
        out["pending"] = [q("QUOTES_PENDING", level=x) for x in ("salesperson", "manager",
                                                                  "director")]
        out["receivables"] = q("RECEIVABLES")
        out["intel"] = q("PRICE_INTEL", competitor="Philips")
        out["win_rate"] = q("WIN_RATE")
    else:
        year = str(int(time.strftime("%Y", time.gmtime())) + 1)
        out["funnel"] = q("FUNNEL")
        out["forecast"] = q("FORECAST", period=year)
        out["accuracy"] = q("ACCURACY", owner="zhao", period=year, periods=3)
        out["progress"] = q("PROGRESS")
        out["health"] = q("HEALTH")
        out["winloss"] = [q("WINLOSS", by=b) for b in ("reason", "competitor", "region",
                                                        "tender_type")]
        out["changes"] = q("CHANGES", to="9999-12-31", **{"from": "0001-01-01"})
        out["quota"] = q("QUOTA_GET", scope="owner", who="zhao", period=year)
        out["submitted"] = q("FORECAST_GET", owner="zhao", period=year)
    st = fz.call(service, "STATUS")
    if st.get("model_error") is not None or st.get("seq_applied", 0) < head:
        fail("%s: STATUS after the run: %s" % (service, short(st, 600)))
    return out


def first_difference(a, b, path=""):
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b), key=str):
            if not same(a.get(k), b.get(k)):
                return first_difference(a.get(k), b.get(k), "%s.%s" % (path, k))
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            if not same(x, y):
                return first_difference(x, y, "%s[%d]" % (path, i))
    return "%s: %s != %s" % (path or "answer", short(a), short(b))


def rebuild_same(fz, service, recs):
    day = time.strftime("%Y-%m-%d", time.gmtime())
    before = snapshot(fz, service, recs)
    fz.rid += 1
    body = pack({"v": 1, "rid": fz.rid, "op": "REBUILD"})
    try:
        out = fz.wires[service].send([body], timeout_ms=120000)
    except Hang as e:
        fail("%s: REBUILD: %s" % (service, e))
    r = msgpack.unpackb(out[-1], raw=False, strict_map_key=False)
    if not r.get("ok"):
        fail("%s: REBUILD: %s" % (service, short(r)))
    after = snapshot(fz, service, recs)
    if day != time.strftime("%Y-%m-%d", time.gmtime()):
        print("%s: the day changed during the REBUILD: answers not compared" % service)
    elif not same(before, after):
        defect("%s: after REBUILD the answers differ at %s" % (service,
                                                              first_difference(before, after)))


def wait_beyond(fz):
    """A position the log never reached: each service waits 2 x its timeout,
    then answers UNREACHABLE (after_seq); sent to all four at once. One far
    beyond the log's head (more than DBK_SVC_AFTER_AHEAD, 1000000) is
    INVALID (after_seq) at once."""
    for after, code in ((fz.last_seq + 100000, "UNREACHABLE"), (2**63 - 1, "INVALID")):
        for n in DOMAIN:
            query = next(v for v, (k, _, _) in sorted(fz.verbs[n].items()) if k == "query")
            fz.wires[n].sock.send(pack({"v": 1, "rid": 1, "op": query, "after_seq": after}))
        for n in DOMAIN:
            if not fz.wires[n].sock.poll(REPLY_TIMEOUT_MS, zmq.POLLIN):
                fail("%s: no answer to an after_seq never reached" % n)
            r = msgpack.unpackb(fz.wires[n].sock.recv(), raw=False)
            if (r.get("code"), r.get("field")) != (code, "after_seq"):
                fail("%s: after_seq %d never reached: %s" % (n, after, short(r)))


def regressions(fz):
    """The defects this test found, each once, by name."""
    cases = [
        # an id holding a NUL named the aggregate before it (a3, o1, q...)
        ("contacts", "ACCOUNT_UPDATE", dict(id="a3\x00junk", city="Xi'an"), "INVALID", "id"),
        ("opportunities", "OPP_NEXT_STEP", dict(id="o1\x00x", next_step="x"), "INVALID", "id"),
        ("bidding", "QUOTE_CREATE", dict(id="fq\x00x", tender_id="t2", currency="CNY"),
         "INVALID", "id"),
        ("contacts", "CONTACT_GET", dict(id="\x00"), "INVALID", "id"),  # was STORAGE
        ("contacts", "ACCOUNT_GET", dict(id="a 1"), "INVALID", "id"),
        # "\0" was trimmed away as a blank: an empty value, a clear
        ("contacts", "ACCOUNT_UPDATE", dict(id="a3", city="\x00"), "INVALID", "city"),
        ("opportunities", "OPP_NEXT_STEP", dict(id="o1", next_step="x", due="\x00"),
         "INVALID", "due"),
        # a cursor that is not hex digits shifted -1 (UBSan stopped the service)
        ("contacts", "CONTACT_LIST", {"after": "2026-02-29"}, "INVALID", "after"),
        ("opportunities", "OPP_CONFLICTS", {"after": "t1"}, "INVALID", "after"),
        # an unknown key came back cut inside a character, or without a name
        ("contacts", "CONTACT_MOVE", {"id": "c4", "account_id": "a3", "名" * 30: 1}, "INVALID",
         "名" * 21),
        ("bidding", "TENDER_STEP", {"id": "t2", "step": "x", "\x00": 1}, "INVALID", "\\u0000"),
    ]
    for service, op, kw, code, field in cases:
        r = fz.call(service, op, **kw)
        if r["ok"] or r["code"] != code or (field and r.get("field") != field):
            defect("%s %s %s: wanted %s (%s), got %s" % (service, op, short(kw, 80), code, field,
                                                        short(r)))


def keys_not_text(fz):
    """A key that is not text (protocol.md §4.1): a command refuses it
    without a field, which could not name it; a query and the event log
    ignore it."""
    commands = {"contacts": "ACCOUNT_REGISTER", "opportunities": "OPP_REGISTER",
                "bidding": "TENDER_OPEN", "forecasting": "QUOTA_SET"}
    queries = {"contacts": "ACCOUNT_LIST", "opportunities": "OPP_LIST",
               "bidding": "TENDER_LIST", "forecasting": "FUNNEL"}
    for service, op in commands.items():
        for key in (5, b"name"):
            body = {"v": 1, "rid": 1, "op": op, "cmd": uuid.uuid4().bytes, "actor": "zhao",
                    key: 1}
            r = msgpack.unpackb(fz.wires[service].send([pack(body)])[-1], raw=False)
            if (r.get("code"), r.get("msg"), "field" in r) != \
                    ("INVALID", "field names must be text", False):
                defect("%s %s with the key %r: %s" % (service, op, key, short(r)))
    for service, op in list(queries.items()) + [("eventlog", "PING")]:
        r = msgpack.unpackb(fz.wires[service].send([pack({"v": 1, "rid": 2, "op": op, 5: 1})])[-1],
                            raw=False)
        if r.get("ok") is not True:
            defect("%s %s with the key 5: %s" % (service, op, short(r)))


def op_not_text(fz):
    """An op missing, or there but not a str, is INVALID (field op) with a
    message that tells the two apart, from the log and every service (both
    said "the request has no op" of an int or a bin op)."""
    for service in NAMES:
        for op, msg in ((None, "the request has no op"), (7, "op must be text"),
                        (b"PING", "op must be text")):
            body = {"v": 1, "rid": 3}
            if op is not None:
                body["op"] = op
            r = msgpack.unpackb(fz.wires[service].send([pack(body)])[-1], raw=False)
            if (r.get("code"), r.get("field")) != ("INVALID", "op") or \
                    not r.get("msg", "").startswith(msg):
                defect("%s: the op %r: %s" % (service, op, short(r)))


SANITIZERS = ("runtime error", "AddressSanitizer", "LeakSanitizer", "Assertion", "assertion")


def main():
    if missing(NAMES):
        return 77
    codes, verbs = read_spec()
    n_verbs = sum(len(v) for v in verbs.values())
    lacking = sorted(v for s in DOMAIN for v in verbs[s] if v not in BASES)
    if lacking or any(not verbs[s] for s in DOMAIN):
        fail("verbs of docs/protocol.md §16 without a valid request here: %s" % lacking)
    print("seed %d, %d verbs, %d requests per verb and %d per field, %d codes"
          % (SEED, n_verbs, ROUNDS, FIELD_VALUES, len(codes)))
    env = dict(DEALBOOK_MANAGERS="mgr", DEALBOOK_DIRECTORS="dir", DEALBOOK_DURABLE="0",
               DEALBOOK_TIMEOUT_MS=str(SVC_TIMEOUT_MS),
               ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "detect_leaks=0:abort_on_error=1"),
               UBSAN_OPTIONS=os.environ.get("UBSAN_OPTIONS",
                                            "print_stacktrace=1:halt_on_error=1"))
    svc = Services(NAMES, prefix="dbk-fuzz-", errlog=False, **env)
    errs, passed, t0 = [], False, time.monotonic()
    try:
        for n in NAMES:  # each process's stderr in a file of its own
            errs.append(open(os.path.join(svc.dir, n + ".err"), "w"))
            svc.procs[n] = subprocess.Popen([os.path.join(BIN, "dealbook-" + n)],
                                            env=svc.env, stderr=errs[-1])
        fz = Fuzz(svc, codes, verbs)
        for n in NAMES:
            for _ in range(200):
                try:
                    fz.wires[n].send([pack({"v": 1, "op": "PING"})], timeout_ms=200)
                    break
                except Hang:
                    time.sleep(0.05)
            else:
                fail("%s did not answer" % n)
        w = World(fz)
        seed(fz, w)
        regressions(fz)
        keys_not_text(fz)
        op_not_text(fz)
        # every field of every verb made hostile FIELD_VALUES times, then
        # ROUNDS requests of each verb of any kind, all in a shuffled order
        plan = [(s, v, f) for s in DOMAIN for v in sorted(verbs[s])
                for f in fields_of(fz, s, v, BASES[v](w, random.Random(0)))] * FIELD_VALUES
        plan += [(s, v, None) for s in DOMAIN for v in sorted(verbs[s])] * ROUNDS
        fz.rnd.shuffle(plan)
        for i, (s, v, f) in enumerate(plan):
            one_request(fz, w, s, v, f)
            if i % 100 == 99:
                fz.alive()
        fz.alive()
        wait_beyond(fz)
        recs = log_records(fz)
        check_acks(fz, recs)
        for s in DOMAIN:
            rebuild_same(fz, s, recs)
        fz.alive()
        tally = {}
        for t in fz.tally.values():
            for k, v in t.items():
                tally[k] = tally.get(k, 0) + v
        print("%d requests, %d acknowledged commands, %d events; outcomes %s"
              % (fz.sent, len(fz.acks), len(recs), sorted(tally.items())))
        passed = not DEFECTS
        if DEFECTS:
            print("FAIL: %d defects" % len(DEFECTS))
    finally:
        svc.close(remove=False)
        for f in errs:
            f.close()
        for n in NAMES:
            with open(os.path.join(svc.dir, n + ".err"), errors="replace") as f:
                text = f.read()
            hit = next((s for s in SANITIZERS if s in text), None)
            if hit:
                i = text.index(hit)
                print("FAIL: %s's stderr: %s" % (n, text[max(0, i - 200):i + 2000]))
                passed = False
        if passed:
            shutil.rmtree(svc.dir, ignore_errors=True)
        else:
            print("kept %s" % svc.dir)
    print("%.1f s" % (time.monotonic() - t0))
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
