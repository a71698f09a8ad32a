#!/usr/bin/python3
"""contacts_restart_test.py - a dealbook-contacts killed with SIGKILL in the
middle of catching up with the log restarts from its checkpoint and ends
with exactly the read model of a service that replayed the whole log from
scratch: no event applied twice, none skipped.

Run by tests/run.sh (make test) with /usr/bin/python3; counts as one test.

  1. starts $DBK_BIN_DIR/dealbook-eventlog on a temp dir (ipc endpoints);
  2. registers one account, one contact, a trip, a relationship, an update
     and a move through the `dealbook` CLI and a contacts service, and
     checks that the generator below writes events of exactly the shape
     the service wrote (same types, same payload keys in the same order);
  3. APPENDs as a foreign producer ~30,000 contacts events (500 accounts,
     5,000 contacts, ~20,000 trips, updates, moves, relationship changes),
     a few hundred per APPEND, keeping in Python the read model they mean;
  4. starts dealbook-contacts on data dir A, polls its STATUS until
     0 < seq_applied < head, SIGKILLs it (up to 3 tries, else it fails),
     checks from its restart log line that the checkpoint was strictly
     inside the log, and lets it catch up (seq_applied == head);
  5. starts a second service on a fresh data dir B that replays everything;
  6. compares A, B and the generator's model: STATUS counts, every
     ACCOUNT_LIST page, CONTACT_LIST (all, and of every account), CONTACT_GET
     of every contact (trip_count, trips, moves, fields), NOTEBOOK_CITY of
     every city in 10-day windows, RELATIONSHIP_MAP by contact and by
     salesperson.

Exit 0 on success; on failure non-zero with what differs. Every process is
killed and the temp dir removed at the end, also on failure.
"""
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta

ROOT = os.environ.get("DBK_ROOT") or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "examples", "python"))

import zmq  # noqa: E402

import dealbook  # noqa: E402

BIN_DIR = os.environ.get("DBK_BIN_DIR") or os.path.join(ROOT, "build", "release", "bin")
EVENTLOG = os.path.join(BIN_DIR, "dealbook-eventlog")
CONTACTS = os.path.join(BIN_DIR, "dealbook-contacts")
CLI = os.path.join(BIN_DIR, "dealbook")
T0 = time.monotonic()

N_ACCOUNTS = 500
N_CONTACTS = 20000  # with the trips, a log a replay takes seconds to read
N_TRIPS = 80000
CITIES = ["Shanghai", "Beijing", "Shenzhen", "Chengdu", "Wuhan", "Hangzhou", "Nanjing", "Xian"]
REGIONS = ["华东", "华北", "华南", "西南", "华中"]
TYPES = ["owner", "design_institute", "general_contractor", "subcontractor", "decoration",
         "government", "distributor"]
LEVELS = ["decision", "management", "operational"]
FUNCTIONS = ["user", "technical", "procurement"]
DEPTHS = ["acquainted", "interacting", "trusted", "allied"]
SALES = ["zhao", "qian", "sun", "li", "zhou", "wu"]
FIRST_DAY = date(2027, 1, 1)
DAYS = 730
CONTACTS_PER_APPEND = 60  # <= 64 streams per APPEND; ~6 events each


class Failure(Exception):
    pass


def check(cond, what, detail=""):
    if not cond:
        raise Failure("%s%s" % (what, (": " + str(detail)[:3000]) if detail != "" else ""))


def ok(what):
    print("ok - %s (%.1f s)" % (what, time.monotonic() - T0), flush=True)


def normalized(name):
    """contacts_normalize_name for the plain ASCII names generated here."""
    return name.lower().replace(" ", "")


# ---- the generator and its model -------------------------------------------

CONTACT_FIELDS = ("name", "title", "phone", "email", "messaging_id", "level", "function",
                  "relationship", "influence", "hobbies", "hometown", "birthday",
                  "family_notes", "notes")


