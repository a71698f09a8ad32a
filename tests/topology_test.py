#!/usr/bin/python3
"""The docker-compose topology, without Docker.

compose/docker-compose.yml (as `docker-compose config` resolves it) is run
here as plain processes: each service is its compose command
($DBK_BIN_DIR/dealbook-<name>) with exactly the environment the file gives
it, except that
  - a service's host name (tcp://eventlog:7710) and the owner's own
    tcp://0.0.0.0:PORT become 127.0.0.1 with a free loopback port, one per
    (service, container port), the same for the binder and its connectors;
  - each data volume becomes its own temp directory (DEALBOOK_DATA_DIR).
An owner told to bind a host name (tcp://eventlog:7710 in eventlog's own
environment) keeps it and fails to start, as it would in its container:
ZeroMQ binds addresses and interfaces, not host names.
A service is up when its compose healthcheck command (`dealbook status
--services <name>`, run with its environment) exits 0.

Then the host's CLI, pointed at the published ports, drives a sales cycle:
an account and contacts, an opportunity with its need and stakeholders
raised to L2, a tender with a quote (a 15% discount, approved by one of the
file's DEALBOOK_MANAGERS), submission, opening and award; the award must
close the deal as won. Then every service in turn, the event log included,
is killed with SIGKILL: its healthcheck must fail; it is restarted with the
same environment and data; every read (log head, accounts, contacts,
opportunities, tenders, the quote) must equal what it was before the kill;
one more command goes through the service and every read model must catch
up (`dealbook status --services <the file's services> --json`: all up, lag 0,
seq_applied = the log's head).
Finally `dealbook log verify`.

Exit 0 pass, 1 fail, 77 skip (no docker-compose or python3-yaml).
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.environ.get("DBK_ROOT") or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("DBK_BIN_DIR") or os.path.join(ROOT, "build", "release", "bin")
COMPOSE = os.path.join(ROOT, "compose", "docker-compose.yml")
T0 = time.monotonic()


def skip(why):
    print(why)
    sys.exit(77)


class Fail(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Fail(msg)


def log(msg):
    print(f"[{time.monotonic() - T0:5.1f}s] {msg}", flush=True)


try:
    import yaml
except ImportError:
    skip("python3-yaml is not installed (scripts/deps.sh installs it)")
if not shutil.which("docker-compose"):
    skip("docker-compose is not installed (scripts/deps.sh installs it)")
for b in ("dealbook", "dealbook-eventlog"):
    if not os.access(os.path.join(BIN, b), os.X_OK):
        print(f"no {BIN}/{b}: run make first")
        sys.exit(1)


def on_term(signum, frame):
    raise Fail(f"signal {signum}")


signal.signal(signal.SIGTERM, on_term)


# ---- the compose file, resolved ----

def compose_config(home):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DEALBOOK_PUBLISH_ADDR", "DEALBOOK_LOG_LEVEL", "DEALBOOK_MANAGERS",
                        "DEALBOOK_DIRECTORS")}
    env["HOME"] = home
    # the deployment names its managers, as an operator would (.env)
    env["DEALBOOK_MANAGERS"] = "boss"
    env["DEALBOOK_DIRECTORS"] = "chief"
    out = subprocess.run(["docker-compose", "-f", COMPOSE, "config"], env=env,
                         capture_output=True, text=True, timeout=60)
    check(out.returncode == 0, f"docker-compose config: {out.stderr}")
    return yaml.safe_load(out.stdout)


def env_of(svc):
    env = svc.get("environment") or {}
    if isinstance(env, list):
        env = dict(e.split("=", 1) for e in env)
    return {k: ("" if v is None else str(v)) for k, v in env.items()}


def argv_of(value):
    if value is None:
        return []
    return value.split() if isinstance(value, str) else [str(x) for x in value]


def free_ports(n):
    sys.path.insert(0, os.path.join(ROOT, "tests", "support"))
    from ports import free_ports as below_ephemeral  # noqa: E402
    return below_ephemeral(n)


OWNER = {"DEALBOOK_LOG_ENDPOINT": "eventlog", "DEALBOOK_PUB_ENDPOINT": "eventlog",
         "DEALBOOK_CONTACTS_ENDPOINT": "contacts",
         "DEALBOOK_OPPORTUNITIES_ENDPOINT": "opportunities",
         "DEALBOOK_BIDDING_ENDPOINT": "bidding",
         "DEALBOOK_FORECASTING_ENDPOINT": "forecasting"}  # who binds each endpoint
EP = re.compile(r"tcp://([^:/\s]+):(\d+)")
LOCAL = ("0.0.0.0", "*", "127.0.0.1", "localhost")


class Topology:
    def __init__(self, cfg, tmp):
        self.tmp = tmp
        self.services = cfg["services"]
        self.names = list(self.services)
        # (owner, container port) -> loopback port: every port a service binds
        # (tcp://0.0.0.0:P in its own environment) or publishes
        keys = set()
        for name, svc in self.services.items():
            for value in env_of(svc).values():
                for host, port in EP.findall(value):
                    if host in LOCAL:
                        keys.add((name, int(port)))
            for p in svc.get("ports") or []:
                target = p["target"] if isinstance(p, dict) else str(p).split("/")[0].rsplit(":", 1)[-1]
                keys.add((name, int(target)))
        self.ports = dict(zip(sorted(keys), free_ports(len(keys))))
        # each volume -> its own directory
        self.mounts = {}  # service -> [(container path, host dir)]
        for name, svc in self.services.items():
            self.mounts[name] = []
            for v in svc.get("volumes") or []:
                if isinstance(v, str):
                    parts = v.split(":")
                    v = {"source": parts[0], "target": parts[1]}
                d = os.path.join(tmp, "volumes", v["source"].strip("/").replace("/", "_"))
                os.makedirs(d, exist_ok=True)
                self.mounts[name].append((v["target"], d))
        self.procs = {}

    def map_value(self, name, value, bind=False):
        def ep(m):
            host, port = m.group(1), int(m.group(2))
            if bind and host not in LOCAL:
                # as in a container: ZeroMQ binds addresses and interfaces,
                # not host names, so this fails here as it would there
                return f"tcp://{host}:{self.ports.get((name, port), port)}"
            owner = host if host in self.services else name if host in LOCAL else None
            check(owner is not None, f"{name}: endpoint {m.group(0)} names no service")
            check((owner, port) in self.ports,
                  f"{name}: {m.group(0)}: {owner} neither binds nor publishes port {port}")
            return f"tcp://127.0.0.1:{self.ports[(owner, port)]}"
        value = EP.sub(ep, value)
        for target, d in self.mounts[name]:
            if value == target or value.startswith(target.rstrip("/") + "/"):
                value = d + value[len(target.rstrip("/")):]
        return value

    def env(self, name):
        base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "HOME": self.tmp, "LANG": "C.UTF-8"}
        for k, v in env_of(self.services[name]).items():
            base[k] = self.map_value(name, v, bind=OWNER.get(k) == name)
        return base

    def command(self, name):
        argv = argv_of(self.services[name].get("command"))
        check(argv, f"{name}: no command")
        exe = os.path.join(BIN, os.path.basename(argv[0]))
        check(os.access(exe, os.X_OK), f"{name}: command {argv[0]} is not a built binary")
        return [exe] + [self.map_value(name, a) for a in argv[1:]]

    def healthcheck(self, name):
        test = self.services[name]["healthcheck"]["test"]
        check(isinstance(test, list) and test[0] == "CMD", f"{name}: healthcheck {test!r}")
        argv = test[1:]
        check(argv[0] == "dealbook", f"{name}: healthcheck {test!r}")
        argv = [os.path.join(BIN, "dealbook")] + [self.map_value(name, a) for a in argv[1:]]
        return subprocess.run(argv, env=self.env(name), capture_output=True, text=True,
                              timeout=30).returncode

    def start(self, name):
        errf = open(os.path.join(self.tmp, f"{name}.log"), "ab")
        self.procs[name] = subprocess.Popen(self.command(name), env=self.env(name),
                                            stdin=subprocess.DEVNULL,
                                            stdout=errf, stderr=errf)
        errf.close()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            check(self.procs[name].poll() is None,
                  f"{name} exited {self.procs[name].returncode}: {self.logtail(name)}")
            if self.healthcheck(name) == 0:
                return
            time.sleep(0.1)
        raise Fail(f"{name}: healthcheck does not pass after 15 s: {self.logtail(name)}")

    def kill9(self, name):
        p = self.procs.pop(name)
        p.send_signal(signal.SIGKILL)
        p.wait(10)

    def stop_all(self):
        for p in self.procs.values():
            if p.poll() is None:
                p.terminate()
        for p in self.procs.values():
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)
        self.procs = {}

    def logtail(self, name):
        try:
            with open(os.path.join(self.tmp, f"{name}.log"), errors="replace") as f:
                return f.read()[-2000:]
        except OSError:
            return ""

    def start_order(self):
        done, order = set(), []
        def visit(n, stack=()):
            check(n not in stack, f"depends_on cycle at {n}")
            if n in done:
                return
            for d in self.services[n].get("depends_on") or {}:
                visit(d, stack + (n,))
            done.add(n)
            order.append(n)
        for n in sorted(self.names):
            visit(n)
        return order

    def cli_env(self):
        """The host's CLI: every endpoint at the port its owner publishes."""
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.tmp,
               "LANG": "C.UTF-8", "USER": "zhao"}
        for var, owner in OWNER.items():
            if owner not in self.services:
                continue  # forecasting: not in the file yet
            value = env_of(self.services[owner]).get(var, "")
            m = EP.fullmatch(value)
            check(m, f"{owner}: {var}={value!r}")
            env[var] = self.map_value(owner, value)
        return env


