#!/usr/bin/python3
"""eventlog_backup_race_test.py - two BACKUPs into one new directory at the
same time: one makes the copy and answers valid, the other answers
INVALID (the directory is not empty) and removes nothing. Real
dealbook-eventlog over ipc (tests/support/services.py).

Each BACKUP runs in a job thread of its own. Both used to find the
directory empty, both started a copy, and the one whose copy could not
create data.mdb (it was there) removed it on the way out: the other's
copy, so that both could fail and leave no data.mdb at all.

  For TRIES rounds, two BACKUPs of the log (a few MiB) into the same new
  directory, sent back to back on one connection:
  1. one answers valid, with the log's head and hash; the other INVALID,
     field path;
  2. the directory holds data.mdb and nothing else;
  3. the copy is a log: a dealbook-eventlog started on it (the directory
     is made the new data directory's eventlog/) answers VERIFY valid,
     with the same head and hash, and STATUS with that head.

Run by tests/run.sh (make test) with /usr/bin/python3; exit 0 pass.
"""
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from services import Services, dealbook, fail, missing  # noqa: E402

import msgpack  # noqa: E402
import zmq  # noqa: E402

TRIES = 30


def main():
    if missing(["eventlog"]):
        sys.exit(77)
    s = Services(["eventlog"], prefix="dbk-bkrace-", DEALBOOK_DURABLE="0")
    try:
        s.start()
        run(s)
    finally:
        s.close()
    print("backup race: ok")


def run(s):
    c = s.up("eventlog", timeout_ms=60000)
    # a few MiB, so that a copy takes a while
    for k in range(20):
        c.append("bulk-%d" % k, [dealbook.new_event("bulk.noted", {"blob": "x" * 20000})
                                 for _ in range(10)])
    head = c.status()["head"]
    ctx = zmq.Context.instance()
    d = ctx.socket(zmq.DEALER)
    d.linger = 0
    d.connect(s.endpoint("eventlog"))
    base = tempfile.mkdtemp(prefix="copies-", dir=s.dir)
    copies = []
    for t in range(TRIES):
        # the copy lands in <base>/t<t>/eventlog: <base>/t<t> is then a
        # data directory whose log it is
        path = os.path.join(base, "t%d" % t, "eventlog")
        for rid in (1, 2):
            d.send(msgpack.packb({"op": "BACKUP", "rid": rid, "path": path}))
        replies = []
        for _ in range(2):
            if not d.poll(120000):
                fail("round %d: a BACKUP got no answer in 120 s" % t)
            replies.append(msgpack.unpackb(d.recv(), raw=False))
        valid = [r for r in replies if r.get("ok") and r.get("valid") is True]
        refused = [r for r in replies if not r.get("ok") and r.get("code") == "INVALID" and
                   r.get("field") == "path" and "not empty" in r.get("msg", "")]
        if len(valid) != 1 or len(refused) != 1:
            fail("round %d: two BACKUPs into %s answered %r" % (t, path, replies))
        if valid[0]["checked"] != head:
            fail("round %d: the copy's head is %r, the log's %d" % (t, valid[0]["checked"], head))
        left = sorted(os.listdir(path))
        if left != ["data.mdb"]:
            fail("round %d: %s holds %r after the two BACKUPs" % (t, path, left))
        copies.append((os.path.dirname(path), valid[0]["hash"]))
    d.close()
    c.close()
    for t, (data, hash_) in enumerate(copies):
        copy = Services(["eventlog"], d=data)
        try:
            copy.start()
            cc = copy.up("eventlog", timeout_ms=60000)
            v = cc.verify(timeout_ms=60000)
            st = cc.status()
            if v["valid"] is not True or v["checked"] != head or v["hash"] != hash_ or \
                    st["head"] != head:
                fail("round %d: the copy as a log: VERIFY %r, head %r" % (t, v, st["head"]))
            cc.close()
        finally:
            copy.close()


if __name__ == "__main__":
    main()