class Model:
    """The events to append, and the read model they mean."""

    def __init__(self, seed):
        self.rnd = random.Random(seed)
        self.accounts = {}  # id -> account map (the keys ACCOUNT_GET answers)
        self.contacts = {}  # id -> {fields..., account_id, moves, trips: [trip]}
        self.known = {}     # contact id -> {salesperson: {"depth", "notes"?}}
        self.requests = []  # [[(stream, [(type, data)])]] one APPEND each
        self.nevents = 0

    def account_events(self):
        batch = []
        for i in range(1, N_ACCOUNTS + 1):
            aid = "acc%04d" % i
            name = "Account %04d %s" % (i, self.rnd.choice(["Design", "Build", "Owner", "Works"]))
            data = {"id": aid, "name": name, "type": self.rnd.choice(TYPES)}
            if i % 7:
                data["region"] = self.rnd.choice(REGIONS)
            if i % 5:
                data["city"] = self.rnd.choice(CITIES)
            data["normalized_name"] = normalized(name)
            evs = [("account.registered", data)]
            state = dict(data, status="active", absorbed=0)
            if i % 9 == 0:  # some move to another city
                upd = {"id": aid, "changed": ["region", "city"],
                       "region": self.rnd.choice(REGIONS), "city": self.rnd.choice(CITIES)}
                evs.append(("account.updated", upd))
                state["region"], state["city"] = upd["region"], upd["city"]
            self.accounts[aid] = state
            batch.append(("account-" + aid, evs))
            if len(batch) == 60:
                self._flush(batch)
                batch = []
        self._flush(batch)

    def _flush(self, batch):
        if batch:
            self.requests.append(batch)
            self.nevents += sum(len(evs) for _, evs in batch)

    def contact_events(self):
        # how many trips each contact gets: N_TRIPS in all, unevenly
        trips_of = [0] * N_CONTACTS
        for _ in range(N_TRIPS):
            trips_of[int(self.rnd.random() ** 2 * N_CONTACTS)] += 1
        accounts = sorted(self.accounts)
        batch = []
        for i in range(N_CONTACTS):
            cid = "con%05d" % (i + 1)
            acc = self.rnd.choice(accounts)
            data = {"id": cid, "name": "%s %s%05d" % (self.rnd.choice(["Wang", "Li", "Zhang",
                                                                         "Liu", "Chen"]),
                                                        self.rnd.choice(["Wei", "Fang", "Na"]),
                                                        i + 1),
                    "account_id": acc}
            if i % 2:
                data["title"] = self.rnd.choice(["Engineer", "Director", "Buyer", "Manager"])
            if i % 3:
                data["phone"] = "+86 21 %07d" % self.rnd.randrange(10 ** 7)
            if i % 4:
                data["level"] = self.rnd.choice(LEVELS)
                data["function"] = self.rnd.choice(FUNCTIONS)
            if i % 6 == 0:
                data["relationship"] = self.rnd.choice(DEPTHS)
            if i % 5:
                data["influence"] = self.rnd.randint(1, 5)
            st = {k: v for k, v in data.items()}
            st.update(moves=0, trips=[])
            self.contacts[cid] = st
            self.known[cid] = {}
            evs = [("contact.added", data)]
            # the rest of its life, trips interleaved with the other changes
            kinds = ["trip"] * trips_of[i]
            kinds += ["update"] * (1 if self.rnd.random() < 0.4 else 0)
            kinds += ["move"] * (1 if self.rnd.random() < 0.2 else 0)
            kinds += ["relate"] * self.rnd.choice([0, 0, 0, 1, 1, 2, 3])
            self.rnd.shuffle(kinds)
            for k in kinds:
                evs.append(getattr(self, "_" + k)(cid, st))
            if sum(len(e) for _, e in batch) + len(evs) > 400:
                self._flush(batch)
                batch = []
            batch.append(("contact-" + cid, evs))
            if len(batch) == CONTACTS_PER_APPEND:
                self._flush(batch)
                batch = []
        self._flush(batch)

    def _trip(self, cid, st):
        start = FIRST_DAY + timedelta(days=self.rnd.randrange(DAYS - 5))
        end = start + timedelta(days=self.rnd.randrange(5))
        trip = {"id": cid, "trip": len(st["trips"]) + 1, "from": start.isoformat(),
                "to": end.isoformat(), "city": self.rnd.choice(CITIES)}
        if self.rnd.random() < 0.3:
            trip["hotel"] = self.rnd.choice(["Hilton", "Marriott", "Hyatt"])
        st["trips"].append(trip)
        return ("contact.trip_added", trip)

    def _update(self, cid, st):
        new = {}
        if self.rnd.random() < 0.3:
            new["name"] = st["name"] + " Jr"
        new["title"] = self.rnd.choice(["Chief", "VP", "Lead"])
        if "phone" in st and self.rnd.random() < 0.5:
            new["phone"] = None  # cleared
        new["influence"] = self.rnd.choice([x for x in (1, 2, 3, 4, 5) if x != st.get("influence")])
        changed = [f for f in CONTACT_FIELDS if f in new and new[f] != st.get(f)]
        data = {"id": cid, "changed": changed}
        for f in changed:
            data[f] = new[f]
            if new[f] is None:
                st.pop(f, None)
            else:
                st[f] = new[f]
        return ("contact.updated", data)

    def _move(self, cid, st):
        to = self.rnd.choice([a for a in self.accounts if a != st["account_id"]][:50])
        data = {"id": cid, "from": st["account_id"], "to": to, "reason": "changed jobs"}
        st["account_id"] = to
        st["moves"] += 1
        return ("contact.moved", data)

    def _relate(self, cid, st):
        known = self.known[cid]
        sp = self.rnd.choice(SALES)
        cur = known.get(sp)
        previous = cur["depth"] if cur else "none"
        if cur and self.rnd.random() < 0.25:
            depth = "none"
        else:
            depth = self.rnd.choice([d for d in DEPTHS if d != previous])
        data = {"id": cid, "previous": previous, "salesperson": sp, "depth": depth}
        if depth == "none":
            del known[sp]
        else:
            entry = {"depth": depth}
            if cur is None or self.rnd.random() < 0.5:
                data["notes"] = "met at %s" % self.rnd.choice(CITIES)
                entry["notes"] = data["notes"]
            elif "notes" in cur:
                entry["notes"] = cur["notes"]  # kept until new notes are given
            known[sp] = entry
        return ("contact.relationship_set", data)


