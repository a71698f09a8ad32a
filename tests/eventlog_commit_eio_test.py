#!/usr/bin/python3
"""eventlog_commit_eio_test.py - a group commit whose fdatasync fails (EIO)
is refused to every APPEND of the group, is not committed again (not even
its records alone: commit 6b1ed55), and the log goes on as if the group had
never been sent. Real dealbook-eventlog over tcp, its fdatasync made to
fail once by tests/preload/fail_fsync.so (tests/support/faultlog.py).

What an appender may conclude from STORAGE (docs/protocol.md §9.1.7): the
log goes on without the group (its seqs go to the next appends; READ and
PUB never show it), but a failed write may have reached the disk, so the
events are "perhaps stored", and a retry with the same ids settles it:
stored once either way. What the log guarantees, and what is checked here,
also after a kill -9 and a restart: seqs 1..head without a gap, VERIFY
valid, every acknowledged event at the seq its reply named, no event id
twice.

  1. Events are appended and acknowledged; then their index entries wait
     longer than EVENTLOG_INDEX_MS (1 s; the heartbeat, which would write
     them when the log is idle, is set to 10 minutes), so that the next
     group commit writes them too: the commit whose records 6b1ed55 must
     not commit again alone after an I/O error.
  2. The next fdatasync is armed to fail; four clients send an APPEND each
     while the log is stopped (SIGSTOP), so that they wait together, and
     the log goes on (SIGCONT). Every APPEND of the failed commit (the log
     names its size; the group may split, the later part then commits) is
     answered STORAGE, telling to retry with the same event ids, and the
     others OK; one fdatasync failed and only the OK commits' ran after it
     (the failed group was not committed again); the log still serves:
     STATUS shows one storage error and a head without the refused events,
     READ does not show them.
  3. The next appends succeed, from the seq after the last acknowledged
     one; refused events appended again with their ids are stored anew
     (not duplicates: their commit's sync failed, so they are not in the
     log).
  4. kill -9 and restart: READ from seq 1, READ by stream and VERIFY show
     a consistent log holding every acknowledged event, each once, and
     not the refused APPEND left unsent; sent again, it is stored.
  5. A dealbook-contacts command whose APPEND the log refuses so is
     answered STORAGE, telling to retry with the same command id; the
     retry registers the account, and one more is a duplicate.

Run by tests/run.sh (make test) with /usr/bin/python3; exit 0 pass.
"""
import os
import signal
import subprocess
import sys
import time
import uuid

import msgpack
import zmq

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from faultlog import FaultLog  # noqa: E402
from ports import free_ports  # noqa: E402
from services import BIN, cmd, dealbook, fail, missing, ok, wait_up  # noqa: E402

INDEX_MS = 1.0  # EVENTLOG_INDEX_MS (services/eventlog/eventlog_store.h), in s
CLIENTS = 4


def events(tag, n):
    return [dealbook.new_event("eio.noted", {"tag": tag, "n": i}) for i in range(n)]


def acked(reply, evs, into):
    """Note each event of an OK APPEND reply (one stream) at its seq."""
    r = reply["results"][0]
    if r["last_seq"] - r["first_seq"] + 1 != len(evs):
        fail("reply %r for %d events" % (r, len(evs)))
    for i, ev in enumerate(evs):
        into[ev["id"]] = r["first_seq"] + i


def group_of_appends(log, batches):
    """Send one APPEND per batch (stream, events), each from its own DEALER,
    while the log is stopped, so that they wait on its socket together;
    then let it go on. Returns each reply, in the order of batches."""
    ctx = zmq.Context.instance()
    socks = []
    for rid, _ in enumerate(batches, 1):
        s = ctx.socket(zmq.DEALER)
        s.setsockopt(zmq.LINGER, 0)
        s.connect(log.endpoint)
        # connected: a request sent while the log is stopped then waits in
        # the kernel, not for a handshake the log would make after SIGCONT
        s.send(msgpack.packb({"v": 1, "rid": 1000 + rid, "op": "PING"}))
        if not s.poll(10000, zmq.POLLIN):
            fail("no answer to PING")
        s.recv_multipart()
        socks.append(s)
    os.kill(log.proc.pid, signal.SIGSTOP)
    try:
        for rid, (stream, evs) in enumerate(batches, 1):
            socks[rid - 1].send(msgpack.packb({"v": 1, "rid": rid, "op": "APPEND", "streams": [
                {"stream": stream, "expect": "any", "events": evs}]}, use_bin_type=True))
    finally:
        os.kill(log.proc.pid, signal.SIGCONT)
    replies = []
    for rid, s in enumerate(socks, 1):
        if not s.poll(20000, zmq.POLLIN):
            fail("APPEND %d got no answer: %s" % (rid, log.stderr()[-500:]))
        reply = msgpack.unpackb(s.recv_multipart()[-1], raw=False)
        if reply.get("rid") != rid:
            fail("APPEND %d answered %r" % (rid, reply))
        replies.append(reply)
        s.close(linger=0)
    return replies


