#!/usr/bin/python3
"""datadir_lock_test.py - one data directory, one writer: a second process
started on a directory another one serves refuses to start, with one line,
and the first goes on; a process killed with SIGKILL leaves nothing that
stops the next one. Real dealbook-eventlog, dealbook-opportunities and
dealbookd processes, over ipc in a temporary directory.

  1. dealbook-eventlog and dealbook-opportunities serve D; an event is
     appended;
  2. a second dealbook-eventlog on D, on other endpoints, exits 1 with
     `dealbook-eventlog: FAILED D/eventlog is in use by another process
     (pid N)` (N: the first log) as its only output, before binding its
     sockets; the first log appends and its head moves on;
  3. the same for a second dealbook-opportunities (naming D/opportunities),
     and for a dealbookd on D (its log is the first actor it starts); the
     first service still applies the log;
  4. the log and the service killed with SIGKILL: new ones start on D at
     once (no wait for anything to expire) and carry on from what was
     written; a log whose data directory holds a symbolic link to D/eventlog
     is refused all the same;
  5. dealbookd serves D2: a dealbook-opportunities on D2 is refused,
     naming D2/opportunities and dealbookd's pid.

Run by tests/run.sh with /usr/bin/python3; exit 0 pass, 77 skip.
"""
import os
import shutil
import signal
import subprocess
import tempfile
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from services import BIN, ENDPOINTS, Services, dealbook, fail, missing, wait_up  # noqa: E402

ALL = ("eventlog", "contacts", "opportunities", "bidding", "forecasting")


def second(binary, svc, tag):
    """Start dealbook binary `binary` on svc's data directory with every
    endpoint moved to <dir>/<tag>-*.sock; it must exit 1 with one line on
    stderr, nothing on stdout and no socket of its own. Returns the line."""
    env = dict(svc.env, DEALBOOK_PUB_ENDPOINT="ipc://%s/%s-pub.sock" % (svc.dir, tag))
    socks = [os.path.join(svc.dir, "%s-pub.sock" % tag)]
    for n, (var, sock) in ENDPOINTS.items():
        env[var] = "ipc://%s/%s-%s" % (svc.dir, tag, sock)
        socks.append(os.path.join(svc.dir, "%s-%s" % (tag, sock)))
    p = subprocess.Popen([os.path.join(BIN, binary)], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    try:
        out, err = p.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        fail("%s: a second process on %s did not exit" % (binary, svc.dir))
    lines = err.decode().splitlines()
    if p.returncode != 1 or out or len(lines) != 1:
        fail("%s: wanted exit 1 and one line, got %d, stdout %r, stderr %r"
             % (binary, p.returncode, out, err))
    bound = [s for s in socks if os.path.exists(s)]
    if bound:
        fail("%s: the refused process bound %s" % (binary, bound))
    return lines[0]


def refused_line(binary, svc, tag, name, holder):
    line = second(binary, svc, tag)
    want = "%s: FAILED %s/%s is in use by another process (pid %d)" % (
        binary, svc.dir, name, holder)
    if line != want:
        fail("wanted %r, got %r" % (want, line))


def append(log, n):
    """Append event n; the log's head must then be n."""
    r = log.append("locktest-%d" % n, [dealbook.new_event("locktest.appended", {"n": n})])
    if r["head"] != n or log.status()["head"] != n:
        fail("append %d: head %r, status %r" % (n, r["head"], log.status()["head"]))


def applies(c, seq, what):
    """Service client c applies the log up to seq (STATUS polled)."""
    for _ in range(200):
        if c.call("STATUS")["seq_applied"] >= seq:
            return
        time.sleep(0.05)
    fail("%s did not apply the log up to seq %d" % (what, seq))


def kill9(svc, name):
    p = svc.procs.pop(name)
    p.send_signal(signal.SIGKILL)
    p.wait(10)


def main():
    if missing(("eventlog", "opportunities")) or not os.access(
            os.path.join(BIN, "dealbookd"), os.X_OK):
        sys.exit(77)
    s = Services(("eventlog", "opportunities"), prefix="dbk-lock-", DEALBOOK_DURABLE="0")
    s2 = Services(ALL, prefix="dbk-lock2-", DEALBOOK_DURABLE="0")
    daemon = None
    try:
        # 1.
        s.start()
        log, opp = s.up("eventlog"), s.up("opportunities")
        append(log, 1)
        # 2.
        refused_line("dealbook-eventlog", s, "second", "eventlog", s.procs["eventlog"].pid)
        append(log, 2)
        # 3.
        refused_line("dealbook-opportunities", s, "second", "opportunities",
                     s.procs["opportunities"].pid)
        refused_line("dealbookd", s, "daemon", "eventlog", s.procs["eventlog"].pid)
        append(log, 3)
        applies(opp, 3, "the first opportunities service")
        print("ok: a second log, service or dealbookd on one data directory is refused")
        # 4.
        kill9(s, "eventlog")
        kill9(s, "opportunities")
        log.close()
        opp.close()
        s.start("eventlog", "opportunities")
        log, opp = s.up("eventlog"), s.up("opportunities")
        if log.status()["head"] != 3:
            fail("the restarted log's head: %r" % log.status()["head"])
        append(log, 4)
        applies(opp, 4, "the restarted opportunities service")
        log.close()
        opp.close()
        print("ok: after kill -9 a new log and service start at once")
        # 4b. the same log directory under another name (a symbolic link)
        other = tempfile.mkdtemp(prefix="dbk-lock3-")
        try:
            os.symlink(os.path.join(s.dir, "eventlog"), os.path.join(other, "eventlog"))
            env = dict(s.env, DEALBOOK_DATA_DIR=other,
                       DEALBOOK_PUB_ENDPOINT="ipc://%s/pub.sock" % other)
            for var, sock in ENDPOINTS.values():
                env[var] = "ipc://%s/%s" % (other, sock)
            p = subprocess.run([os.path.join(BIN, "dealbook-eventlog")], env=env,
                               capture_output=True, timeout=20)
            want = "dealbook-eventlog: FAILED %s/eventlog is in use by another process (pid %d)" \
                % (other, s.procs["eventlog"].pid)
            if p.returncode != 1 or p.stderr.decode().strip() != want:
                fail("a log on a link to a served log directory: exit %d, %r"
                     % (p.returncode, p.stderr))
        finally:
            shutil.rmtree(other, ignore_errors=True)
        print("ok: a log on a symbolic link to a served log directory is refused")
        # 5.
        daemon = subprocess.Popen([os.path.join(BIN, "dealbookd")], env=s2.env,
                                  stdout=subprocess.DEVNULL, stderr=s2.errlog)
        c = s2.client("opportunities")
        wait_up(c, "dealbookd's opportunities")
        c.close()
        refused_line("dealbook-opportunities", s2, "second", "opportunities", daemon.pid)
        refused_line("dealbookd", s2, "second", "eventlog", daemon.pid)
        print("ok: a service next to dealbookd on its data directory is refused")
    finally:
        if daemon:
            daemon.terminate()
            daemon.wait(20)
        s.close()
        s2.close()
    print("datadir_lock: ok")


if __name__ == "__main__":
    main()
