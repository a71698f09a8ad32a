#!/usr/bin/python3
"""service_integrity_test.py - a domain service never folds what the event
log cannot vouch for. Real processes over ipc: dealbook-eventlog,
dealbook-contacts and dealbook-opportunities, whose files are altered on
disk between runs.

  1. A record altered on disk, its length kept (one byte of the amount of
     an `opportunity.won`): the opportunities service, replaying the log
     from scratch, stops just before it. STATUS `log_error` says "seq N
     fails its hash check" and `seq_applied` is N - 1; `dealbook status`
     shows the service failing (exit 4, the reason on stderr); the altered
     amount appears in no query (the deal is not even won: nothing from N
     on was applied); a command is refused at once (CORRUPT, "nothing was
     appended"); the error is logged once, however often the service
     reads the log again.

Run by tests/run.sh (make test) with /usr/bin/python3; counts as one test.
"""
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from services import Services, cmd, dealbook, fail, missing, ok, status_failing  # noqa: E402

NAMES = ("eventlog", "contacts", "opportunities")
WON = 123456789    # msgpack uint32: ce 07 5b cd 15
ALTERED = WON + 1  # the same bytes but the last: ... cd 16


def wait_status(c, pred, what):
    """STATUS of c once pred(STATUS) holds (polled for up to ~20 s)."""
    st = None
    for _ in range(400):
        st = c.call("STATUS")
        if pred(st):
            return st
        time.sleep(0.05)
    fail("%s: %r" % (what, st))


def log_error_has(text):
    return lambda st: st["log_error"] is not None and text in st["log_error"]


def altered_record():
    s = Services(NAMES, prefix="dbk-integrity-")
    try:
        s.start()
        c, o, log = s.up("contacts"), s.up("opportunities"), s.up("eventlog")
        ok(cmd(c, "ACCOUNT_REGISTER", id="a1", name="Shenzhen Metro", type="owner"), "account")
        r = ok(cmd(o, "OPP_REGISTER", id="o1", name="Line 16 lighting", account_id="a1",
                   owner="zhao", currency="CNY", close_date="2027-09-30",
                   after_seq=c.call("STATUS")["seq_applied"]), "register")
        today = time.strftime("%Y-%m-%d", time.gmtime())
        won = ok(cmd(o, "OPP_WIN", id="o1", amount=WON, date=today), "win")
        ok(cmd(o, "OPP_REGISTER", id="o2", name="Line 17 lighting", account_id="a1",
               owner="zhao", currency="CNY", close_date="2027-10-31"), "after the win")
        bad = won["first_seq"]
        page = log.read(bad, limit=1)
        if [rec["type"] for rec in page] != ["opportunity.won"]:
            fail("seq %d is not the win: %r" % (bad, list(page)))
        if o.call("OPP_GET", id="o1")["outcome"]["won_amount"] != WON:
            fail("the win before the damage: %r" % o.call("OPP_GET", id="o1"))
        for n in NAMES:
            s.stop(n)

        # one byte of the amount, wherever the record lies in the file
        # (pages freed by later commits may hold stale copies of it)
        path = os.path.join(s.dir, "eventlog", "data.mdb")
        data = bytearray(open(path, "rb").read())
        pattern = b"\xa6amount\xce\x07\x5b\xcd\x15"
        hits, at = 0, data.find(pattern)
        while at >= 0:
            data[at + len(pattern) - 1] = 0x16
            hits, at = hits + 1, data.find(pattern, at + 1)
        if hits == 0:
            fail("the amount is not in %s" % path)
        open(path, "wb").write(bytes(data))
        shutil.rmtree(os.path.join(s.dir, "opportunities"))  # replayed from seq 1

        err_from = os.path.getsize(os.path.join(s.dir, "services.err"))
        s.start("eventlog", "opportunities")
        log, o = s.up("eventlog"), s.up("opportunities")
        why = "seq %d fails its hash check" % bad
        st = wait_status(o, log_error_has(why), "the altered record went unnoticed")
        if st["seq_applied"] != bad - 1:
            fail("applied up to %d, the altered record is seq %d" % (st["seq_applied"], bad))
        status_failing(s, "opportunities", why, "with an altered record")

        # nothing of it, nor after it, was folded
        g = o.call("OPP_GET", id="o1")
        rows = o.call("OPP_LIST", status="all")["opportunities"]
        if g["status"] == "won" or g["outcome"]["won_amount"] or repr(g).find(str(ALTERED)) >= 0:
            fail("the altered win was applied: %r" % g)
        if [x["id"] for x in rows] != ["o1"] or str(ALTERED) in repr(rows):
            fail("listed: %r" % rows)
        r = cmd(o, "OPP_REGISTER", id="o3", name="Line 18 lighting", account_id="a1",
                owner="zhao", currency="CNY", close_date="2027-11-30")
        if not isinstance(r, dealbook.DealbookError) or r.code != "CORRUPT" or why not in r.msg \
                or "nothing was appended" not in r.msg:
            fail("a command on a log that fails its check: %r" % (r,))

        # it reads the log again and again (the log counts its READs), and
        # says it once
        reads = log.status()["counters"]["reads"]
        while log.status()["counters"]["reads"] < reads + 3:
            time.sleep(0.1)
        if o.call("STATUS")["seq_applied"] != bad - 1:
            fail("applied past the altered record")
        with open(os.path.join(s.dir, "services.err")) as f:
            f.seek(err_from)
            said = [ln for ln in f if why in ln]
        if len(said) != 1:
            fail("logged %d times: %r" % (len(said), said))
    finally:
        s.close()


def main():
    if missing(NAMES):
        return 77
    altered_record()
    print("ok: a service stops before a record that fails its hash check")
    return 0


if __name__ == "__main__":
    sys.exit(main())
