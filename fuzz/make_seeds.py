#!/usr/bin/python3
"""Write the seed corpora of the fuzz targets (fuzz/corpus/<target>/).

Run with /usr/bin/python3 (Debian's python3-msgpack). The output is
deterministic: fixed ids and timestamps, so re-running it changes nothing.
The records are built here independently of the C code (msgpack-python and
hashlib's BLAKE2b), so tests/test_corpus.c also checks that the C decoder
and hash chain agree with a second implementation of DESIGN section 3.

File names say what a file is; tests/test_corpus.c relies on them:
  proposed-*  a valid proposed event      (fuzz_envelope)
  record-*    a valid stored record       (fuzz_envelope)
  request-*   a valid request body        (fuzz_proto)
  reply-ok-*  a reply with ok: true       (fuzz_proto)
  reply-err-* a reply with ok: false      (fuzz_proto)
  bad-*       an input that must be refused
"""
import hashlib
import os
import sys

import msgpack

ROOT = os.path.dirname(os.path.abspath(__file__))


def pack(obj):
    return msgpack.packb(obj, use_bin_type=True)


def uid(n):
    # a UUIDv7-shaped id: ms 1700000000000 + n, version 7, variant 10
    ms = (1700000000000 + n).to_bytes(6, "big")
    rest = bytearray(n.to_bytes(10, "big"))
    rest[0] = 0x70 | (rest[0] & 0x0F)
    rest[2] = 0x80 | (rest[2] & 0x3F)
    return ms + bytes(rest)


PAYLOAD = {
    "name": "Hangzhou Turbine Works",
    "amount": 320000000,
    "currency": "CNY",
    "delta": -42,
    "share": 0.35,
    "won": False,
    "tags": ["key-account", "énergie", "风电"],
    "contact": {"first": "Zoë", "phone": None},
}


def proposed(n, typ="account.registered", data=None, **extra):
    ev = {"id": uid(n), "type": typ, "actor": "user:alice"}
    ev.update(extra)
    if data is not None:
        ev["data"] = data
    return ev


def record(seq, ver, stream, prop, prev, ts):
    """A stored record: 14 keys in DESIGN order, hash over prev || 0x8c || 12 pairs."""
    pairs = [
        ("seq", seq),
        ("id", prop["id"]),
        ("stream", stream),
        ("ver", ver),
        ("type", prop["type"]),
        ("ts", ts),
        ("at", prop.get("at", ts)),
        ("actor", prop["actor"]),
        ("corr", prop.get("corr")),
        ("cause", prop.get("cause")),
        ("schema", prop.get("schema", 1)),
        ("data", prop.get("data", {})),
    ]
    body = b"".join(pack(k) + pack(v) for k, v in pairs)
    digest = hashlib.blake2b(prev + b"\x8c" + body, digest_size=32).digest()
    tail = pack("prev") + pack(prev) + pack("hash") + pack(digest)
    return b"\x8e" + body + tail, digest


