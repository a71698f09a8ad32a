"""dealbook.py - a small client of the dealbook event log, written from
docs/protocol.md (wire protocol version 1) alone.

Needs only pyzmq and msgpack (Debian: python3-zmq, python3-msgpack); the
records and the chain (decode_record, verify_chain) need msgpack alone, so
that a file can be checked where pyzmq is not installed.

    import dealbook
    c = dealbook.Client("tcp://127.0.0.1:7710")
    ev = dealbook.new_event("account.registered", {"name": "ACME"}, actor="svc:demo")
    pos = c.append("account-acme", [ev], expect="none")
    page = c.read(from_seq=1)
    dealbook.verify_chain(page.records)
    for rec in dealbook.Subscriber("tcp://127.0.0.1:7710", "tcp://127.0.0.1:7711"):
        print(rec["seq"], rec["type"])

Everything here follows the spec's section numbers (§) so that a reader can
check one against the other.
"""

import hashlib
import itertools
import os
import time
import uuid

import msgpack

try:
    import zmq
except ImportError:  # only Client and Subscriber need it (_need_zmq)
    zmq = None

PROTOCOL_VERSION = 1
DEFAULT_LOG_ENDPOINT = "tcp://127.0.0.1:7710"
DEFAULT_PUB_ENDPOINT = "tcp://127.0.0.1:7711"
HEARTBEAT_TOPIC = b"$heartbeat"

# §7.1: the 14 keys of a record, in their fixed order.
RECORD_KEYS = (
    "seq", "id", "stream", "ver", "type", "ts", "at",
    "actor", "corr", "cause", "schema", "data", "prev", "hash",
)
HASH_SIZE = 32
ZERO_HASH = bytes(HASH_SIZE)
# §8: the last two pairs of a record: a4 "prev" c4 20 <32> a4 "hash" c4 20 <32>
_TAIL_PREV = b"\xa4prev\xc4\x20"
_TAIL_HASH = b"\xa4hash\xc4\x20"
_TAIL_LEN = 2 * (len(_TAIL_PREV) + HASH_SIZE)  # 78


def log_endpoint():
    """The log's ROUTER endpoint: $DEALBOOK_LOG_ENDPOINT or the default."""
    return os.environ.get("DEALBOOK_LOG_ENDPOINT") or DEFAULT_LOG_ENDPOINT


def pub_endpoint():
    """The log's PUB endpoint: $DEALBOOK_PUB_ENDPOINT or the default."""
    return os.environ.get("DEALBOOK_PUB_ENDPOINT") or DEFAULT_PUB_ENDPOINT


def _need_zmq(what):
    if zmq is None:
        raise ImportError("dealbook.%s needs pyzmq (Debian: python3-zmq)" % what)


class DealbookError(Exception):
    """An ERROR reply (§5), or UNREACHABLE when no answer came in time.

    code is the stable wire name (e.g. "WRONG_EXPECTED_VERSION"), msg the
    human sentence, field the offending argument (or None), reply the whole
    reply map (details such as "current" live there)."""

    def __init__(self, code, msg, field=None, reply=None):
        super().__init__("%s: %s%s" % (code, msg, " (field %s)" % field if field else ""))
        self.code = code
        self.msg = msg
        self.field = field
        self.reply = reply or {}

    @property
    def current(self):
        """WRONG_EXPECTED_VERSION: the stream's current version."""
        return self.reply.get("current")


class ChainError(Exception):
    """verify_chain: record `seq` breaks the hash chain (why says how)."""

    def __init__(self, seq, why):
        super().__init__("hash chain broken at seq %s: %s" % (seq, why))
        self.seq = seq
        self.why = why


# ---- ids and events -------------------------------------------------------

def uuid7():
    """A new UUIDv7 as 16 bytes: unix ms in the top 48 bits, random below."""
    ms = time.time_ns() // 1_000_000
    b = bytearray(ms.to_bytes(6, "big") + os.urandom(10))
    b[6] = 0x70 | (b[6] & 0x0F)  # version 7
    b[8] = 0x80 | (b[8] & 0x3F)  # variant 10
    return bytes(b)


def uuid_str(b):
    """16 bytes -> the canonical 36-character form (None stays None)."""
    return None if b is None else str(uuid.UUID(bytes=bytes(b)))


