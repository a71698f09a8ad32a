#!/usr/bin/python3
"""eventlog_backup_fsync_test.py - BACKUP answers valid only once the copy
is on the disk: mdb_env_copy2 syncs nothing, so the log fsyncs the copy,
its directory and every directory above it, up to / (a backup answered
valid must survive a power cut), and a failed
fsync makes the BACKUP an error, not a valid copy. Real dealbook-eventlog
over tcp, its fsync watched and made to fail by tests/preload/
fail_fsync.so (tests/support/faultlog.py).

  1. A BACKUP into B/b1 (B exists) answers valid, and the shim saw, after
     the request and in this order, fsync of b1/data.mdb, of b1, of B and
     of every directory above B, up to /.
  2. A BACKUP into B/y2026/m11/b2 (y2026 and m11 new) fsyncs b2/data.mdb,
     b2, m11, y2026, B and up: each directory's entry in the one above.
  3. For the fsync of the copy, of its directory, and of its parent in
     turn: that one fsync fails (EIO). The BACKUP answers STORAGE, field
     path, naming the path that failed; the directory is left empty; the
     log still serves (STATUS, APPEND, READ); the same BACKUP again, the
     fault gone, answers valid with the new head.

Run by tests/run.sh (make test) with /usr/bin/python3; exit 0 pass.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from faultlog import FaultLog  # noqa: E402
from services import dealbook, fail, missing  # noqa: E402


def above(d):
    """Every directory above d, nearest first, / last."""
    out = []
    d = os.path.realpath(d)
    while d != "/":
        d = os.path.dirname(d)
        out.append(d)
    return out


def append(c, n):
    r = c.append("backup-1", [dealbook.new_event("backup.noted", {"n": n})])
    return r["head"]


def backup_ok(log, c, path, head):
    """BACKUP into path answers valid with head `head`; returns the fsyncs
    the shim saw meanwhile, [path]."""
    before = len(log.syncs())
    r = c.call("BACKUP", path=path, timeout_ms=30000)
    if r["valid"] is not True or r["checked"] != head:
        fail("BACKUP into %s: %r (head %d)" % (path, r, head))
    return [s[1] for s in log.syncs()[before:] if s[0] == "fsync" and s[2] == "ok"]


def main():
    if missing(["eventlog"]):
        sys.exit(77)
    log = FaultLog("dbk-bkfsync-")
    try:
        run(log)
    finally:
        log.close()
    print("backup fsync: ok")


def run(log):
    c = log.start()
    head = 0
    for n in range(5):
        head = append(c, n)
    base = os.path.join(log.dir, "backups")
    os.mkdir(base)

    # ---- 1. the copy, its directory and its parent, in that order ----
    b1 = os.path.join(base, "b1")
    synced = backup_ok(log, c, b1, head)
    want = [os.path.join(b1, "data.mdb"), b1] + above(b1)
    if synced != want:
        fail("BACKUP into %s fsynced %r, wanted %r" % (b1, synced, want))

    # ---- 2. every directory made for the backup ----
    b2 = os.path.join(base, "y2026", "m11", "b2")
    synced = backup_ok(log, c, b2, head)
    want = [os.path.join(b2, "data.mdb"), b2] + above(b2)
    if synced != want:
        fail("BACKUP into %s fsynced %r, wanted %r" % (b2, synced, want))

    # ---- 3. one fsync fails: an error, not a valid copy ----
    for k, what in enumerate(("the copy", "its directory", "a parent directory")):
        d = os.path.join(base, "f%d" % k)
        failing = [os.path.join(d, "data.mdb"), d, base][k]
        log.arm(k, 1, base)
        try:
            r = c.call("BACKUP", path=d, timeout_ms=30000)
            fail("BACKUP into %s with the fsync of %s failing answered %r" % (d, what, r))
        except dealbook.DealbookError as e:
            want = "backup failed: the copy could not be made durable: fsync of %s (%s) failed: " \
                   "Input/output error" % (what, failing)
            if e.code != "STORAGE" or e.field != "path" or not e.msg.startswith(want):
                fail("BACKUP into %s with the fsync of %s failing: %s %r field %r" % (
                    d, what, e.code, e.msg, e.field))
        if not log.struck():
            fail("the fsync of %s armed to fail never ran" % what)
        if os.listdir(d):
            fail("a failed BACKUP left %r in %s" % (os.listdir(d), d))
        if not log.alive():
            fail("the log died: %s" % log.stderr()[-500:])
        head = append(c, 10 + k)
        if c.status()["head"] != head or len(list(c.read_all())) != head:
            fail("the log does not serve after a failed BACKUP")
        backup_ok(log, c, d, head)  # the fault is gone: the same directory takes the retry
    c.close()


if __name__ == "__main__":
    main()