# ---- the CLI ----

class Cli:
    def __init__(self, env):
        self.env = env

    def run(self, *args):
        p = subprocess.run([os.path.join(BIN, "dealbook")] + list(args), env=self.env,
                           capture_output=True, text=True, timeout=30)
        return p.returncode, p.stdout, p.stderr

    def ok(self, *args):
        rc, out, err = self.run(*args)
        check(rc == 0, f"dealbook {' '.join(args)}: exit {rc}: {out}{err}")
        return out

    def json(self, *args):
        return json.loads(self.ok(*args, "--json"))

    def retry(self, *args, seconds=10):
        """A command that needs a service to have read an earlier event."""
        deadline = time.monotonic() + seconds
        while True:
            rc, out, err = self.run(*args)
            if rc == 0:
                return out
            if time.monotonic() > deadline:
                raise Fail(f"dealbook {' '.join(args)}: exit {rc}: {out}{err}")
            time.sleep(0.1)


def ids(rows):
    return sorted(r["id"] for r in rows)


def snapshot(cli):
    """Everything acknowledged so far, as the services read it back."""
    s = {"head": cli.json("log", "status")["head"]}
    s["accounts"] = ids(cli.json("account", "list", "--limit", "500")["accounts"])
    s["contacts"] = ids(cli.json("contact", "list", "--account", "a1", "--limit", "500")["contacts"])
    s["opps"] = {o["id"]: (o["status"], o["level"])
                 for o in cli.json("opp", "list", "--status", "all", "--limit", "500")["opportunities"]}
    s["tenders"] = {t["id"]: (t["step"], t.get("decision"), t.get("result"))
                    for t in cli.json("tender", "list")["tenders"]}
    q = cli.json("quote", "show", "q1")
    s["quote"] = (q["status"], q["totals"]["total"])
    return s