# ---- processes ---------------------------------------------------------------

class Env:
    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="dbk-restart-")
        self.ctx = zmq.Context()
        self.procs = {}
        self.log_ep = "ipc://%s/log.sock" % self.tmp
        self.pub_ep = "ipc://%s/pub.sock" % self.tmp
        self.base = dict(os.environ, DEALBOOK_LOG_ENDPOINT=self.log_ep,
                         DEALBOOK_PUB_ENDPOINT=self.pub_ep, DEALBOOK_HEARTBEAT_MS="100",
                         DEALBOOK_TIMEOUT_MS="3000", DEALBOOK_LOG_LEVEL="info")
        self.clients = []

    def path(self, *p):
        return os.path.join(self.tmp, *p)

    def client(self, ep, timeout_ms=5000):
        c = dealbook.Client(ep, timeout_ms=timeout_ms, ctx=self.ctx)
        self.clients.append(c)
        return c

    def start(self, name, binary, data_dir, **extra):
        os.makedirs(data_dir, exist_ok=True)
        env = dict(self.base, DEALBOOK_DATA_DIR=data_dir, **extra)
        err = open(self.path(name + ".stderr"), "ab")
        try:
            p = subprocess.Popen([binary], env=env, stdin=subprocess.DEVNULL, stdout=err,
                                 stderr=err)
        finally:
            err.close()
        self.procs[name] = p
        return p

    def stderr(self, name):
        try:
            with open(self.path(name + ".stderr"), "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return "(none)"

    def wait_status(self, name, ep, timeout):
        c = self.client(ep, timeout_ms=200)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.procs[name].poll() is not None:
                raise Failure("%s exited with %s; its stderr:\n%s"
                              % (name, self.procs[name].returncode, self.stderr(name)[-3000:]))
            try:
                return c.status()
            except dealbook.DealbookError:
                time.sleep(0.01)
        raise Failure("%s did not answer STATUS within %d s; its stderr:\n%s"
                      % (name, timeout, self.stderr(name)[-3000:]))

    def kill(self, name, sig=signal.SIGKILL):
        p = self.procs.pop(name, None)
        if p is None or p.poll() is not None:
            return
        p.send_signal(sig)
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=5)

    def stop(self):
        for c in self.clients:
            c.close()
        for name in [n for n in self.procs if n != "log"] + ["log"]:
            self.kill(name, signal.SIGTERM)
        self.ctx.destroy(linger=0)
        shutil.rmtree(self.tmp, ignore_errors=True)


