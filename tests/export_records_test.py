#!/usr/bin/python3
"""export_records_test.py - `dealbook export --records` and
examples/python/verify_export.py against a real dealbook-eventlog: an
export file an auditor verifies with nothing but the file.

  - each line carries "record", the base64 of the exact bytes READ serves,
    and is otherwise the line of an export without --records;
  - verify_export.py passes the whole export (read from a file and from
    stdin), payloads JSON cannot carry back into their bytes included (uint64
    above 2^63-1, bin, float32), and prints the head seq and hash the log has;
  - it names the first bad line when a JSON field is edited (envelope, data,
    a lossy value, 2.0 shown as 2), a record byte is changed (alone, with the
    JSON, or with its hash recomputed: then the next line), a line is
    dropped, two are swapped, a key added or repeated, a line cut short, a
    record is no record, or the file has no records at all; the last line
    rewritten with its hash passes, and only the head hash it prints, not
    the log's, shows it;
  - --from N: the file chains from the hash of seq N - 1, which it prints;
  - --type: seqs with gaps, each record against its own prev; a full
    verification of such a file fails at the first gap;
  - it runs where pyzmq is not installed.

Run by tests/run.sh (make test) with /usr/bin/python3.
"""
import base64
import json
import os
import struct
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from services import BIN, ROOT, Services, dealbook, fail, missing  # noqa: E402
import msgpack  # noqa: E402

VERIFY = os.path.join(ROOT, "examples", "python", "verify_export.py")
PY = sys.executable or "/usr/bin/python3"
U64_MAX = 2 ** 64 - 1


def ok(what):
    print("ok - " + what, flush=True)


def run(argv, env, stdin=None):
    return subprocess.run(argv, env=env, input=stdin, capture_output=True)


def export(s, *flags):
    """The lines (bytes, without their newline) of dealbook export FLAGS."""
    r = run([os.path.join(BIN, "dealbook"), "export"] + list(flags), s.env)
    if r.returncode != 0 or r.stderr:
        fail("export %s: exit %d, %r" % (" ".join(flags), r.returncode, r.stderr))
    return r.stdout.splitlines()


class Auditor:
    """Runs verify_export.py on lines written to a file of its own."""

    def __init__(self, d, env):
        self.path = os.path.join(d, "audit.jsonl")
        self.env = env

    def verify(self, lines, *flags, stdin=False, pre=()):
        data = b"".join(l + b"\n" for l in lines)
        argv = [PY] + list(pre) + [VERIFY] + list(flags)
        if stdin:
            return run(argv, self.env, data)
        with open(self.path, "wb") as f:
            f.write(data)
        return run(argv + [self.path], self.env)

    def passes(self, lines, what, *flags, **kw):
        """The summary line of a verification that must pass."""
        r = self.verify(lines, *flags, **kw)
        out = r.stdout.decode()
        if r.returncode != 0 or r.stderr or out.count("\n") != 1:
            fail("%s: wanted a pass, got exit %d, %r %r" % (what, r.returncode, out, r.stderr))
        return out.strip()

    def caught(self, lines, line_no, seq, why, what, *flags):
        """A verification that must fail naming line line_no (seq, unless
        None: a line that says none) and why."""
        r = self.verify(lines, *flags)
        err = r.stderr.decode()
        want = "verify_export: line %d%s: " % (line_no, "" if seq is None else " (seq %d)" % seq)
        if r.returncode != 2 or not err.startswith(want) or why not in err or r.stdout:
            fail("%s: wanted exit 2 and '%s...%s', got exit %d, %r %r"
                 % (what, want, why, r.returncode, r.stdout, err))
        ok("%s: caught, %s" % (what, err.strip()))


def edit(line, fn):
    """The line with fn applied to its JSON object (kept in its key order)."""
    obj = json.loads(line)
    fn(obj)
    return json.dumps(obj, separators=(",", ":")).encode()


def raw_of(line):
    return base64.b64decode(json.loads(line)["record"])


def with_raw(line, raw, rehash=None):
    """The line with its record replaced by raw (and its hash by rehash)."""
    def fn(o):
        o["record"] = base64.b64encode(raw).decode()
        if rehash is not None:
            o["hash"] = rehash.hex()
    return edit(line, fn)