def caught_up(cli, names, seconds=20):
    """Every service of the file up, lag 0, seq_applied = the log's head."""
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        rc, out, _ = cli.run("status", "--services", ",".join(names), "--json")
        if rc == 0:
            rows = json.loads(out)
            last = rows
            head = [r for r in rows if r["service"] == "eventlog"][0]["head"]
            if all(r["state"] == "up" and r.get("lag") == 0 and r.get("seq_applied") == head
                   for r in rows):
                return head
        time.sleep(0.1)
    raise Fail(f"the read models did not catch up in {seconds} s: {last}")


def sales_cycle(cli, managers):
    cli.ok("account", "add", "Shenzhen Metro", "--type", "owner", "--id", "a1")
    cli.ok("contact", "add", "Wang Wei", "--account", "a1", "--level", "decision",
           "--function", "user", "--id", "c1")
    cli.ok("contact", "add", "Li Na", "--account", "a1", "--id", "c2")
    # the opportunities service learns the account and contacts from the log
    cli.retry("opp", "register", "Line 16 lighting", "--account", "a1", "--owner", "zhao",
              "--currency", "CNY", "--close", "2099-06-30", "--amount", "90000000", "--id", "o1")
    cli.ok("opp", "need", "add", "o1", "--kind", "organisational", "--text", "low energy use")
    cli.retry("opp", "stakeholder", "add", "o1", "c1", "--role", "decision_maker",
              "--level", "decision", "--function", "user", "--attitude", "1", "--influence", "5")
    cli.ok("opp", "stakeholder", "add", "o1", "c2", "--role", "coach", "--attitude", "2")
    cli.ok("opp", "level", "o1", "L2")
    check(cli.json("opp", "show", "o1")["level"] == "L2", "o1 is not at L2")
    # the tender (the bidding service learns the deal from the log)
    cli.retry("tender", "open", "o1", "--number", "SZMC-2099-016", "--issuer", "Metro tender centre",
              "--type", "public", "--currency", "CNY", "--title", "Line 16 LED lighting",
              "--submission-deadline", "2099-03-01", "--opening-date", "2099-03-02", "--id", "t1")
    cli.ok("tender", "step", "t1", "documents_issued")
    cli.ok("tender", "decide", "t1", "bid", "--reason", "strategic line")
    for part in ("commercial", "technical", "price"):
        cli.ok("tender", "part", "t1", part, "--owner", "zhao", "--due", "2099-02-20")
    cli.ok("quote", "create", "t1", "--currency", "CNY", "--title", "LED tubes", "--id", "q1")
    cli.ok("quote", "line", "add", "q1", "--product", "LED-T8-18W", "--qty", "2000",
           "--list-price", "5000", "--discount", "15", "--cost", "2800")
    cli.ok("quote", "submit", "q1")
    # 15% needs a manager: one of the compose file's DEALBOOK_MANAGERS
    cli.ok("quote", "approve", "q1", "--actor", managers[0], "--note", "ok")
    check(cli.json("quote", "show", "q1")["status"] == "approved", "q1 not approved")
    for part in ("commercial", "technical", "price"):
        cli.ok("tender", "part-status", "t1", part, "ready")
    cli.ok("tender", "submit", "t1", "q1")
    cli.ok("tender", "opening", "t1", "--bidder", "Philips:8200000:1", "--bidder",
           "us:8500000:2:us")
    # the award is dated the day it is entered: never after the business date
    today = time.strftime("%Y-%m-%d", time.gmtime())
    cli.ok("tender", "award", "t1", "won", "--date", today, "--reason", "best score")
    check(cli.json("tender", "show", "t1")["result"] == "won", "t1 not won")
    # the award closes the deal in the opportunities service
    deadline = time.monotonic() + 10
    while cli.json("opp", "show", "o1")["status"] != "won":
        check(time.monotonic() < deadline, f"o1 not won after the award: {cli.ok('opp', 'show', 'o1')}")
        time.sleep(0.1)