def cli(env, data_dir, cep, *args):
    r = subprocess.run([CLI] + list(args), capture_output=True, text=True, timeout=20,
                       env=dict(env.base, DEALBOOK_DATA_DIR=data_dir,
                                DEALBOOK_CONTACTS_ENDPOINT=cep))
    check(r.returncode == 0, "dealbook %s: rc %d" % (" ".join(args), r.returncode),
          r.stderr.strip())


# ---- steps -------------------------------------------------------------------

def learn_shapes(env, logc, m):
    """Let the service write one event of each kind through the CLI; check
    that the generator's payloads have the same keys in the same order."""
    d = env.path("shape")
    cep = "ipc://%s/shape.sock" % env.tmp
    env.start("shape", CONTACTS, d, DEALBOOK_CONTACTS_ENDPOINT=cep)
    env.wait_status("shape", cep, 10)
    cli(env, d, cep, "account", "add", "Account 9999 Works", "--type", "owner",
        "--region", "华东", "--city", "Shanghai", "--id", "shape1")
    cli(env, d, cep, "account", "add", "Account 9998 Works", "--type", "owner", "--id", "shape2")
    cli(env, d, cep, "account", "update", "shape1", "--region", "华北", "--city", "Beijing")
    cli(env, d, cep, "contact", "add", "Wang Wei00001", "--account", "shape1", "--title",
        "Engineer", "--phone", "+86 21 1234567", "--level", "decision", "--function",
        "technical", "--relationship", "trusted", "--influence", "5", "--id", "shapec")
    cli(env, d, cep, "contact", "trip", "add", "shapec", "--from", "2027-03-01", "--to",
        "2027-03-05", "--city", "Shanghai", "--hotel", "Hilton")
    cli(env, d, cep, "contact", "relate", "shapec", "--salesperson", "zhao", "--depth",
        "trusted", "--notes", "met at Wuhan")
    cli(env, d, cep, "contact", "update", "shapec", "--name", "Wang Wei00001 Jr", "--title",
        "Chief", "--phone", "", "--influence", "4")
    cli(env, d, cep, "contact", "move", "shapec", "--to", "shape2", "--reason", "changed jobs")
    got = {}
    for r in logc.read_all(1):
        got.setdefault(r["type"], r["data"])
    env.kill("shape", signal.SIGTERM)
    shutil.rmtree(d, ignore_errors=True)

    check(got.get("account.registered", {}).get("normalized_name") == normalized("Account 9999 Works"),
          "the generator normalises names as the service does", got.get("account.registered"))
    n = 0
    for req in m.requests:
        for _, evs in req:
            for t, data in evs:
                check(t in got, "the service wrote a %s through the CLI" % t, sorted(got))
                keys = list(got[t])
                check(set(data) <= set(keys) and list(data) == [k for k in keys if k in data],
                      "a generated %s has the keys of the service's, in its order" % t,
                      "service %r, generated %r" % (keys, list(data)))
                for k, v in data.items():
                    w = got[t].get(k)
                    check(v is None or w is None or type(v) is type(w),
                          "a generated %s.%s has the service's type" % (t, k), (v, w))
                n += 1
    ok("all %d generated events have the shape of the service's own (%s)"
       % (n, ", ".join(sorted(got))))