def check_log(c, acks, why):
    """The log as READ shows it: seqs 1..head without gap, each id once,
    every acknowledged event at its seq, versions 1.. per stream, VERIFY
    valid. Returns {id: seq}."""
    head = c.status()["head"]
    recs = list(c.read_all())
    if [r["seq"] for r in recs] != list(range(1, head + 1)):
        fail("%s: READ gives seqs %r, head %d" % (why, [r["seq"] for r in recs], head))
    dealbook.verify_chain(recs, first_seq=1)
    where = {}
    for r in recs:
        if r["id"] in where:
            fail("%s: event %s stored at seqs %d and %d" % (
                why, dealbook.uuid_str(r["id"]), where[r["id"]], r["seq"]))
        where[r["id"]] = r["seq"]
    for eid, seq in acks.items():
        if where.get(eid) != seq:
            fail("%s: event %s acknowledged at seq %d is at %r" % (
                why, dealbook.uuid_str(eid), seq, where.get(eid)))
    for stream in sorted({r["stream"] for r in recs}):
        mine = [r["seq"] for r in recs if r["stream"] == stream]
        got = list(c.read_stream(stream))
        if [r["seq"] for r in got] != mine or [r["ver"] for r in got] != list(
                range(1, len(mine) + 1)):
            fail("%s: READ of stream %s gives %r, wanted seqs %r" % (
                why, stream, [(r["ver"], r["seq"]) for r in got], mine))
    v = c.verify(timeout_ms=30000)
    if not v["valid"] or v["checked"] != head:
        fail("%s: VERIFY %r" % (why, v))
    return where


def main():
    if missing(["eventlog", "contacts"]):
        sys.exit(77)
    log = FaultLog("dbk-eio-", DEALBOOK_HEARTBEAT_MS="600000", DEALBOOK_LOG_LEVEL="debug")
    try:
        run(log)
    finally:
        log.close()
    print("commit EIO: ok")


def run(log):
    c = log.start()
    acks = {}

    # ---- 1. acknowledged events, whose index entries then wait 1 s ----
    for i in range(CLIENTS):
        evs = events("before-%d" % i, 3)
        acked(c.call("APPEND", streams=[{"stream": "eio-%d" % i, "expect": "any",
                                          "events": evs}]), evs, acks)
    head0 = c.status()["head"]
    if head0 != 3 * CLIENTS:
        fail("head %d after %d events" % (head0, 3 * CLIENTS))
    # the entries have waited EVENTLOG_INDEX_MS once this much time has
    # passed since the first was acknowledged: a wait for the log's own
    # threshold (the clocks are the same CLOCK_MONOTONIC), not for an event
    waited_from = time.monotonic()
    while time.monotonic() < waited_from + INDEX_MS * 1.2:
        time.sleep(0.05)

    # ---- 2. the group's fdatasync fails ----
    before, lines = len(log.syncs()), len(log.stderr().splitlines())
    log.arm(0, 1, log.store)
    batches = [("eio-%d" % i, events("group-%d" % i, 3)) for i in range(CLIENTS)]
    replies = group_of_appends(log, batches)
    if not log.struck():
        fail("the fdatasync armed to fail never ran")
    refused, kept = [], 0
    for (stream, evs), reply in zip(batches, replies):
        if reply.get("ok") is True:
            acked(reply, evs, acks)
            kept += 1
        elif reply.get("code") == "STORAGE":
            if "same event ids" not in reply.get("msg", ""):
                fail("STORAGE without the advice to retry with the same ids: %r" % reply)
            refused.append((stream, evs))
        else:
            fail("APPEND to %s answered %r" % (stream, reply))
    # the log's lines name each commit: the failed one held exactly the
    # APPENDs answered STORAGE; the others (if the group was split) hold
    # those answered OK
    said = log.stderr().splitlines()[lines:]
    failed = [ln for ln in said if "appends failed" in ln]
    committed = [ln for ln in said if " committed " in ln]
    if len(failed) != 1 or "commit of %d appends failed: DBK_EIO" % len(refused) not in failed[0]:
        fail("%d APPENDs answered STORAGE; the log says %r" % (len(refused), failed))
    # and it was not committed again: one fdatasync failed, and one ran
    # for each commit answered OK, none other
    calls = [s[2] for s in log.syncs()[before:] if s[1] == os.path.join(log.store, "data.mdb")]
    if calls != ["EIO"] + ["ok"] * len(committed):
        fail("fdatasync calls %r for one failed commit and %r" % (calls, committed))
    st = c.status()
    if st["counters"]["storage_errors"] != 1 or st["head"] != head0 + 3 * kept:
        fail("after the failed commit: STATUS %r" % st)
    seen = {r["id"] for r in c.read_all()}
    if any(ev["id"] in seen for _, evs in refused for ev in evs):
        fail("READ shows an event that was answered STORAGE")
    print("%d of %d APPENDs in the failed commit, answered STORAGE" % (len(refused), CLIENTS))

    # ---- 3. the log goes on: new appends, and refused ones again ----
    head1 = st["head"]
    evs = events("after", 2)
    r = c.append("eio-after", evs)
    if r["first_seq"] != head1 + 1:
        fail("the append after the failure got seq %d, not %d" % (r["first_seq"], head1 + 1))
    acked({"results": [r]}, evs, acks)
    # the first refused APPEND is left as it was until after the restart
    for stream, evs in refused[1:]:
        retry(c, stream, evs, acks)
    check_log(c, acks, "running")

    # ---- 4. after a crash and a restart ----
    c.close()
    log.kill9()
    c = log.start()
    where = check_log(c, acks, "restarted")
    if len(where) != len(acks):
        fail("%d events stored, %d acknowledged" % (len(where), len(acks)))
    retry(c, *refused[0], acks)
    check_log(c, acks, "restarted, the last refused APPEND sent again")

    # ---- 5. a domain service's command whose APPEND fails so ----
    contacts(log, c)
    c.close()