def write(target, name, data):
    d = os.path.join(ROOT, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def write_regression(target, name, data):
    d = os.path.join(ROOT, "crashes", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def regressions():
    """Inputs that once broke (or would break) a decoder: fuzz/crashes/."""
    # 10 bytes announcing a map of 0xdddddddd pairs: unpacked directly,
    # msgpack-c 4.0.0 tries to allocate ~137 GB (STYLE.md, sharp edges)
    bomb = b"\xdf\xdd\xdd\xdd\xdd\xa1a\x01\xa1b"
    assert len(bomb) == 10
    for target in ("fuzz_envelope", "fuzz_proto"):
        write_regression(target, "map-0xdddddddd-pairs-in-10-bytes", bomb)
    # a payload map of more than 4096 keys with a duplicate: the duplicate
    # check skipped maps that large and let the event through
    keys = [("k%d" % i, i) for i in range(4100)] + [("k17", 0)]
    body = b"\xdf" + len(keys).to_bytes(4, "big") + b"".join(pack(k) + pack(v) for k, v in keys)
    ev = pack(proposed(11, data={}))
    assert ev.endswith(b"\xa4data\x80")
    write_regression("fuzz_envelope", "dup-key-in-a-4101-key-data-map", ev[:-1] + body)


def main():
    env = "fuzz_envelope"
    full = proposed(
        1,
        "opportunity.level_changed",
        PAYLOAD,
        at=1700000000123,
        corr=uid(100),
        cause=uid(101),
        schema=2,
    )
    write(env, "proposed-minimal", pack(proposed(0)))
    write(env, "proposed-full", pack(full))
    write(env, "proposed-nil-ids", pack(proposed(2, "contact.trip_added", {}, corr=None, cause=None)))
    write(env, "proposed-at-zero", pack(proposed(3, "quote.approved", {"n": 1}, at=0)))
    write(env, "bad-at-before-1970", pack(proposed(3, "quote.approved", {"n": 1}, at=-86400000)))
    write(env, "bad-data-nan", pack(proposed(3, "quote.approved", {"n": float("nan")})))
    write(env, "bad-log-key-seq", pack(dict(proposed(4), seq=7)))
    write(env, "bad-type-name", pack(proposed(5, "Account.Registered")))
    write(env, "bad-data-int-key", pack(proposed(6, data={1: "x"})))

    prev = bytes(32)
    r1, h1 = record(1, 1, "account-0193a1", proposed(0), prev, 1700000000500)
    r2, h2 = record(2, 1, "opportunity-0193b2", full, h1, 1700000000501)
    big = proposed(7, "tender.step_recorded", {"rows": [{"i": i, "s": "x" * i} for i in range(60)]})
    r3, _ = record(3, 2, "tender-0193c3", big, h2, 1700000000502)
    write(env, "record-seq1", r1)
    write(env, "record-seq2-chained", r2)
    write(env, "record-seq3-big-data", r3)

    pro = "fuzz_proto"
    append = {
        "v": 1,
        "rid": 1,
        "op": "APPEND",
        "streams": [
            {"stream": "opportunity-0193b2", "expect": "none", "events": [full, proposed(8, "opportunity.won")]},
            {"stream": "account-0193a1", "expect": 3, "events": [proposed(9, "account.renamed", {"name": "X"})]},
        ],
    }
    write(pro, "request-append", pack(append))
    write(pro, "request-append-any", pack({"v": 1, "rid": "r-2", "op": "APPEND", "streams": [
        {"stream": "quota-2025", "expect": "any", "events": [proposed(10, "quota.set", {"amount": 5})]}]}))
    write(pro, "request-read-seq", pack({"v": 1, "rid": 3, "op": "READ", "from": 1, "limit": 100,
                                         "max_scan": 1000, "type": "opportunity."}))
    write(pro, "request-read-stream", pack({"v": 1, "rid": 4, "op": "READ", "stream": "account-0193a1",
                                            "from": 1}))
    write(pro, "request-status", pack({"v": 1, "rid": [5, "x"], "op": "STATUS"}))
    write(pro, "request-verify", pack({"op": "VERIFY", "rid": None}))
    write(pro, "reply-ok-append", pack({"v": 1, "rid": 1, "ok": True, "results": [
        {"stream": "account-0193a1", "first_seq": 1, "last_seq": 1, "first_ver": 1, "last_ver": 1,
         "duplicate": False}], "head": 1}))
    write(pro, "reply-ok-read", pack({"v": 1, "rid": 3, "ok": True, "head": 3, "last": 3,
                                      "events": [r1, r2, r3]}))
    write(pro, "reply-err-conflict", pack({"v": 1, "rid": 2, "ok": False, "code": "WRONG_EXPECTED_VERSION",
                                           "msg": "stream account-0193a1 is at version 4", "field": "expect",
                                           "current": 4, "stream": "account-0193a1"}))
    write(pro, "reply-err-invalid", pack({"v": 1, "rid": 6, "ok": False, "code": "INVALID",
                                          "msg": "event 0 of stream x: type is missing or invalid",
                                          "field": "type"}))
    write(pro, "bad-request-truncated", pack(append)[:-9])
    regressions()
    return 0


if __name__ == "__main__":
    sys.exit(main())