def append_all(logc, m, first_seq):
    head = first_seq - 1
    for req in m.requests:
        batches = [(stream, "any", [dealbook.new_event(t, d, actor="user:restart-test")
                                    for t, d in evs]) for stream, evs in req]
        reply = logc.append_many(batches)
        for (stream, _, evs), res in zip(batches, reply["results"]):
            check(res["first_seq"] == head + 1 and res["last_seq"] == head + len(evs)
                  and not res["duplicate"], "APPEND wrote %s at the expected seqs" % stream, res)
            head = res["last_seq"]
    return head


def status_counts(st):
    return {k: st.get(k) for k in ("seq_applied", "head", "lag", "accounts", "contacts",
                                   "trips")}


def catch_mid_way(env, head):
    """Start service A, SIGKILL it while 0 < seq_applied < head (aiming at
    a random point between 20 % and 70 % of the log on the first try).
    Returns the seq_applied of the last STATUS before the kill."""
    d = env.path("a")
    cep = "ipc://%s/a.sock" % env.tmp
    for attempt in range(1, 4):
        shutil.rmtree(d, ignore_errors=True)
        open(env.path("a.stderr"), "wb").close()
        # somewhere in the middle first; on a retry, anywhere inside the log
        target = int(head * random.uniform(0.2, 0.7)) if attempt == 1 else 1
        p = env.start("a", CONTACTS, d, DEALBOOK_CONTACTS_ENDPOINT=cep)
        c = dealbook.Client(cep, timeout_ms=2000, ctx=env.ctx)
        seen = []
        try:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and p.poll() is None:
                try:
                    st = c.status()
                except dealbook.DealbookError:
                    continue
                seen.append(st["seq_applied"])
                if target <= st["seq_applied"] < head:
                    p.send_signal(signal.SIGKILL)
                    p.wait(timeout=5)
                    env.procs.pop("a")
                    return st["seq_applied"], attempt, seen
                if st["seq_applied"] >= head:
                    break
        finally:
            c.close()
        env.kill("a")
        print("# attempt %d: did not catch the replay mid-way (seq_applied seen: %s)"
              % (attempt, seen[:5] + ["..."] + seen[-5:] if len(seen) > 10 else seen),
              flush=True)
    raise Failure("could not SIGKILL the contacts service in the middle of its replay in "
                  "3 attempts (it replayed %d events too fast, or did not answer STATUS "
                  "during the replay): make the log bigger" % head)


def wait_caught_up(env, name, ep, head, timeout=40):
    c = env.client(ep, timeout_ms=2000)
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if env.procs[name].poll() is not None:
            raise Failure("%s exited: %s" % (name, env.stderr(name)[-3000:]))
        try:
            last = c.status()
        except dealbook.DealbookError:
            continue
        if last["seq_applied"] >= head:
            check(last["seq_applied"] == head and last["lag"] == 0,
                  "%s applied exactly up to the head %d" % (name, head), status_counts(last))
            return last
        time.sleep(0.02)
    raise Failure("%s did not catch up with seq %d within %d s; last STATUS %s"
                  % (name, head, timeout, last and status_counts(last)))


def all_pages(c, op, key, **args):
    out = []
    after = None
    for _ in range(10000):
        a = dict(args)
        if after is not None:
            a["after"] = after
        r = c.call(op, **a)
        out.extend(r[key])
        after = r.get("next")
        if after is None:
            return out
    raise Failure("%s %r: paging does not end" % (op, args))