def contacts(log, c):
    """dealbook-contacts (not preloaded) on the log: a command whose events
    the log refuses with STORAGE is answered STORAGE, telling to retry with
    the same command id; the service sends the events again (they may
    still show) and the retry finds the account registered, once."""
    port = free_ports(1)[0]
    env = dict(log.env, DEALBOOK_CONTACTS_ENDPOINT="tcp://127.0.0.1:%d" % port)
    for k in ("LD_PRELOAD", "DBK_FSYNC_CTL", "DBK_FSYNC_LOG"):
        env.pop(k)
    proc = subprocess.Popen([os.path.join(BIN, "dealbook-contacts")], env=env,
                            stdout=log.err, stderr=log.err)
    try:
        svc = dealbook.Client(env["DEALBOOK_CONTACTS_ENDPOINT"], timeout_ms=10000)
        wait_up(svc, "dealbook-contacts")
        head = c.status()["head"]
        cmd_id = uuid.uuid4().bytes
        log.arm(0, 1, log.store)
        r = cmd(svc, "ACCOUNT_REGISTER", cmd_id=cmd_id, name="EIO Trading", type="owner")
        if not isinstance(r, dealbook.DealbookError) or r.code != "STORAGE" \
                or "retry with the same command id" not in r.msg:
            fail("a command whose APPEND failed: %r" % (r,))
        if not log.struck():
            fail("the command's APPEND was not the one refused")
        # the refused events may still show (a failed write can reach the
        # disk): the service sends them again until the log answers, as
        # after no answer, so they are stored now, once, and the retry
        # with the command's id finds them
        r = ok(cmd(svc, "ACCOUNT_REGISTER", cmd_id=cmd_id, name="EIO Trading", type="owner"),
               "the command retried with its id")
        if not r.get("duplicate") or r["first_seq"] != head + 1:
            fail("the retried command: %r (head was %d)" % (r, head))
        if c.status()["head"] != head + 1:
            fail("the command's events stored %d times" % (c.status()["head"] - head))
        r = ok(cmd(svc, "ACCOUNT_REGISTER", cmd_id=cmd_id, name="Other Trading", type="owner"),
               "the command sent a third time, changed")
        if not r.get("duplicate") or r["first_seq"] != head + 1:
            fail("the command sent again: %r" % (r,))
        svc.close()
    finally:
        proc.terminate()
        proc.wait(20)


def retry(c, stream, evs, acks):
    """A refused APPEND sent again with the same ids: stored now, once
    (its commit's sync failed: it is not in the log)."""
    r = c.append(stream, evs)
    if r["duplicate"]:
        fail("a refused APPEND, sent again, is a duplicate: %r" % r)
    acked({"results": [r]}, evs, acks)


if __name__ == "__main__":
    main()