def new_event(type, data=None, actor="svc:python-example", id=None, at=None,
              corr=None, cause=None, schema=None):
    """A proposed event for APPEND (§9.1): only the keys the producer sets.

    id defaults to a fresh UUIDv7 (keep it to retry idempotently); at
    (unix ms) defaults, on the log's side, to the recorded time; corr and
    cause are 16-byte ids or None; schema defaults to 1 on the log's side."""
    ev = {"id": id if id is not None else uuid7(), "type": type, "actor": actor,
          "data": data if data is not None else {}}
    if at is not None:
        ev["at"] = at
    if corr is not None:
        ev["corr"] = corr
    if cause is not None:
        ev["cause"] = cause
    if schema is not None:
        ev["schema"] = schema
    return ev


class Record(dict):
    """A decoded record (§7.1): a dict of the 14 keys, plus .raw, the exact
    bytes the log stored (what the hash covers)."""

    raw = b""


def decode_record(raw):
    """Decode one record's bytes strictly: a map of exactly the 14 keys in
    their order. Raises ValueError otherwise."""
    raw = bytes(raw)
    obj = msgpack.unpackb(raw, raw=False, strict_map_key=False)
    if not isinstance(obj, dict) or tuple(obj.keys()) != RECORD_KEYS:
        raise ValueError("not a dealbook record (keys %r)" % (
            list(obj.keys()) if isinstance(obj, dict) else type(obj).__name__))
    rec = Record(obj)
    rec.raw = raw
    return rec


def record_hash(raw, prev):
    """§8: BLAKE2b-256(prev || 0x8c || raw[1 : len(raw) - 78])."""
    return hashlib.blake2b(bytes(prev) + b"\x8c" + raw[1:len(raw) - _TAIL_LEN],
                           digest_size=HASH_SIZE).digest()


def chain_fault(rec, prev):
    """Why Record rec does not follow a record whose hash is prev on the
    chain (§8.2), or None when it does."""
    raw = rec.raw
    if (len(raw) <= _TAIL_LEN or raw[0] != 0x8E
            or raw[-_TAIL_LEN:-_TAIL_LEN + 7] != _TAIL_PREV
            or raw[-HASH_SIZE - 7:-HASH_SIZE] != _TAIL_HASH):
        return "record does not end with prev and hash"
    if rec["prev"] != bytes(prev):
        return "prev is not the previous record's hash"
    if record_hash(raw, prev) != rec["hash"]:
        return "hash does not match the record's bytes"
    return None


def verify_chain(records, prev=ZERO_HASH, first_seq=None):
    """Recompute the hash chain over consecutive records (§8).

    records: raw record bytes or Records, in seq order, with no gap. prev is
    the hash of the record before the first one (32 zero bytes when the
    first is seq 1). first_seq, if given, is the seq the first record must
    have. Returns the hash of the last record (to continue with the next
    page); raises ChainError at the first record that does not check out."""
    expect_seq = first_seq
    for item in records:
        raw = item.raw if isinstance(item, Record) else bytes(item)
        try:
            rec = item if isinstance(item, Record) else decode_record(raw)
        except (ValueError, TypeError, msgpack.ExtraData, msgpack.FormatError,
                msgpack.StackError) as e:  # TypeError: a map key msgpack cannot hash
            raise ChainError(expect_seq, "record does not decode: %s" % e)
        seq = rec["seq"]
        if expect_seq is not None and seq != expect_seq:
            raise ChainError(seq, "expected seq %d (a gap or a reordering)" % expect_seq)
        if seq == 1 and bytes(prev) != ZERO_HASH:
            raise ChainError(seq, "seq 1 must chain from 32 zero bytes")
        why = chain_fault(rec, prev)
        if why:
            raise ChainError(seq, why)
        prev = rec["hash"]
        expect_seq = seq + 1
    return bytes(prev)


# ---- request / reply ------------------------------------------------------

class Page:
    """One READ reply (§9.2): head, last, and the records of the page."""

    def __init__(self, reply):
        self.head = reply["head"]
        self.last = reply["last"]
        self.records = [decode_record(b) for b in reply["events"]]
        self.reply = reply

    def __len__(self):
        return len(self.records)

    def __iter__(self):
        return iter(self.records)


def _unmatched(reply):
    """A MALFORMED or TOO_LARGE reply the server could not give a rid (its
    body could not be read, §4.3): with one request outstanding on the
    socket, it is that request's answer."""
    return (reply.get("rid") is None and reply.get("ok") is False
            and reply.get("code") in ("MALFORMED", "TOO_LARGE"))