def compare(what, a, b):
    if a != b:
        if isinstance(a, list) and isinstance(b, list):
            for i, (x, y) in enumerate(zip(a, b)):
                if x != y:
                    raise Failure("%s: A and B differ at item %d:\n  A %r\n  B %r"
                                  % (what, i, x, y))
            raise Failure("%s: A has %d items, B %d" % (what, len(a), len(b)))
        raise Failure("%s: A and B differ:\n  A %r\n  B %r" % (what, a, b))


def strip(reply):
    return {k: v for k, v in reply.items() if k not in ("v", "rid", "ok")}


def compare_models(env, m, ca, cb, shape_accounts):
    # STATUS counts
    sa, sb = ca.status(), cb.status()
    want = {"accounts": N_ACCOUNTS + shape_accounts, "contacts": N_CONTACTS + 1,
            "trips": N_TRIPS + 1}
    for k, v in want.items():
        check(sa[k] == v and sb[k] == v, "STATUS %s: A %s, B %s, expected %s"
              % (k, sa[k], sb[k], v))
    ok("STATUS counts agree: %s" % want)

    # every account, page by page
    la = all_pages(ca, "ACCOUNT_LIST", "accounts", limit=37)
    lb = all_pages(cb, "ACCOUNT_LIST", "accounts", limit=37)
    compare("ACCOUNT_LIST", la, lb)
    mine = [a for a in la if a["id"] in m.accounts]
    check([a["id"] for a in mine] == sorted(m.accounts), "ACCOUNT_LIST lists every account once",
          [a["id"] for a in mine][:20])
    for a in mine:
        w = m.accounts[a["id"]]
        for k in set(w) | {"region", "city"}:
            check(a.get(k) == w.get(k), "account %s %s" % (a["id"], k),
                  "model %r, expected %r" % (a.get(k), w.get(k)))
    for city in CITIES[:3]:
        compare("ACCOUNT_LIST city %s" % city,
                all_pages(ca, "ACCOUNT_LIST", "accounts", city=city, limit=50),
                all_pages(cb, "ACCOUNT_LIST", "accounts", city=city, limit=50))
    ok("ACCOUNT_LIST: %d accounts, every page equal in A and B and as generated" % len(la))

    # every contact: the full list, and each account's people
    ca_all = all_pages(ca, "CONTACT_LIST", "contacts", limit=500)
    compare("CONTACT_LIST", ca_all, all_pages(cb, "CONTACT_LIST", "contacts", limit=500))
    ids = [c["id"] for c in ca_all if c["id"] in m.contacts]
    check(ids == sorted(m.contacts), "CONTACT_LIST lists every contact once", len(ids))
    by_account = {}
    for cid, st in m.contacts.items():
        by_account.setdefault(st["account_id"], []).append(cid)
    for aid in sorted(m.accounts):
        pa = all_pages(ca, "CONTACT_LIST", "contacts", account_id=aid, limit=100)
        compare("CONTACT_LIST of %s" % aid, pa,
                all_pages(cb, "CONTACT_LIST", "contacts", account_id=aid, limit=100))
        check([c["id"] for c in pa] == sorted(by_account.get(aid, [])),
              "the people of %s now" % aid, "model %r, expected %r"
              % ([c["id"] for c in pa], sorted(by_account.get(aid, []))))
    for prefix in ("wang", "li wei", "zhang na0", "chen fang01"):
        compare("CONTACT_LIST prefix %s" % prefix,
                all_pages(ca, "CONTACT_LIST", "contacts", prefix=prefix, limit=200),
                all_pages(cb, "CONTACT_LIST", "contacts", prefix=prefix, limit=200))
    ok("CONTACT_LIST: %d contacts, and the people of each of %d accounts, equal and as "
       "generated" % (len(ca_all), len(m.accounts)))

    # every contact in full: fields, moves, trip_count, trips
    for cid in sorted(m.contacts):
        ga, gb = strip(ca.call("CONTACT_GET", id=cid)), strip(cb.call("CONTACT_GET", id=cid))
        compare("CONTACT_GET %s" % cid, ga, gb)
        w = m.contacts[cid]
        check(ga["trip_count"] == len(w["trips"]),
              "contact %s has trip_count %d, %d trips were appended (an event applied twice "
              "or skipped)" % (cid, ga["trip_count"], len(w["trips"])))
        check(ga["trips"] == w["trips"], "contact %s trips as appended" % cid,
              "model %r, expected %r" % (ga["trips"], w["trips"]))
        check(ga["moves"] == w["moves"] and ga["account_id"] == w["account_id"],
              "contact %s moves / account" % cid, (ga["moves"], ga["account_id"], w["moves"],
                                                   w["account_id"]))
        for f in CONTACT_FIELDS:
            check(ga.get(f) == w.get(f), "contact %s %s" % (cid, f),
                  "model %r, expected %r" % (ga.get(f), w.get(f)))
    ok("CONTACT_GET of all %d contacts equal in A and B; fields, moves, trip_count and "
       "trips as generated" % len(m.contacts))

    # the notebook: every city, 10-day windows over the whole range
    nq = ntrips = 0
    by_city = {}
    for cid, st in m.contacts.items():
        for t in st["trips"]:
            by_city.setdefault(t["city"], []).append((cid, t["trip"], t["from"], t["to"]))
    for city in CITIES:
        day = FIRST_DAY - timedelta(days=10)
        while day < FIRST_DAY + timedelta(days=DAYS + 10):
            end = day + timedelta(days=9)
            args = {"city": city.upper(), "from": day.isoformat(), "to": end.isoformat()}
            ra, rb = strip(ca.call("NOTEBOOK_CITY", **args)), strip(cb.call("NOTEBOOK_CITY", **args))
            compare("NOTEBOOK_CITY %r" % args, ra, rb)
            check(ra["more"] is False, "NOTEBOOK_CITY window small enough", args)
            got = sorted((t["id"], t["trip"]) for t in ra["trips"] if t["id"] in m.contacts)
            exp = sorted((cid, no) for cid, no, first, last in by_city.get(city, ())
                         if first <= args["to"] and last >= args["from"])
            check(got == exp, "NOTEBOOK_CITY %r: the trips as generated" % args,
                  "missing %r, extra %r" % (sorted(set(exp) - set(got))[:10],
                                            sorted(set(got) - set(exp))[:10]))
            for t in ra["trips"]:
                if t["id"] in m.contacts:
                    check(t["account_id"] == m.contacts[t["id"]]["account_id"],
                          "NOTEBOOK_CITY trip of %s names its account now" % t["id"], t)
            nq += 1
            ntrips += len(ra["trips"])
            day = end + timedelta(days=1)
    ok("NOTEBOOK_CITY: %d windows over %d cities (%d trip rows) equal and as generated"
       % (nq, len(CITIES), ntrips))

    # the relationship map, both ways
    nrel = 0
    for cid in sorted(m.contacts):
        w = m.known[cid]
        if not w and int(cid[3:]) % 10:
            continue
        ra = strip(ca.call("RELATIONSHIP_MAP", contact_id=cid))
        compare("RELATIONSHIP_MAP %s" % cid, ra, strip(cb.call("RELATIONSHIP_MAP", contact_id=cid)))
        got = {k["salesperson"]: {x: v for x, v in k.items() if x != "salesperson"}
               for k in ra["known_by"]}
        check(got == w, "RELATIONSHIP_MAP %s as generated" % cid,
              "model %r, expected %r" % (got, w))
        nrel += 1
    for sp in SALES:
        pa = all_pages(ca, "RELATIONSHIP_MAP", "contacts", salesperson=sp, limit=97)
        compare("RELATIONSHIP_MAP salesperson %s" % sp, pa,
                all_pages(cb, "RELATIONSHIP_MAP", "contacts", salesperson=sp, limit=97))
        got = [(c["id"], c["depth"]) for c in pa if c["id"] in m.contacts]
        exp = [(cid, m.known[cid][sp]["depth"]) for cid in sorted(m.contacts) if sp in m.known[cid]]
        check(got == exp, "RELATIONSHIP_MAP salesperson %s as generated" % sp,
              "got %d, expected %d" % (len(got), len(exp)))
    ok("RELATIONSHIP_MAP of %d contacts and of %d salespeople equal and as generated"
       % (nrel, len(SALES)))


