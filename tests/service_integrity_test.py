#!/usr/bin/python3
"""service_integrity_test.py - a domain service never folds what the event
log cannot vouch for. Real processes over ipc: dealbook-eventlog,
dealbook-contacts and dealbook-opportunities, whose files are altered or
replaced on disk between runs.

  1. A record altered on disk, its length kept (one byte of the amount of
     an `opportunity.won`): the opportunities service, replaying the log
     from scratch, stops just before it. STATUS `log_error` says "seq N
     fails its hash check" and `seq_applied` is N - 1; `dealbook status`
     shows the service failing (exit 4, the reason on stderr); the altered
     amount appears in no query (the deal is not even won: nothing from N
     on was applied); a command is refused at once (CORRUPT, "nothing was
     appended"); the error is logged once, however often the service
     reads the log again. The readers that read the log themselves refuse
     it too, naming the seq: `dealbook log read`, `dealbook opp history`
     (exit 5), and the forecasting service's as-of replay (`book: false`,
     from seq 1: CORRUPT), which folded the altered amount before.
  2. The log replaced by an older copy (a backup taken before the last
     commands) while the services run: the opportunities service says
     that its read model is ahead of the log, with both seqs and what to
     do; its queries answer CORRUPT with that sentence instead of data the
     log no longer holds; STATUS `head` and the HEAD column of `dealbook
     status` are the log's head. The same after the service restarts. Once
     the older log has grown past the model's seq with other events, the
     model's checkpoint is not the log's event there: said so, queries
     still refused. `dealbook rebuild opportunities` then builds it from
     the log as it is: followed again, and the deal registered after the
     backup is gone.

Run by tests/run.sh (make test) with /usr/bin/python3; counts as one test.
"""
import json
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from services import BIN, Services, cmd, dealbook, fail, missing, ok, status_failing, \
    wait_status  # noqa: E402

NAMES = ("eventlog", "contacts", "opportunities", "forecasting")
WON = 123456789    # msgpack uint32: ce 07 5b cd 15
ALTERED = WON + 1  # the same bytes but the last: ... cd 16


def log_error_has(text):
    return lambda st: st["log_error"] is not None and text in st["log_error"]