class Client:
    """One DEALER connected to a dealbook ROUTER (§2). Not thread-safe.

    call() sends one request and waits for the reply that carries the same
    rid (§4.4), or for a MALFORMED or TOO_LARGE reply without one (§4.3);
    replies to earlier requests that timed out are dropped. On timeout the
    socket is closed and a fresh one connected, so a request stuck in the
    queue of an unreachable server is discarded, and no answer to an older
    request reaches a later one."""

    def __init__(self, endpoint=None, timeout_ms=5000, ctx=None):
        _need_zmq("Client")
        self.endpoint = endpoint or log_endpoint()
        self.timeout_ms = timeout_ms
        self.ctx = ctx or zmq.Context.instance()
        self._rids = itertools.count(1)
        self.sock = None
        self._connect()

    def _connect(self):
        if self.sock is not None:
            self.sock.close(linger=0)
        self.sock = self.ctx.socket(zmq.DEALER)
        self.sock.setsockopt(zmq.LINGER, 0)
        self.sock.connect(self.endpoint)

    def close(self):
        if self.sock is not None:
            self.sock.close(linger=0)
            self.sock = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _recv_reply(self, deadline, rid):
        while True:
            left = int((deadline - time.monotonic()) * 1000)
            if left <= 0 or not self.sock.poll(left, zmq.POLLIN):
                self._connect()
                raise DealbookError("UNREACHABLE", "no answer from %s in %d ms"
                                    % (self.endpoint, self.timeout_ms))
            frames = self.sock.recv_multipart()
            try:
                reply = msgpack.unpackb(frames[-1], raw=False, strict_map_key=False)
            except Exception:
                continue  # not a reply: ignore it
            if not isinstance(reply, dict) or "ok" not in reply:
                continue
            if rid is not None and reply.get("rid") != rid and not _unmatched(reply):
                continue  # a late answer to an earlier request
            return reply

    def call_raw(self, body, timeout_ms=None):
        """Send `body` (bytes, sent as is as the last frame) and return the
        next reply map, whatever its rid. For tests of malformed input."""
        self.sock.send(body)
        deadline = time.monotonic() + (timeout_ms or self.timeout_ms) / 1000.0
        return self._recv_reply(deadline, None)

    def call(self, op, timeout_ms=None, **args):
        """Send {v, rid, op, **args}; return the OK reply map or raise
        DealbookError (an ERROR reply, or UNREACHABLE)."""
        rid = next(self._rids)
        req = {"v": PROTOCOL_VERSION, "rid": rid, "op": op}
        req.update(args)
        self.sock.send(msgpack.packb(req, use_bin_type=True))
        deadline = time.monotonic() + (timeout_ms or self.timeout_ms) / 1000.0
        reply = self._recv_reply(deadline, rid)
        if reply.get("ok") is not True:
            raise DealbookError(reply.get("code", "STORAGE"), reply.get("msg", ""),
                                reply.get("field"), reply)
        return reply

    # ---- verbs (§9) ----

    def append(self, stream, events, expect="any"):
        """APPEND events to one stream. expect: "any", "none", "exists" or
        an exact version (0 = the stream must not exist). Returns the
        stream's result {stream, first_seq, last_seq, first_ver, last_ver,
        duplicate} plus the reply's head."""
        reply = self.append_many([(stream, expect, events)])
        result = dict(reply["results"][0])
        result["head"] = reply["head"]
        return result

    def append_many(self, batches):
        """APPEND to several streams atomically: batches is a list of
        (stream, expect, events). Returns the whole reply."""
        streams = [{"stream": s, "expect": e, "events": list(evs)} for s, e, evs in batches]
        return self.call("APPEND", streams=streams)

    def read(self, from_seq=1, stream=None, type_prefix=None, limit=None, max_scan=None):
        """One READ page: by seq from from_seq (optionally filtered by type
        prefix), or by stream from version from_seq. Returns a Page."""
        args = {"from": from_seq}
        if stream is not None:
            args["stream"] = stream
        if type_prefix is not None:
            args["type"] = type_prefix
        if limit is not None:
            args["limit"] = limit
        if max_scan is not None:
            args["max_scan"] = max_scan
        return Page(self.call("READ", **args))

    def read_all(self, from_seq=1, type_prefix=None, limit=None, max_scan=None):
        """Every record by seq from from_seq up to the head of the first
        page, paging as §9.2.3 says (a filtered reader continues from last
        + 1, even when a page matched nothing). Yields Records."""
        head = None
        while True:
            page = self.read(from_seq, type_prefix=type_prefix, limit=limit,
                             max_scan=max_scan)
            head = page.head if head is None else head
            for rec in page:
                if rec["seq"] <= head:
                    yield rec
            if page.last == 0 or page.last >= head:
                return
            from_seq = page.last + 1

    def read_stream(self, stream, from_ver=1, limit=None):
        """Every record of one stream from version from_ver. Yields Records."""
        while True:
            page = self.read(from_ver, stream=stream, limit=limit)
            yield from page
            if len(page) == 0:  # a short page may be cut by bytes: only empty ends
                return
            from_ver = page.records[-1]["ver"] + 1

    def status(self):
        return self.call("STATUS")

    def ping(self):
        return self.call("PING")

    def verify(self, timeout_ms=None):
        """Ask the log to recompute its whole chain (§9.4)."""
        return self.call("VERIFY", timeout_ms=timeout_ms)