def one_more(cli, name, n):
    """One command through the restarted service; returns what must appear."""
    if name == "eventlog":  # through contacts, appended to the restarted log
        cli.ok("account", "add", f"After log restart {n}", "--type", "owner", "--id", f"a{n}")
        return lambda s: f"a{n}" in s["accounts"]
    if name == "contacts":
        cli.ok("contact", "add", f"Zhao Min {n}", "--account", "a1", "--id", f"c{n}")
        return lambda s: f"c{n}" in s["contacts"]
    if name == "opportunities":
        cli.ok("opp", "register", f"Line 17 lighting {n}", "--account", "a1", "--owner", "zhao",
               "--currency", "CNY", "--close", "2099-09-30", "--id", f"o{n}")
        return lambda s: s["opps"].get(f"o{n}") == ("open", "L1")
    if name == "bidding":
        cli.retry("opp", "register", f"Line 18 lighting {n}", "--account", "a1", "--owner",
                  "zhao", "--currency", "CNY", "--close", "2099-09-30", "--id", f"o{n}")
        cli.retry("tender", "open", f"o{n}", "--number", f"N-{n}", "--issuer", "I", "--type",
                  "invited", "--currency", "CNY", "--id", f"t{n}")
        return lambda s: f"t{n}" in s["tenders"]
    if name == "forecasting":  # it projects opportunities: one more deal to fold
        cli.ok("opp", "register", f"Line 19 lighting {n}", "--account", "a1", "--owner", "zhao",
               "--currency", "CNY", "--close", "2099-09-30", "--id", f"o{n}")
        return lambda s: s["opps"].get(f"o{n}") == ("open", "L1")
    cli.ok("status", "--services", name)
    return lambda s: True