def dealbook_cli(s, *args):
    try:
        return subprocess.run([os.path.join(BIN, "dealbook")] + list(args), env=s.env,
                              capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        fail("dealbook %s did not end within 120 s" % " ".join(args))


def status_row(s, name):
    """`dealbook status --services name`: (exit code, STATE, HEAD) of its
    table row, and its --json row."""
    cli = dealbook_cli(s, "status", "--services", name)
    row = [ln.split() for ln in cli.stdout.splitlines() if ln.startswith(name)]
    if len(row) != 1:
        fail("dealbook status: %r %r" % (cli.stdout, cli.stderr))
    js = dealbook_cli(s, "status", "--services", name, "--json")
    return cli.returncode, row[0][1], int(row[0][4]), json.loads(js.stdout)[0]


def refused_corrupt(o, op, text, what, **kw):
    try:
        r = o.call(op, **kw)
    except dealbook.DealbookError as e:
        if e.code != "CORRUPT" or text not in e.msg:
            fail("%s: %s %s" % (what, e.code, e.msg))
        return
    fail("%s answered from the read model: %r" % (what, r))


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
        s.start("eventlog", "opportunities", "forecasting")
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
            # the opportunities service's lines (forecasting follows the
            # same log and says it too, once, in its own lines)
            said = [ln for ln in f if why in ln and " opportunities: " in ln]
        if len(said) != 1:
            fail("logged %d times: %r" % (len(said), said))

        # the readers of the log refuse it, naming the seq
        hashfail = "the record at seq %d fails its hash check" % bad
        for args in (("log", "read", "--from", "1"), ("opp", "history", "o1", "--json")):
            cli = dealbook_cli(s, *args)
            if cli.returncode != 5 or hashfail not in cli.stderr or str(ALTERED) in cli.stdout:
                fail("dealbook %s over the altered record: exit %d, %r, %r"
                     % (" ".join(args), cli.returncode, cli.stdout[-300:], cli.stderr))
        f = s.up("forecasting")
        try:
            got = f.call("WINLOSS", as_of=today, book=False, by="reason")
            fail("WINLOSS as of today, replayed over the altered record: %r" % got)
        except dealbook.DealbookError as e:
            if e.code != "CORRUPT" or "record at seq %d fails its hash check" % bad not in e.msg:
                fail("WINLOSS as of today over the altered record: %s %s" % (e.code, e.msg))

        # `dealbook log tail` stops there too, and says why
        cli = dealbook_cli(s, "log", "tail", "--from", "1", "--limit", "1000")
        if cli.returncode == 0 or "tail: seq %d fails its hash check" % bad not in cli.stderr \
                or cli.stdout.count("\n") != bad - 1:
            fail("log tail over the altered record: exit %d, %d lines, %r"
                 % (cli.returncode, cli.stdout.count("\n"), cli.stderr))
    finally:
        s.close()


def older_log():
    s = Services(NAMES, prefix="dbk-ahead-")
    try:
        s.start()
        c, o = s.up("contacts"), s.up("opportunities")
        ok(cmd(c, "ACCOUNT_REGISTER", id="a1", name="Shenzhen Metro", type="owner"), "account")
        after = c.call("STATUS")["seq_applied"]
        for i in range(1, 4):
            ok(cmd(o, "OPP_REGISTER", id="o%d" % i, name="Line %d lighting" % i,
                   account_id="a1", owner="zhao", currency="CNY", close_date="2027-09-30",
                   after_seq=after), "register o%d" % i)
        backup = os.path.join(s.dir, "backup")
        cli = dealbook_cli(s, "backup", backup)
        if cli.returncode != 0:
            fail("backup: %r" % cli.stderr)
        head = s.up("eventlog").status()["head"]
        r = ok(cmd(o, "OPP_REGISTER", id="o4", name="After the backup", account_id="a1",
                   owner="zhao", currency="CNY", close_date="2027-09-30"), "register o4")
        ahead = r["last_seq"]

        # the log, and only the log, goes back to the backup
        s.stop("eventlog")
        shutil.copy(os.path.join(backup, "data.mdb"), os.path.join(s.dir, "eventlog", "data.mdb"))
        os.unlink(os.path.join(s.dir, "eventlog", "lock.mdb"))
        s.start("eventlog")
        log = s.up("eventlog")
        if log.status()["head"] != head:
            fail("the restored log's head: %r" % log.status())

        why = ("read model at seq %d is ahead of the log's head %d: the log was replaced by an "
               "older copy; remove %s or run `dealbook rebuild opportunities`"
               % (ahead, head, os.path.join(s.dir, "opportunities")))
        for run in ("running", "restarted"):
            if run == "restarted":
                s.stop("opportunities")
                s.start("opportunities")
                o = s.up("opportunities")
            st = wait_status(o, lambda st: st["log_error"] == why,
                             "%s: the model ahead of the log" % run)
            if (st["seq_applied"], st["head"], st["lag"]) != (ahead, head, 0):
                fail("%s: STATUS %r" % (run, st))
            refused_corrupt(o, "OPP_LIST", why, run + ": OPP_LIST")
            refused_corrupt(o, "OPP_GET", why, run + ": OPP_GET", id="o4")
            rc, state, shown, js = status_row(s, "opportunities")
            if (rc, state, shown, js["head"], js["log_error"]) != (4, "failing", head, head, why):
                fail("%s: dealbook status: %r %r %r %r" % (run, rc, state, shown, js))

        # the older log grows past the model's seq with other events: its
        # seq `ahead` is not the event the model applied there
        memo = [dealbook.new_event("memo.written", {"n": i}) for i in range(ahead - head + 2)]
        log.append("memo-1", memo)
        fork = "the log's seq %d is not the event the read model applied there" % ahead
        wait_status(o, log_error_has(fork), "the model on another history")
        refused_corrupt(o, "OPP_LIST", fork, "forked: OPP_LIST")

        cli = dealbook_cli(s, "rebuild", "opportunities")
        if cli.returncode != 0:
            fail("rebuild: %r %r" % (cli.stdout, cli.stderr))
        st = o.call("STATUS")
        if st["log_error"] is not None or st["seq_applied"] != log.status()["head"]:
            fail("after the rebuild: %r" % st)
        ids = [x["id"] for x in o.call("OPP_LIST", status="all")["opportunities"]]
        if sorted(ids) != ["o1", "o2", "o3"]:
            fail("after the rebuild: %r" % ids)
    finally:
        s.close()


def rebuilt_running():
    """A running service's own appends that went with a log restored from
    an older copy: after `dealbook rebuild` its commands are decided at
    once, not held for appends that will never be applied."""
    s = Services(("eventlog", "contacts"), prefix="dbk-rebuilt-")
    try:
        s.start()
        c = s.up("contacts")
        ok(cmd(c, "ACCOUNT_REGISTER", id="a1", name="Shenzhen Metro", type="owner"), "a1")
        backup = os.path.join(s.dir, "backup")
        cli = dealbook_cli(s, "backup", backup)
        if cli.returncode != 0:
            fail("backup: %r" % cli.stderr)
        for i in range(2, 6):
            ok(cmd(c, "ACCOUNT_REGISTER", id="a%d" % i, name="Account %d" % i, type="owner"),
               "a%d" % i)
        s.stop("eventlog")
        shutil.copy(os.path.join(backup, "data.mdb"), os.path.join(s.dir, "eventlog", "data.mdb"))
        os.unlink(os.path.join(s.dir, "eventlog", "lock.mdb"))
        s.start("eventlog")
        s.up("eventlog")
        # at once: the service may not have seen the log go back yet, and
        # the REBUILD must end at the restored log's head, not the old one
        cli = dealbook_cli(s, "rebuild", "contacts")
        if cli.returncode != 0:
            fail("rebuild: %r %r" % (cli.stdout, cli.stderr))
        c2 = s.client("contacts", timeout_ms=30000)
        r = cmd(c2, "ACCOUNT_REGISTER", id="b1", name="After the restore", type="owner")
        ok(r, "a command after the rebuild on the older log")
        if r["first_seq"] != 2:
            fail("appended at %r, not after the restored log's head 1" % r)
    finally:
        s.close()


def main():
    if missing(NAMES):
        return 77
    altered_record()
    older_log()
    rebuilt_running()
    print("ok: a service stops before a record that fails its hash check, and refuses to serve "
          "a read model ahead of its log")
    return 0


if __name__ == "__main__":
    sys.exit(main())
