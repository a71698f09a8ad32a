#!/usr/bin/env python3
"""verify_export.py - check a `dealbook export --records` file with nothing
but the file, as docs/protocol.md §8.4 says (the JSON form: §7.4).

    verify_export.py [--type PREFIX] [FILE]        (no FILE, or "-": stdin)

Every line is one event in JSON plus "record", the base64 of the bytes the
log stored. For each line it checks that
  - the record decodes as a record (§7.1), and its hash is BLAKE2b-256 of
    its bytes chained from the line before: seq one more, prev that line's
    hash (dealbook.verify_chain). The first line chains from 32 zero bytes
    if it is seq 1, else from its own prev, which the summary prints;
  - every JSON key of the line is what the record decodes to: an edited
    field is caught as well as an edited record.

--type PREFIX: the export was made with --type PREFIX, so seqs skip the
records of other types. Each record is then checked against its own prev
only (the records between are not in the file): seqs must increase and
every type start with PREFIX, but a line removed does not show.

On success one line on stdout, e.g.
    verified: 42 events, seq 1 to 42, chained from seq 1 (32 zero bytes); head seq 42 hash 8a64...
Compare the head hash with one noted elsewhere (dealbook log verify, log
status, a backup): a cut tail only shows that way. Exit codes: 0 verified,
1 usage or an unreadable file, 2 a line that does not verify, named on
stderr as "verify_export: line N (seq S): why".

Needs msgpack alone (python3-msgpack): dealbook.py imports pyzmq only for
its Client and Subscriber.
"""
import argparse
import base64
import binascii
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dealbook  # noqa: E402

LINE_KEYS = dealbook.RECORD_KEYS + ("record",)
INT64_MAX = 2 ** 63 - 1


class BadLine(Exception):
    """The line does not verify: why; seq, its record's seq once known."""

    seq = None


def _object(pairs):
    """json object_pairs_hook: a key given twice is an edit a dict would hide."""
    obj = {}
    for k, v in pairs:
        if k in obj:
            raise BadLine("key %r given twice" % k)
        obj[k] = v
    return obj


def _constant(name):
    raise BadLine("%s is not JSON" % name)


def json_form(v):
    """What the JSON form of a record shows for the decoded msgpack value v
    (§7.4)."""
    if v is None or isinstance(v, (bool, str, float)):
        return v
    if isinstance(v, int):
        return v if v <= INT64_MAX else float(v)
    if isinstance(v, bytes):
        if len(v) == 16:
            return dealbook.uuid_str(v)
        return base64.b64encode(v).decode("ascii")
    if isinstance(v, list):
        return [json_form(x) for x in v]
    if isinstance(v, dict):
        if not all(isinstance(k, str) for k in v):
            raise BadLine("its record's data has a key that is not a str")
        return {k: json_form(x) for k, x in v.items()}
    raise BadLine("its record's data holds a %s, which JSON cannot show" % type(v).__name__)


def difference(a, b, path):
    """Where a and b first differ, as (path, a's value, b's value), or None.
    Types count: 2 is not 2.0, 1 is not true."""
    if type(a) is type(b) and isinstance(a, dict) and a.keys() == b.keys():
        pairs = [("%s.%s" % (path, k), a[k], b[k]) for k in a]
    elif type(a) is type(b) and isinstance(a, list) and len(a) == len(b):
        pairs = [("%s[%d]" % (path, i), x, y) for i, (x, y) in enumerate(zip(a, b))]
    else:
        return None if type(a) is type(b) and a == b else (path, a, b)
    for p, x, y in pairs:
        d = difference(x, y, p)
        if d:
            return d
    return None


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _is_id(v, nil=False):
    return (nil and v is None) or (isinstance(v, bytes) and len(v) == 16)


# §7.1: the types of a record's keys
_TYPES = {
    "seq": lambda v: _is_int(v) and v >= 1, "id": _is_id,
    "stream": lambda v: isinstance(v, str), "ver": lambda v: _is_int(v) and v >= 1,
    "type": lambda v: isinstance(v, str), "ts": _is_int, "at": _is_int,
    "actor": lambda v: isinstance(v, str), "corr": lambda v: _is_id(v, True),
    "cause": lambda v: _is_id(v, True), "schema": lambda v: _is_int(v) and v >= 0,
    "data": lambda v: isinstance(v, dict),
    "prev": lambda v: isinstance(v, bytes) and len(v) == 32,
    "hash": lambda v: isinstance(v, bytes) and len(v) == 32,
}


def expected_line(rec):
    """The JSON form of Record rec (§7.4), without "record"."""
    return {
        "seq": rec["seq"], "id": dealbook.uuid_str(rec["id"]), "stream": rec["stream"],
        "ver": rec["ver"], "type": rec["type"], "ts": rec["ts"], "at": rec["at"],
        "actor": rec["actor"], "corr": dealbook.uuid_str(rec["corr"]),
        "cause": dealbook.uuid_str(rec["cause"]), "schema": rec["schema"],
        "data": json_form(rec["data"]), "prev": bytes(rec["prev"]).hex(),
        "hash": bytes(rec["hash"]).hex(),
    }


