"""services.py - the scaffolding of the Python tests that run real dealbook
service processes (opportunities_service_test.py, bidding_service_test.py,
forecasting_service_test.py, bidding_config_test.py): DBK_ROOT and
DBK_BIN_DIR located, examples/python/dealbook.py imported, services started
over ipc in a temporary directory with one environment, waited for with
PING, commands sent with a fresh id, and everything stopped and removed at
the end.

Not a test itself (tests/run.sh runs tests/*_test.py only); a test imports
it with tests/support on sys.path:

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
    from services import Services, cmd, dealbook, fail, missing, ok, refused
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

ROOT = os.environ.get("DBK_ROOT",
                      os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(ROOT, "examples", "python"))
import dealbook  # noqa: E402,F401
import msgpack  # noqa: E402

BIN = os.environ.get("DBK_BIN_DIR", os.path.join(ROOT, "build", "release", "bin"))
# the test helpers and LD_PRELOAD shims (tests/preload) make test builds
TEST_BIN = os.environ.get("DBK_TEST_BIN_DIR", os.path.join(ROOT, "build", "release", "tests"))


def preloaded(env, shim):
    """What to add to the environment env for a process to run under the
    LD_PRELOAD library shim (a path): an AddressSanitizer build wants its
    runtime first, and is told not to mind."""
    asan = (env.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0").lstrip(":")
    return {"LD_PRELOAD": shim, "ASAN_OPTIONS": asan}

# service name -> (its endpoint's variable, its socket in the directory)
ENDPOINTS = {
    "eventlog": ("DEALBOOK_LOG_ENDPOINT", "log.sock"),
    "contacts": ("DEALBOOK_CONTACTS_ENDPOINT", "contacts.sock"),
    "opportunities": ("DEALBOOK_OPPORTUNITIES_ENDPOINT", "opportunities.sock"),
    "bidding": ("DEALBOOK_BIDDING_ENDPOINT", "bidding.sock"),
    "forecasting": ("DEALBOOK_FORECASTING_ENDPOINT", "forecasting.sock"),
}


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def missing(names, say=True):
    """True (after saying which, when say) when one of the dealbook-<name>
    binaries is not built: the test is then skipped (exit 77)."""
    for n in names:
        if not os.access(os.path.join(BIN, "dealbook-" + n), os.X_OK):
            if say:
                print("skip: no dealbook-" + n)
            return True
    return False


class Services:
    """The services `names` over ipc in directory `d` (a fresh temporary one
    with `prefix` when None), each endpoint at <d>/<name>.sock, the event
    log's publisher at <d>/pub.sock; `settings` are added to the
    environment (DEALBOOK_MANAGERS="mgr", ...). The processes' stderr goes
    to <d>/services.err, or nowhere when errlog is False."""

    def __init__(self, names, prefix="dbk-", d=None, errlog=True, **settings):
        self.names = tuple(names)
        self.dir = d or tempfile.mkdtemp(prefix=prefix)
        self.env = dict(os.environ, DEALBOOK_DATA_DIR=self.dir,
                        DEALBOOK_PUB_ENDPOINT="ipc://%s/pub.sock" % self.dir,
                        DEALBOOK_HEARTBEAT_MS="100", DEALBOOK_TIMEOUT_MS="3000")
        for n in self.names:
            self.env[ENDPOINTS[n][0]] = self.endpoint(n)
        self.env.update(settings)
        self.procs = {}
        self.errlog = open(os.path.join(self.dir, "services.err"), "w") if errlog else None

    def endpoint(self, name):
        return "ipc://%s/%s" % (self.dir, ENDPOINTS[name][1])

    def start(self, *names, wrap=()):
        """Start the named services (all of them when none is named), each
        under the command `wrap` (a list, e.g. [fsize_exec, "65536"]) if given."""
        for n in names or self.names:
            self.procs[n] = subprocess.Popen(
                list(wrap) + [os.path.join(BIN, "dealbook-" + n)], env=self.env,
                stderr=self.errlog if self.errlog else subprocess.DEVNULL)

    def start_preloaded(self, name, shim, **settings):
        """Start the named service with the LD_PRELOAD shim `shim` (a path,
        tests/preload/*.so) and `settings` added to its environment only."""
        plain = dict(self.env)
        self.env.update(preloaded(self.env, shim), **settings)
        try:
            self.start(name)
        finally:
            self.env = plain

    def stop(self, name):
        p = self.procs.pop(name)
        p.terminate()
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(10)

    def client(self, name, timeout_ms=5000):
        return dealbook.Client(self.endpoint(name), timeout_ms=timeout_ms)

    def up(self, name, timeout_ms=5000):
        """A client of the named service, once it answers PING."""
        c = self.client(name, timeout_ms)
        wait_up(c, name)
        return c

    def clients(self, names, timeout_ms=5000):
        """{name: client} of the named services, each answering PING."""
        return {n: self.up(n, timeout_ms) for n in names}

    def close(self, remove=True):
        """Stop every process; remove the directory when remove."""
        for n in list(self.procs):
            self.procs[n].terminate()
        for n in list(self.procs):
            self.stop(n)
        if self.errlog:
            self.errlog.close()
            self.errlog = None
        if remove:
            shutil.rmtree(self.dir, ignore_errors=True)


def wait_status(c, pred, what):
    """STATUS of client c once pred(STATUS) holds (polled for up to ~20 s)."""
    st = None
    for _ in range(400):
        st = c.call("STATUS")
        if pred(st):
            return st
        time.sleep(0.05)
    fail("%s: %r" % (what, st))


def caught_up(clients, head, what):
    """{name: STATUS} of the clients {name: client} once each service
    applied the log up to seq head without a model_error (polled for up to
    ~15 s); fails naming those that did not."""
    st = {}
    for _ in range(300):
        st = {n: c.call("STATUS") for n, c in clients.items()}
        if all(s["seq_applied"] >= head and s["model_error"] is None for s in st.values()):
            return st
        time.sleep(0.05)
    bad = {n: (s["seq_applied"], s["model_error"]) for n, s in st.items()
           if s["seq_applied"] < head or s["model_error"] is not None}
    fail("%s: not applied up to seq %d without error: %r" % (what, head, bad))


def reactions_settled(c, log):
    """Wait until the service of client c applied the log's head (as the
    log `log` says now) and has no reaction pending (STATUS
    reactions_pending 0): every reaction it was to make is in the log and
    in its read model, and none is still to come from what the log holds."""
    head = log.status()["head"]
    return wait_status(c, lambda st: st["seq_applied"] >= head and st["reactions_pending"] == 0,
                       "reactions still pending, or the log not applied up to %d" % head)


def status_failing(s, name, why, what):
    """`dealbook status --services name` with the environment of Services s
    must show the service failing: exit 4, `why` on stderr."""
    cli = subprocess.run([os.path.join(BIN, "dealbook"), "status", "--services", name],
                         env=s.env, capture_output=True, text=True)
    if cli.returncode != 4 or why not in cli.stderr or "failing" not in cli.stdout:
        fail("dealbook status %s: exit %d, %r %r" % (what, cli.returncode, cli.stdout, cli.stderr))


def wait_up(c, what="service"):
    """Wait (up to some 10 s) for client c's service to answer PING."""
    for _ in range(200):
        try:
            c.call("PING", timeout_ms=200)
            return
        except dealbook.DealbookError:
            time.sleep(0.05)
    fail("%s did not answer" % what)


def cmd(c, op, actor="zhao", cmd_id=None, **kw):
    """Send command op to client c with a fresh command id (or cmd_id):
    its answer, or the DealbookError it was refused with."""
    try:
        return c.call(op, cmd=cmd_id or uuid.uuid4().bytes, actor=actor, **kw)
    except dealbook.DealbookError as e:
        return e


def ok(r, what):
    """r, which must not be a refusal."""
    if isinstance(r, dealbook.DealbookError):
        fail("%s: %s %s (%s)" % (what, r.code, r.msg, r.field))
    return r


def refused(r, code, field, what):
    """r must be a refusal with this code and field."""
    if not isinstance(r, dealbook.DealbookError) or (r.code, r.field) != (code, field):
        fail("%s: wanted %s %s, got %r" % (what, code, field, r))


def refused_as_unknown(send, field, bad, what):
    """send(id) naming `bad`, which only an event its owner skipped or
    ignored would have made known, must be refused exactly as
    send("nobody-<bad>"), an id nobody ever registered, is."""
    unknown = "nobody-" + bad
    want = send(unknown)
    got = send(bad)
    if not isinstance(want, dealbook.DealbookError) or want.code != "NOT_FOUND":
        fail("%s: an unknown %s was not refused NOT_FOUND: %r" % (what, field, want))
    elif not isinstance(got, dealbook.DealbookError):
        fail("%s: %s %s, which its owner does not know, was accepted" % (what, field, bad))
    elif (got.code, got.field, got.msg) != (want.code, want.field, want.msg.replace(unknown, bad)):
        fail("%s: %s %s refused as %s %s %r, an unknown one as %s %s %r"
             % (what, field, bad, got.code, got.field, got.msg, want.code, want.field, want.msg))


def answers_before_ping(sock, deadline, what):
    """The answers (dicts) the DEALER `sock` still receives before the
    answer to a PING sent after its requests: one connection keeps its
    order, so every answer on its way comes first. A PING answered while
    the connection's queue is full is dropped too, so it is asked again
    every half second (PINGs carry negative int rids)."""
    got = []
    ping = 0
    next_ping = 0
    while True:
        if time.monotonic() > deadline:
            fail("no answer to PING from %s in time" % what)
        if time.monotonic() >= next_ping:
            ping += 1
            sock.send(msgpack.packb({"op": "PING", "rid": -ping}))
            next_ping = time.monotonic() + 0.5
        if not sock.poll(100):
            continue
        rep = msgpack.unpackb(sock.recv(), raw=False)
        if isinstance(rep.get("rid"), int) and rep["rid"] < 0:
            return got
        got.append(rep)