# ---- subscribing (§11) ----------------------------------------------------

class Subscriber:
    """Catch-up + live subscriber (§11): READ from a checkpoint, then the
    PUB stream; duplicates dropped by seq, gaps repaired with READ.
    Iterating yields Records strictly in seq order, each once.

    pos is the checkpoint: every seq <= pos has been examined (and handed
    out if it matched). With type_prefix="" every event is handed out; with
    a prefix, the SUB socket subscribes to that prefix (and to heartbeats)
    and gaps can no longer be seen in the live seqs alone, so the
    subscriber relies on the heartbeat head and filtered READ (§11.3).

    Without a prefix every record is checked against the hash chain before
    it is handed out (§11.4): prev_hash is the hash of record `after` when
    the caller kept it with its checkpoint (None: the first READ takes it
    from the log, starting at `after` rather than after + 1). A PUB copy
    that fails is dropped and the record read again; a record of the log
    that fails, or a record `after` whose hash is not prev_hash (another
    copy of the log), raises ChainError, after every good record before it
    was handed out. .prev_hash is the hash of record pos, to keep with pos.

    idle_timeout (seconds): stop iterating after that long without an
    event (None: never stop). on_caught_up(subscriber) is called once, the
    first time caught_up() holds. Counters: delivered, from_pub, duplicates,
    gaps, reads, heartbeats, bad_pub (PUB copies that failed the check);
    head is the highest head seen."""

    def __init__(self, log_endpoint_=None, pub_endpoint_=None, after=0, type_prefix="",
                 page=1000, idle_timeout=None, timeout_ms=5000, rcvhwm=None, ctx=None,
                 on_caught_up=None, prev_hash=None):
        _need_zmq("Subscriber")
        self.ctx = ctx or zmq.Context.instance()
        self.prefix = type_prefix or ""
        self.page = page
        self.idle_timeout = idle_timeout
        self.pos = after
        self.head = after
        self.need_read = True
        self.on_caught_up = on_caught_up
        self._announced = False
        self.delivered = self.from_pub = self.duplicates = 0
        self.gaps = self.reads = self.heartbeats = self.bad_pub = 0
        # the chain (§11.4): the hash of record pos, and whether record pos
        # must be read again first (unknown hash, or the log went back)
        self.check = not self.prefix
        self.prev_hash = ZERO_HASH if after == 0 else prev_hash
        self.recheck = self.check and after > 0
        # subscribe before the first READ: nothing committed after that
        # READ's snapshot can then slip between the two (§11.2)
        self.sub = self.ctx.socket(zmq.SUB)
        self.sub.setsockopt(zmq.LINGER, 0)
        if rcvhwm is not None:
            self.sub.setsockopt(zmq.RCVHWM, rcvhwm)
        self.sub.setsockopt(zmq.SUBSCRIBE, self.prefix.encode())
        if self.prefix:
            self.sub.setsockopt(zmq.SUBSCRIBE, HEARTBEAT_TOPIC)
        self.sub.connect(pub_endpoint_ or pub_endpoint())
        self.client = Client(log_endpoint_ or log_endpoint(), timeout_ms, self.ctx)

    def close(self):
        self.sub.close(linger=0)
        self.client.close()

    def stats(self):
        return {k: getattr(self, k) for k in
                ("pos", "head", "delivered", "from_pub", "duplicates", "gaps", "reads",
                 "heartbeats", "bad_pub")}

    def caught_up(self):
        """True once nothing is known to be missing and a heartbeat came
        (so the SUB connection is live)."""
        return not self.need_read and self.heartbeats > 0 and self.head <= self.pos

    def _read(self):
        """One READ page from pos + 1 (from pos when record pos must be
        checked first). Returns (records to hand out, the last seq
        examined)."""
        self.reads += 1
        start = self.pos if self.recheck else self.pos + 1
        while True:
            try:
                page = self.client.read(start, type_prefix=self.prefix or None,
                                        limit=self.page)
                break
            except DealbookError as e:
                if e.code != "UNREACHABLE":
                    raise
                time.sleep(0.1)  # the log restarts: try again
        if self.recheck:
            if not page.records or page.records[0]["seq"] != self.pos:
                # the log is behind pos (restored from an older copy, or it
                # lost what it had not flushed): wait until it holds pos
                self.head = page.head
                self.need_read = False
                return [], self.pos
            anchor = page.records[0]
            if self.prev_hash is None:
                self.prev_hash = anchor["hash"]
            elif anchor["hash"] != self.prev_hash:
                raise ChainError(self.pos, "the log's record is not the one handed out: "
                                 "the log is another copy")
            self.recheck = False
        self.head = max(self.head, page.head)
        out = [r for r in page if r["seq"] > self.pos]
        if not self.prefix:
            # an unfiltered page is contiguous from pos + 1 (seqs have no gaps)
            for i, r in enumerate(out):
                if r["seq"] != self.pos + 1 + i:
                    raise ChainError(r["seq"], "READ page is not contiguous from %d"
                                     % (self.pos + 1))
        # nothing examined (last 0) means nothing at or after pos + 1 in
        # this snapshot: caught up; otherwise more to read while last < head
        self.need_read = page.last != 0 and page.last < page.head
        # pos advances to the last seq examined: for a filtered read that
        # may be past the last match (section 9.2.3)
        return out, max(self.pos, page.last)

    def __iter__(self):
        return self.events()

    def events(self):
        idle_deadline = None
        if self.idle_timeout is not None:
            idle_deadline = time.monotonic() + self.idle_timeout
        while True:
            if self.need_read:
                out, last = self._read()
                for rec in out:
                    why = self.check and chain_fault(rec, self.prev_hash)
                    if why:
                        raise ChainError(rec["seq"], "fails its hash check: " + why)
                    if self.check:
                        self.prev_hash = rec["hash"]
                    self.pos = rec["seq"]
                    self.delivered += 1
                    yield rec
                self.pos = last
                if out and idle_deadline is not None:
                    idle_deadline = time.monotonic() + self.idle_timeout
                if out or self.need_read:
                    continue
            if not self._announced and self.caught_up():
                self._announced = True
                if self.on_caught_up:
                    self.on_caught_up(self)
            if idle_deadline is None:
                wait = 1000
            else:
                wait = int((idle_deadline - time.monotonic()) * 1000)
                if wait <= 0:
                    return
            if not self.sub.poll(min(wait, 1000), zmq.POLLIN):
                continue
            frames = self.sub.recv_multipart()
            if len(frames) != 2:
                continue  # not a dealbook PUB message: ignore
            topic, body = frames
            if topic == HEARTBEAT_TOPIC:
                try:
                    hb = msgpack.unpackb(body, raw=False)
                    head = hb["head"]
                except Exception:
                    continue
                self.heartbeats += 1
                if self.check and head < self.head:
                    # the log went back in time: check record pos again
                    self.recheck = self.pos > 0
                    self.head = head
                self.head = max(self.head, head)
                if head > self.pos:
                    # published, yet not received here (or, with a prefix,
                    # events we do not see): READ from pos + 1
                    if not self.prefix:
                        self.gaps += 1
                    self.need_read = True
                continue
            try:
                rec = decode_record(body)
            except Exception:
                continue
            seq = rec["seq"]
            self.head = max(self.head, seq)
            if seq <= self.pos:
                self.duplicates += 1
                continue
            if self.check and seq == self.pos + 1 and not self.recheck \
                    and chain_fault(rec, self.prev_hash):
                self.bad_pub += 1  # only the log's own copy can stop us
                self.need_read = True
                continue
            if seq > self.pos + 1 or self.need_read or self.recheck:
                # a gap (or, with a prefix, maybe events of other types):
                # READ will return this one too
                if not self.prefix:
                    self.gaps += 1
                self.need_read = True
                continue
            self.pos = seq
            if self.check:
                self.prev_hash = rec["hash"]
            self.delivered += 1
            self.from_pub += 1
            if idle_deadline is not None:
                idle_deadline = time.monotonic() + self.idle_timeout
            yield rec


def to_json(rec):
    """A Record as a JSON-ready dict: ids as UUID strings, hashes in hex,
    bin values inside data in hex."""
    def clean(v):
        if isinstance(v, (bytes, bytearray)):
            return bytes(v).hex()
        if isinstance(v, dict):
            return {str(k): clean(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [clean(x) for x in v]
        return v
    out = {}
    for k in RECORD_KEYS:
        v = rec[k]
        if k in ("id", "corr", "cause"):
            out[k] = uuid_str(v)
        elif k in ("prev", "hash"):
            out[k] = bytes(v).hex()
        else:
            out[k] = clean(v)
    return out
