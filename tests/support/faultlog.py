"""faultlog.py - a real dealbook-eventlog process whose fsync and fdatasync
go through tests/preload/fail_fsync.so, for the tests of what the log does
when the disk does not confirm a write (eventlog_commit_eio_test.py,
eventlog_backup_fsync_test.py).

The log serves tcp://127.0.0.1 on two free ports (tests/support/ports.py),
kept across restarts, with its data in a fresh temporary directory. A test
arms a fault with arm(), waits for it with struck(), and reads the calls
the shim saw with syncs().

Not a test itself (tests/run.sh runs tests/*_test.py only).
"""
import os
import shutil
import signal
import subprocess
import tempfile
import time

from ports import free_ports
from services import BIN, TEST_BIN, dealbook, fail, preloaded

SHIM = os.path.join(TEST_BIN, "fail_fsync.so")


class FaultLog:
    """dealbook-eventlog under fail_fsync.so in a new directory (prefix);
    settings are added to its environment (DEALBOOK_HEARTBEAT_MS=...)."""

    def __init__(self, prefix, **settings):
        if not os.path.exists(SHIM):
            fail("%s is missing (make test builds it)" % SHIM)
        self.dir = tempfile.mkdtemp(prefix=prefix)
        self.ctl = os.path.join(self.dir, "fsync.ctl")
        self.synclog = os.path.join(self.dir, "fsync.log")
        self.errpath = os.path.join(self.dir, "eventlog.err")
        self.data = os.path.join(self.dir, "data")
        self.store = os.path.join(self.data, "eventlog")  # where data.mdb lives
        log_port, pub_port = free_ports(2)
        self.endpoint = "tcp://127.0.0.1:%d" % log_port
        self.env = dict(os.environ, DEALBOOK_DATA_DIR=self.data,
                        DEALBOOK_LOG_ENDPOINT=self.endpoint,
                        DEALBOOK_PUB_ENDPOINT="tcp://127.0.0.1:%d" % pub_port,
                        DBK_FSYNC_CTL=self.ctl, DBK_FSYNC_LOG=self.synclog,
                        **preloaded(os.environ, SHIM))
        self.env.update(settings)
        self.proc = None
        self.err = open(self.errpath, "a")

    def start(self):
        """Start the log and return a client once it answers PING."""
        self.proc = subprocess.Popen([os.path.join(BIN, "dealbook-eventlog")], env=self.env,
                                     stdout=self.err, stderr=self.err)
        c = dealbook.Client(self.endpoint, timeout_ms=10000)
        deadline = time.monotonic() + 20
        while True:
            try:
                c.call("PING", timeout_ms=200)
                return c
            except dealbook.DealbookError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    fail("the log did not start: %s" % self.stderr()[-500:])

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self.proc = None

    def stop(self):
        if self.alive():
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.proc = None

    def close(self):
        self.stop()
        self.err.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def stderr(self):
        with open(self.errpath) as f:
            return f.read()

    def arm(self, skip, failing, under=None):
        """The next `skip` fsync/fdatasync calls on paths at or under
        `under` (any path if None) pass, the `failing` after them fail
        with EIO. Written whole, then renamed into place."""
        tmp = self.ctl + ".new"
        with open(tmp, "w") as f:
            f.write("%d %d%s\n" % (skip, failing, " " + under if under else ""))
        os.rename(tmp, self.ctl)

    def disarm(self):
        try:
            os.unlink(self.ctl)
        except FileNotFoundError:
            pass

    def struck(self):
        """Has the armed fault struck (every call armed has happened)?"""
        try:
            with open(self.ctl) as f:
                return f.read().split()[:2] == ["0", "0"]
        except FileNotFoundError:
            return False

    def syncs(self):
        """Every call the shim saw so far: [(fn, path, "ok" | "EIO")]."""
        try:
            with open(self.synclog) as f:
                return [tuple(line.split(" ")) for line in f.read().splitlines()]
        except FileNotFoundError:
            return []