def main():
    tmp = tempfile.mkdtemp(prefix="dbk-topology-")
    topo = None
    try:
        cfg = compose_config(tmp)
        topo = Topology(cfg, tmp)
        order = topo.start_order()
        log(f"services {order}, ports {topo.ports}")
        check(order[0] == "eventlog", f"start order {order}")
        for name in order:
            topo.start(name)
        log("all healthy")
        cli = Cli(topo.cli_env())
        managers = [m.strip() for m in env_of(topo.services["bidding"]).get(
            "DEALBOOK_MANAGERS", "").split(",") if m.strip()]
        check(managers, "bidding has no DEALBOOK_MANAGERS")
        sales_cycle(cli, managers)
        caught_up(cli, order)
        log("sales cycle done: o1 won through the award of t1")

        for n, name in enumerate(order, start=100):
            before = snapshot(cli)
            topo.kill9(name)
            check(topo.healthcheck(name) != 0, f"{name}: healthcheck passes while it is down")
            topo.start(name)
            caught_up(cli, order)
            after = snapshot(cli)
            check(after == before, f"{name}: reads changed across kill -9 + restart:\n"
                                   f"before {before}\nafter  {after}")
            appeared = one_more(cli, name, n)
            head = caught_up(cli, order)
            again = snapshot(cli)
            check(head > before["head"], f"{name}: the log's head did not move ({head})")
            check(appeared(again), f"{name}: the new command is not visible: {again}")
            for key in ("accounts", "contacts"):
                check(set(before[key]) <= set(again[key]), f"{name}: {key} lost: {again[key]}")
            for key in ("opps", "tenders"):
                for k, v in before[key].items():
                    check(again[key].get(k) == v, f"{name}: {key} {k}: {v} -> {again[key].get(k)}")
            check(again["quote"] == before["quote"], f"{name}: quote {again['quote']}")
            log(f"{name}: killed, restarted, nothing lost, caught up at {head}")

        cli.ok("log", "verify")
        log("log verify: ok")
        print("topology: ok")
        return 0
    except Fail as e:
        print(f"FAIL: {e}")
        if topo:
            for name in topo.names:
                print(f"--- {name} log:\n{topo.logtail(name)}")
        return 1
    finally:
        if topo:
            topo.stop_all()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