def parse_line(text):
    """The line's JSON object and its Record. Raises BadLine."""
    if text.endswith(b"\n"):
        text = text[:-1]  # so that a column counts in the line
    try:
        line = json.loads(text.decode("utf-8"), object_pairs_hook=_object,
                          parse_constant=_constant)
    except UnicodeDecodeError as e:
        raise BadLine("not UTF-8 (%s)" % e)
    except json.JSONDecodeError as e:
        raise BadLine("not a JSON line (%s at column %d)" % (e.msg, e.colno))
    if not isinstance(line, dict):
        raise BadLine("not a JSON object")
    if "record" not in line:
        raise BadLine("no \"record\": export with dealbook export --records")
    if set(line) != set(LINE_KEYS):
        extra = sorted(set(line) - set(LINE_KEYS))
        lack = [k for k in LINE_KEYS if k not in line]
        raise BadLine("keys not those of an export line (%s)" % "; ".join(
            s for s in ("unknown: " + ", ".join(extra) if extra else "",
                        "missing: " + ", ".join(lack) if lack else "") if s))
    if not isinstance(line["record"], str):
        raise BadLine("its record is not a base64 string")
    try:
        raw = base64.b64decode(line["record"], validate=True)
    except (binascii.Error, ValueError) as e:
        raise BadLine("its record is not base64 (%s)" % e)
    try:
        rec = dealbook.decode_record(raw)
    except (ValueError, TypeError) as e:  # msgpack's errors; TypeError: a map key unhashable
        raise BadLine("its record does not decode (%s)" % e)
    for k, ok in _TYPES.items():
        if not ok(rec[k]):
            raise BadLine("its record's %s is not of the type of §7.1" % k)
    return line, rec


def check_fields(line, rec):
    """Every JSON key of the line is what the record decodes to (§8.4 step 3)."""
    want = expected_line(rec)
    for k in dealbook.RECORD_KEYS:
        d = difference(line[k], want[k], k)
        if d:
            raise BadLine("its JSON %s is not what its record holds (%s in the line, %s in "
                          "the record)" % (d[0], _show(d[1]), _show(d[2])))


def _show(v, cap=80):
    s = json.dumps(v)
    return s if len(s) <= cap else s[:cap - 3] + "..."


class Verifier:
    """Checks lines one by one (§8.4); prefix: the export's --type."""

    def __init__(self, prefix=None):
        self.prefix = prefix
        self.count = 0
        self.first = self.last = None  # the first and the last Record
        self.prev = None  # the hash the next record must chain from

    def line(self, text):
        line, rec = parse_line(text)
        try:
            self._check(line, rec)
        except BadLine as e:
            e.seq = rec["seq"]
            raise
        self.count += 1
        self.first = self.first or rec
        self.last = rec

    def _check(self, line, rec):
        seq = rec["seq"]
        try:
            if self.prefix is None:
                # consecutive: the chain from the line before (the first:
                # from its own prev, unless it is seq 1)
                expect = None if self.last is None else self.last["seq"] + 1
                prev = rec["prev"] if self.last is None else self.prev
                self.prev = dealbook.verify_chain([rec], prev, first_seq=expect)
            else:
                if self.last is not None and seq <= self.last["seq"]:
                    raise BadLine("seq %d after seq %d: out of order" % (seq, self.last["seq"]))
                if not rec["type"].startswith(self.prefix):
                    raise BadLine("type %s does not start with %s" % (rec["type"], self.prefix))
                self.prev = dealbook.verify_chain([rec], rec["prev"])
        except dealbook.ChainError as e:
            raise BadLine(e.why)
        check_fields(line, rec)

    def summary(self):
        if not self.count:
            return "verified: 0 events (an empty export proves nothing)"
        f, l = self.first, self.last
        span = "%d event%s, seq %d to %d" % (self.count, "" if self.count == 1 else "s",
                                             f["seq"], l["seq"])
        if self.prefix is not None:
            return ("verified: %s, of type %s*, each against its own prev (the links between "
                    "them are not in the file); last seq %d hash %s"
                    % (span, self.prefix, l["seq"], l["hash"].hex()))
        if f["seq"] == 1:
            start = "chained from seq 1 (32 zero bytes)"
        else:
            start = ("chained from prev %s (compare it with the hash of seq %d)"
                     % (f["prev"].hex(), f["seq"] - 1))
        return "verified: %s, %s; head seq %d hash %s" % (span, start, l["seq"], l["hash"].hex())


class _Args(argparse.ArgumentParser):
    def error(self, message):  # usage: exit 1, as the dealbook CLI
        self.print_usage(sys.stderr)
        print("verify_export: %s" % message, file=sys.stderr)
        sys.exit(1)


def main(argv=None):
    ap = _Args(description="Verify a dealbook export made with --records, from the file alone.",
               epilog="example: dealbook export --records > all.jsonl && "
                      "verify_export.py all.jsonl")
    ap.add_argument("file", nargs="?", default="-", help="the export (default: stdin)")
    ap.add_argument("--type", metavar="PREFIX", default=None,
                    help="the export was made with --type PREFIX (seqs have gaps)")
    args = ap.parse_args(argv)
    v = Verifier(args.type)
    try:
        with sys.stdin.buffer if args.file == "-" else open(args.file, "rb") as f:
            for n, text in enumerate(f, 1):
                try:
                    v.line(text)
                except BadLine as e:
                    seq = e.seq or _seq_of(text)
                    print("verify_export: line %d%s: %s"
                          % (n, " (seq %s)" % seq if seq else "", e), file=sys.stderr)
                    return 2
    except OSError as e:
        print("verify_export: %s" % e, file=sys.stderr)
        return 1
    print(v.summary())
    return 0


def _seq_of(text):
    """The seq a line whose record did not decode says it has, to name it
    (None if it says none)."""
    try:
        seq = json.loads(text.decode("utf-8")).get("seq")
        return seq if _is_int(seq) else None
    except (UnicodeDecodeError, ValueError, AttributeError):
        return None


if __name__ == "__main__":
    sys.exit(main())
