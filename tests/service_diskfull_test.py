#!/usr/bin/python3
"""service_diskfull_test.py - a domain service whose read model runs out of
disk keeps serving, answers commands at once with DISK_FULL instead of
letting them wait, loses nothing, and catches up by itself once there is
room. Real processes: dealbook-eventlog and dealbook-contacts over ipc; the
full disk is a file-size limit on the contacts process (tests/helpers/
fsize_exec), lifted later on the running process (prlimit), as when an
operator makes room.

  1. Accounts are registered until a command is refused. The first refusal
     is DISK_FULL for a command whose event the log holds (the reply names
     its seq); the next command is DISK_FULL with nothing appended (the
     log's head does not move); an after_seq request is DISK_FULL on field
     after_seq. Queries still answer, STATUS names the error (and
     `dealbook status` shows the service failing, exit 4), the process runs.
  2. The limit is lifted: the service applies what the log holds by itself
     (STATUS lag 0, model_error nil); the refused command retried with the
     same id answers its original seq, duplicate; new commands work; every
     account acknowledged or appended is listed; the log verifies.
  3. A second contacts service replays the log into a fresh model under the
     same limit: it fails part-way, stays up and says why; lifted, it ends
     with the same accounts.

Run by tests/run.sh (make test) with /usr/bin/python3; counts as one test.
"""
import os
import resource
import sys
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from services import TEST_BIN, Services, cmd, dealbook, fail, missing, ok, refused, status_failing  # noqa: E402,E501

FSIZE = os.path.join(TEST_BIN, "fsize_exec")
LIMIT = 200000  # bytes: about a hundred accounts fit in the read model's file


def register(c, i, cmd_id=None):
    return cmd(c, "ACCOUNT_REGISTER", cmd_id=cmd_id, name="Diskfull %05d" % i, type="owner",
               city="Shanghai")


def log_head(log):
    return log.call("STATUS")["head"]


def lift(proc):
    """Make room: the file-size limit of the running process lifted."""
    resource.prlimit(proc.pid, resource.RLIMIT_FSIZE,
                     (resource.RLIM_INFINITY, resource.RLIM_INFINITY))


def wait_caught_up(c, what):
    """STATUS of c once it applied the log's head without error (polled)."""
    for _ in range(600):
        st = c.call("STATUS")
        if st["lag"] == 0 and st["model_error"] is None:
            return st
        time.sleep(0.05)
    fail("%s did not catch up: %r" % (what, st))


def account_names(c):
    names, after = [], None
    while True:
        args = {"limit": 500}
        if after:
            args["after"] = after
        r = c.call("ACCOUNT_LIST", **args)
        names += [a["name"] for a in r["accounts"]]
        after = r.get("next")
        if not after:
            return sorted(names)


def main():
    if missing(["eventlog", "contacts"]):
        sys.exit(77)
    if not os.access(FSIZE, os.X_OK):
        fail("no %s (make test builds it)" % FSIZE)
    s = Services(["eventlog", "contacts"], prefix="dbk-diskfull-")
    try:
        s.start("eventlog")
        log = s.up("eventlog")
        s.start("contacts", wrap=[FSIZE, str(LIMIT)])
        c = s.up("contacts")

        # 1. until the model's file is full
        acked = []
        refusal, refused_id = None, None
        for i in range(5000):
            cid = uuid.uuid4().bytes
            r = register(c, i, cid)
            if isinstance(r, dealbook.DealbookError):
                refusal, refused_id, refused_i = r, cid, i
                break
            acked.append(i)
        if refusal is None:
            fail("5000 accounts fit under a %d-byte file limit" % LIMIT)
        if len(acked) < 10:
            fail("only %d accounts fit before the first refusal" % len(acked))
        if refusal.code != "DISK_FULL" or "are appended (seq" not in refusal.msg:
            fail("first refusal: wanted DISK_FULL naming the appended seq, got %s %s"
                 % (refusal.code, refusal.msg))
        head = log_head(log)
        if head != len(acked) + 1:
            fail("the log holds %d events, %d acknowledged + 1 appended" % (head, len(acked)))
        r = register(c, refused_i + 1)
        if not isinstance(r, dealbook.DealbookError) or r.code != "DISK_FULL" \
                or "nothing was appended" not in r.msg:
            fail("a command while the model is full: %r" % (r,))
        if log_head(log) != head:
            fail("a refused command appended to the log")
        r = cmd(c, "ACCOUNT_REGISTER", name="Diskfull after", type="owner", after_seq=head)
        refused(r, "DISK_FULL", "after_seq", "after_seq while the model is full")
        st = c.call("STATUS")
        if not st["model_error"] or "no space" not in st["model_error"]:
            fail("STATUS model_error: %r" % st.get("model_error"))
        if st["seq_applied"] != len(acked) or st["head"] != head:
            fail("STATUS while full: %r" % st)
        if len(account_names(c)) != len(acked):
            fail("the query did not answer what was applied")
        if s.procs["contacts"].poll() is not None:
            fail("the service exited on a full disk")
        status_failing(s, "contacts", "cannot write its read model", "while full")

        # 2. room again
        lift(s.procs["contacts"])
        wait_caught_up(c, "the service after room was made")
        r = ok(register(c, refused_i, refused_id), "the refused command retried")
        if not r.get("duplicate") or r["first_seq"] != head:
            fail("the retried command: %r (its event is seq %d)" % (r, head))
        ok(register(c, 90000), "a new command once there is room")
        want = sorted(["Diskfull %05d" % i for i in acked + [refused_i, 90000]])
        if account_names(c) != want:
            fail("accounts after recovery differ from those acknowledged")
        v = log.call("VERIFY")
        if not v.get("valid"):
            fail("the log does not verify: %r" % v)

        # 3. a replay into a fresh model that runs out of room part-way
        s.stop("contacts")
        s2 = Services(["contacts"], prefix="dbk-diskfull2-")
        s2.env.update({k: v for k, v in s.env.items() if k.startswith("DEALBOOK_")
                       and k not in ("DEALBOOK_DATA_DIR", "DEALBOOK_CONTACTS_ENDPOINT")})
        try:
            s2.start("contacts", wrap=[FSIZE, str(LIMIT // 2)])
            c2 = s2.up("contacts")
            for _ in range(600):
                st = c2.call("STATUS")
                if st["model_error"]:
                    break
                time.sleep(0.05)
            if not st["model_error"] or st["lag"] == 0:
                fail("the replay under a small limit did not fail part-way: %r" % st)
            if s2.procs["contacts"].poll() is not None:
                fail("the service exited on a full disk during a replay")
            lift(s2.procs["contacts"])
            wait_caught_up(c2, "the replay after room was made")
            if account_names(c2) != want:
                fail("the replayed model differs")
        finally:
            s2.close()
    finally:
        s.close()
    print("ok: a full read model refuses commands at once, loses nothing and recovers")


if __name__ == "__main__":
    main()