def append_float32(c, stream, value):
    """APPEND an event whose data holds a float32 (dealbook.Client packs
    floats as float64): the request packed by hand."""
    ev = dealbook.new_event("memo.measured", {"f32": value})
    body = msgpack.packb({"v": 1, "rid": 1, "op": "APPEND", "streams": [
        {"stream": stream, "expect": "any", "events": [ev]}]},
        use_bin_type=True, use_single_float=True)
    r = c.call_raw(body)
    if r.get("ok") is not True:
        fail("APPEND with a float32: %r" % r)
    return r["results"][0]["first_seq"]


def main():
    if missing(["eventlog"]) or not os.access(os.path.join(BIN, "dealbook"), os.X_OK):
        sys.exit(77)
    s = Services(["eventlog"], prefix="dbk-export-", DEALBOOK_DURABLE="0")
    try:
        s.start()
        c = s.up("eventlog")
        audit = Auditor(s.dir, s.env)
        r = run([os.path.join(BIN, "dealbook"), "help", "export"], s.env)
        if r.returncode != 0 or b"--records" not in r.stdout:
            fail("dealbook help export does not tell of --records: %r" % r.stdout)

        # Given: accounts and contacts in turn, then payloads JSON cannot
        # carry back into their bytes
        for i in range(1, 7):
            c.append("account-%d" % i, [dealbook.new_event(
                "account.registered", {"name": "Account %d" % i}, actor="svc:contacts")])
            c.append("contact-%d" % i, [dealbook.new_event(
                "contact.added", {"name": "Person %d" % i, "account": "account-%d" % i},
                actor="svc:contacts")])
        lossy = c.append("memo-1", [dealbook.new_event("memo.noted", {
            "big": U64_MAX, "big2": U64_MAX - 1, "blob": b"\x00\x01\xfe\xff",
            "uid": bytes(range(16)), "n": [1, 2.0, None, True, "AAH+/w=="]})])["first_seq"]
        f32 = append_float32(c, "memo-2", 0.1)
        c.append("account-1", [dealbook.new_event("account.renamed", {"name": "Account One"})])
        st = c.status()
        head, head_hash = st["head"], st["head_hash"]

        # ---- the export ----
        lines = export(s, "--records")
        plain = export(s)
        if len(lines) != head or len(plain) != head:
            fail("export --records: %d lines, plain %d, head %d" % (len(lines), len(plain), head))
        for seq, (l, p) in enumerate(zip(lines, plain), 1):
            stored = c.read(seq, limit=1).records[0].raw
            if raw_of(l) != stored:
                fail("line %d: its record is not the bytes READ serves" % seq)
            if not l.startswith(p[:-1] + b',"record":"') or not l.endswith(b'"}'):
                fail("line %d is not the plain line plus record: %r %r" % (seq, l, p))
        ok("export --records: %d lines, each the plain line plus the stored bytes" % head)

        # the lossy values: the JSON cannot tell them apart, the record can
        j = json.loads(lines[lossy - 1])["data"]
        rec = dealbook.decode_record(raw_of(lines[lossy - 1]))["data"]
        if not (j["big"] == j["big2"] == float(U64_MAX) and isinstance(j["big"], float)
                and j["blob"] == j["n"][4] == "AAH+/w==" and rec["big"] == U64_MAX
                and rec["big2"] == U64_MAX - 1 and rec["blob"] == b"\x00\x01\xfe\xff"
                and rec["n"][4] == "AAH+/w==" and j["uid"] == dealbook.uuid_str(bytes(range(16)))):
            fail("lossy payload: JSON %r, record %r" % (j, rec))
        raw = raw_of(lines[f32 - 1])
        if b"\xa3f32\xca" + struct.pack(">f", 0.1) not in raw:
            fail("the float32 was not stored as a float32: %r" % raw)
        widened = struct.unpack(">f", struct.pack(">f", 0.1))[0]  # 0.10000000149011612
        if json.loads(lines[f32 - 1])["data"]["f32"] != widened:
            fail("float32 in JSON: %r" % lines[f32 - 1])

        summary = audit.passes(lines, "the whole export")
        want = ("verified: %d events, seq 1 to %d, chained from seq 1 (32 zero bytes); head seq "
                "%d hash %s" % (head, head, head, head_hash))
        if summary != want:
            fail("summary %r, wanted %r" % (summary, want))
        if audit.passes(lines, "the whole export on stdin", stdin=True) != want:
            fail("stdin: another summary")
        ok("verify_export passes the export (uint64 > 2^63-1, bin, float32 too): " + summary)

        # ---- what it catches; k is a line in the middle ----
        k = 3
        bad = list(lines)
        bad[k - 1] = lines[k - 1].replace(b'"Account 2"', b'"Account 9"', 1)
        audit.caught(bad, k, k, "its JSON data.name is not what its record holds",
                     "a JSON data field edited")
        bad = list(lines)
        bad[k - 1] = edit(lines[k - 1], lambda o: o.update(actor="svc:someone"))
        audit.caught(bad, k, k, "its JSON actor", "a JSON envelope field edited")
        bad = list(lines)
        bad[k - 1] = edit(lines[k - 1], lambda o: o.update(seq=k + 1))
        audit.caught(bad, k, k, "its JSON seq", "a JSON seq edited")
        # types count: 2.0 is not 2, true is not 1
        for key, val, path in (("big", 1.844674407370955e19, "big"), ("blob", "AAH+/g==", "blob"),
                               ("uid", None, "uid"), ("n", [1, 2, None, True, "AAH+/w=="], "n[1]"),
                               ("n", [True, 2.0, None, True, "AAH+/w=="], "n[0]")):
            bad = list(lines)
            bad[lossy - 1] = edit(lines[lossy - 1], lambda o: o["data"].update({key: val}))
            audit.caught(bad, lossy, lossy, "its JSON data.%s is not" % path,
                         "a JSON value edited (data.%s)" % path)
        bad = list(lines)
        bad[f32 - 1] = edit(lines[f32 - 1], lambda o: o["data"].update(f32=0.1))
        audit.caught(bad, f32, f32, "its JSON data.f32 is not", "the float32 shown as 0.1")

        edited = raw_of(lines[k - 1]).replace(b"Account 2", b"Account 8", 1)
        bad = list(lines)
        bad[k - 1] = with_raw(lines[k - 1], edited)
        audit.caught(bad, k, k, "hash does not match the record's bytes", "a record byte changed")
        bad[k - 1] = with_raw(lines[k - 1].replace(b'"Account 2"', b'"Account 8"', 1), edited)
        audit.caught(bad, k, k, "hash does not match the record's bytes",
                     "a record byte and its JSON changed alike")
        # rewritten with its hash: the record is whole, the next one's prev
        # shows it
        rehash = dealbook.record_hash(edited, raw_of(lines[k - 2])[-32:])
        bad[k - 1] = with_raw(lines[k - 1].replace(b'"Account 2"', b'"Account 8"', 1),
                              edited[:-32] + rehash, rehash)
        audit.caught(bad, k + 1, k + 1, "prev is not the previous record's hash",
                     "a record rewritten with its hash")
        # ... which only the head hash shows on the last line
        last = raw_of(lines[-1]).replace(b"Account One", b"Account Two")
        rehash = dealbook.record_hash(last, raw_of(lines[-2])[-32:])
        bad = lines[:-1] + [with_raw(lines[-1].replace(b"Account One", b"Account Two"),
                                     last[:-32] + rehash, rehash)]
        got = audit.passes(bad, "the last line rewritten with its hash")
        if (not got.endswith("head seq %d hash %s" % (head, rehash.hex()))
                or rehash.hex() == head_hash):
            fail("the summary must show the rewritten head hash: %r" % got)
        ok("the last line rewritten with its hash passes, with a head hash not the log's")

        audit.caught(lines[:k - 1] + lines[k:], k, k + 1, "expected seq %d" % k, "a line dropped")
        bad = list(lines)
        bad[k - 1], bad[k] = lines[k], lines[k - 1]
        audit.caught(bad, k, k + 1, "expected seq %d" % k, "two lines swapped")
        bad = list(lines)
        bad[k - 1] = lines[k - 1][:-1] + b',"note":"fine"}'
        audit.caught(bad, k, k, "unknown: note", "a key added")
        bad[k - 1] = lines[k - 1][:-1] + b',"actor":"svc:contacts"}'
        audit.caught(bad, k, k, "given twice", "a key repeated")
        bad = list(lines)
        bad[k - 1] = lines[k - 1][:-1]
        audit.caught(bad, k, None, "not a JSON line", "a line cut short")
        audit.caught(plain, 1, 1, 'no "record"', "an export without --records")
        bad = list(lines)
        bad[k - 1] = with_raw(lines[k - 1], b"\x81\x81\xa1a\x01\x02")  # a map keyed by a map
        audit.caught(bad, k, k, "its record does not decode", "a record that is no record")

        # ---- --from: chained from the hash of the seq before ----
        part = export(s, "--records", "--from", "5")
        got = audit.passes(part, "an export --from 5")
        want = ("verified: %d events, seq 5 to %d, chained from prev %s (compare it with the "
                "hash of seq 4); head seq %d hash %s" % (head - 4, head,
                                                         json.loads(lines[3])["hash"], head,
                                                         head_hash))
        if part != lines[4:] or got != want:
            fail("--from 5: %r, wanted %r" % (got, want))
        audit.caught(part[:1] + part[2:], 2, 7, "expected seq 6", "--from 5 with a line dropped")
        ok("--from 5: verified from the hash of seq 4, which it prints")

        # ---- --type: gaps, each record against its own prev ----
        contacts = export(s, "--records", "--type", "contact.")
        seqs = [json.loads(l)["seq"] for l in contacts]
        if seqs != [2, 4, 6, 8, 10, 12]:
            fail("--type contact.: seqs %r" % seqs)
        audit.caught(contacts, 2, 4, "expected seq 3", "a filtered export verified as a whole")
        got = audit.passes(contacts, "a filtered export", "--type", "contact.")
        want = ("verified: 6 events, seq 2 to 12, of type contact.*, each against its own prev "
                "(the links between them are not in the file); last seq 12 hash %s"
                % json.loads(lines[11])["hash"])
        if got != want:
            fail("--type contact.: %r, wanted %r" % (got, want))
        bad = list(contacts)
        bad[1] = with_raw(contacts[1], raw_of(contacts[1]).replace(b"Person 2", b"Person 7"))
        audit.caught(bad, 2, 4, "hash does not match the record's bytes",
                     "a filtered export's record changed", "--type", "contact.")
        bad[1] = contacts[1].replace(b'"Person 2"', b'"Person 7"', 1)
        audit.caught(bad, 2, 4, "its JSON data", "a filtered export's JSON edited",
                     "--type", "contact.")
        bad = list(contacts)
        bad[1], bad[2] = contacts[2], contacts[1]
        audit.caught(bad, 3, 4, "out of order", "a filtered export's lines swapped",
                     "--type", "contact.")
        audit.caught(contacts[:1] + lines[2:3], 2, 3, "does not start with contact.",
                     "a line of another type in a filtered export", "--type", "contact.")

        # ---- without pyzmq (an auditor's machine needs msgpack alone) ----
        got = audit.passes(lines, "without pyzmq",
                           pre=("-c", "import runpy, sys; sys.modules['zmq'] = None; "
                                "sys.argv = sys.argv[1:]; "
                                "runpy.run_path(sys.argv[0], run_name='__main__')"))
        if not got.startswith("verified: %d events" % head):
            fail("without pyzmq: %r" % got)
        ok("verify_export runs without pyzmq")

        r = audit.verify([], "--frobnicate")
        if r.returncode != 1:
            fail("an unknown flag: exit %d" % r.returncode)
        r = run([PY, VERIFY, os.path.join(s.dir, "nothing.jsonl")], s.env)
        if r.returncode != 1 or b"nothing.jsonl" not in r.stderr:
            fail("a missing file: exit %d, %r" % (r.returncode, r.stderr))
        ok("usage and a missing file: exit 1")
        c.close()
        print("PASS export_records_test")
    finally:
        s.close()


if __name__ == "__main__":
    main()