def main():
    for b in (EVENTLOG, CONTACTS, CLI):
        if not os.access(b, os.X_OK):
            print("skip: no binary %s" % b)
            return 77
    env = Env()
    try:
        env.start("log", EVENTLOG, env.path("log"))
        env.wait_status("log", env.log_ep, 10)
        logc = env.client(env.log_ep, timeout_ms=10000)
        m = Model(20261128)
        m.account_events()
        m.contact_events()
        learn_shapes(env, logc, m)
        shape_head = logc.status()["head"]
        head = append_all(logc, m, shape_head + 1)
        check(head == shape_head + m.nevents and logc.status()["head"] == head,
              "the log holds every appended event", (head, shape_head, m.nevents))
        ok("appended %d events in %d APPENDs (head %d)" % (m.nevents, len(m.requests), head))

        killed_at, attempt, seen = catch_mid_way(env, head)
        check(0 < killed_at < head, "killed mid-way", (killed_at, head))
        ok("SIGKILLed service A at seq_applied %d of %d (attempt %d, %d STATUS polls)"
           % (killed_at, head, attempt, len(seen)))

        cep_a = "ipc://%s/a.sock" % env.tmp
        before = len(env.stderr("a"))
        env.start("a", CONTACTS, env.path("a"), DEALBOOK_CONTACTS_ENDPOINT=cep_a)
        env.wait_status("a", cep_a, 10)
        mt = None
        deadline = time.monotonic() + 5
        while mt is None and time.monotonic() < deadline:
            mt = re.search(r"read model \S+ at seq (\d+)", env.stderr("a")[before:])
            time.sleep(0.01)
        check(mt is not None, "the restarted service logs its checkpoint", env.stderr("a")[-2000:])
        checkpoint = int(mt.group(1))
        check(killed_at <= checkpoint < head,
              "the restarted service resumes from a checkpoint inside the log "
              "(last STATUS before the kill %d, head %d)" % (killed_at, head), checkpoint)
        st_a = wait_caught_up(env, "a", cep_a, head)
        ok("restarted A from its checkpoint %d and caught up: %s" % (checkpoint, status_counts(st_a)))

        cep_b = "ipc://%s/b.sock" % env.tmp
        env.start("b", CONTACTS, env.path("b"), DEALBOOK_CONTACTS_ENDPOINT=cep_b)
        env.wait_status("b", cep_b, 10)
        st_b = wait_caught_up(env, "b", cep_b, head)
        ok("B replayed the whole log: %s" % status_counts(st_b))
        check("at seq 0" in env.stderr("b"), "B started from an empty read model",
              env.stderr("b")[-1000:])

        ca, cb = env.client(cep_a, 10000), env.client(cep_b, 10000)
        compare_models(env, m, ca, cb, shape_accounts=2)
        print("contacts restart: ok (killed at seq %d of %d, resumed from %d; %.1f s)"
              % (killed_at, head, checkpoint, time.monotonic() - T0), flush=True)
        return 0
    except (Failure, dealbook.DealbookError, subprocess.TimeoutExpired) as e:
        print("FAIL: %s: %s" % (type(e).__name__, e), flush=True)
        for name in ("a", "b", "log"):
            tail = env.stderr(name)
            if tail != "(none)":
                print("--- %s stderr (tail) ---\n%s" % (name, tail[-1500:]), flush=True)
        return 1
    finally:
        env.stop()


if __name__ == "__main__":
    sys.exit(main())
