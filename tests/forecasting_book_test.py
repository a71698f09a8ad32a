#!/usr/bin/python3
"""forecasting_book_test.py - kept books: an as-of replay that goes on
from a book written by KEEP_BOOK, through real dealbook-eventlog and
dealbook-forecasting processes.

The history of forecasting_asof_test.py (about 12,000 events over five
months, of two services) is appended in two parts, with KEEP_BOOK after
each. Every as-of answer from a kept book must equal the full replay's
(`book: false`), and STATUS must say which answers started from a book:
- as of today, after part one and after part two (the book then goes on
  from the first book: it folds only part two);
- as of a past date: the book folded later business dates, so it must
  not be used;
- after an event dated ten days ahead is kept: as of today the book no
  longer fits, as of that day it does;
- a book altered on disk is deleted and not used; a book whose last event
  is not the log's (its checksum made to match) is deleted, and the
  answer comes from a full replay.
Those run with DEALBOOK_BOOK_EVERY=0 (KEEP_BOOK only). Then, with
DEALBOOK_BOOK_EVERY=2000, the service keeps the book by itself once it
has caught up, and again after 2,000 more events; a service killed (-9)
while it writes a book leaves no book that is used, and starts again from
the one before.
Last, day books: part of the history is recorded by an event log whose
clock runs a day behind (libfaketime), the rest by one with the right
time. Yesterday's day book is written only once the log holds an event of
ours recorded today (before that, an event recorded yesterday could still
come); as of yesterday and as of today the answers then start from it and
equal the full replay.

Run by tests/run.sh with /usr/bin/python3; exit 0 pass, 77 skip.
"""
import datetime
import glob
import hashlib
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from forecasting_asof_test import append, history  # noqa: E402
from services import Services, dealbook, fail, missing, preloaded  # noqa: E402

NAMES = ("eventlog", "forecasting")


def caught_up(log, fc):
    head = log.status()["head"]
    for _ in range(1500):
        if fc.call("STATUS")["seq_applied"] >= head:
            return head
        time.sleep(0.02)
    fail("forecasting did not catch up with %d events" % head)


def strip(r):
    return {k: v for k, v in r.items() if k not in ("v", "rid", "ok")}


class Checker:
    def __init__(self, fc, quarter):
        self.fc = fc
        self.queries = [("FUNNEL", {}), ("FUNNEL", {"owner": "o3", "region": "east"}),
                        ("FORECAST", {"period": quarter, "team": "t2"}),
                        ("WINLOSS", {"by": "competitor"})]

    def from_book(self):
        return self.fc.call("STATUS")["as_of"]["from_book"]

    def same(self, as_of, book_used, what):
        """Each query as of as_of equals the full replay's answer; the
        first one started from a kept book exactly when book_used."""
        for i, (op, args) in enumerate(self.queries):
            before = self.from_book()
            kept = strip(self.fc.call(op, as_of=as_of, **args))
            used = self.from_book() - before
            full = strip(self.fc.call(op, as_of=as_of, book=False, **args))
            if self.from_book() - before != used:
                fail("%s: book=false started from a kept book" % what)
            if kept != full:
                fail("%s: %s %r as of %s: from the book %r, full replay %r"
                     % (what, op, args, as_of, kept, full))
            if used != (1 if book_used else 0):
                fail("%s: %s %r as of %s: %s a kept book" % (what, op, args, as_of,
                                                             "did not start from" if book_used
                                                             else "started from"))


def books(svc):
    return sorted(glob.glob(os.path.join(svc.dir, "forecasting", "books", "book-*.fcb")))


def keep(fc, what):
    r = fc.call("KEEP_BOOK")
    if not r.get("written"):
        fail("%s: KEEP_BOOK answered %r" % (what, r))
    return r


def main():
    if missing(NAMES):
        return 77
    svc = Services(NAMES, prefix="dbk-fcbook-", DEALBOOK_BOOK_EVERY="0")
    try:
        svc.start()
        log = svc.client("eventlog", timeout_ms=20000)
        fc = svc.client("forecasting", timeout_ms=60000)
        today = datetime.datetime.now(datetime.timezone.utc).date()
        t = today.isoformat()
        quarter = "%d-Q%d" % (today.year, (today.month - 1) // 3 + 1)
        chk = Checker(fc, quarter)
        evs = history(today)
        cut = len(evs) * 2 // 3
        append(log, evs[:cut])
        caught_up(log, fc)

        first = keep(fc, "a book of part one")
        if first["from_seq"] != 0 or first["replayed"] == 0 or first["seq"] == 0:
            fail("the first book: %r" % first)
        r0 = fc.call("KEEP_BOOK")  # nothing new since: not written again
        if r0["written"] or r0["replayed"] != 0 or r0["seq"] != first["seq"]:
            fail("KEEP_BOOK with nothing new: %r" % r0)
        if len(books(svc)) != 1:
            fail("one book expected after part one: %r" % books(svc))
        chk.same(t, True, "after part one")

        append(log, evs[cut:])
        head = caught_up(log, fc)
        chk.same(t, True, "part two after the book of part one")
        second = keep(fc, "a book of both parts")
        folded = sum(1 for _, ty, _ in evs[cut:] if not ty.startswith("activity."))
        if second["from_seq"] != r0["seq"] or second["replayed"] != folded:
            fail("the second book went on from seq %r with %r events, want %r and %d: %r"
                 % (second["from_seq"], second["replayed"], r0["seq"], folded, second))
        if second["read_to"] != head or second["pairs"] < 2500:
            fail("the second book: %r (head %d)" % (second, head))
        chk.same(t, True, "from the second book")
        now = strip(fc.call("FUNNEL"))
        past = strip(fc.call("FUNNEL", as_of=t))
        past.pop("as_of")
        now.pop("as_of")
        if now != past:
            fail("as of today from the book %r, the read model %r" % (past, now))
        chk.same((today - datetime.timedelta(days=30)).isoformat(), False, "a past date")

        ahead = (today + datetime.timedelta(days=10)).isoformat()
        # an update of a deal registered (one of a deal never registered
        # is ignored, as the opportunities service ignores it, and dates
        # nothing)
        deal = next(d["id"] for _, ty, d in evs if ty == "opportunity.registered")
        append(log, [("opportunity-" + deal, "opportunity.updated",
                      {"id": deal, "changed": ["amount"], "amount": 7, "on": ahead})])
        caught_up(log, fc)
        keep(fc, "a book with an event dated ahead")
        if len(books(svc)) != 2:
            fail("the two newest books are kept: %r" % books(svc))
        chk.same(t, True, "as of today with the older book")  # the newest does not fit
        chk.same(ahead, True, "as of the day ahead")

        newest = books(svc)[-1]
        with open(newest, "r+b") as f:  # one byte altered: the checksum fails
            f.seek(os.path.getsize(newest) // 2)
            b = f.read(1)
            f.seek(-1, 1)
            f.write(bytes([b[0] ^ 0x55]))
        chk.same(ahead, True, "an altered newest book")  # the older one fits too
        if newest in books(svc):
            fail("the altered book was not deleted")

        only = books(svc)[-1]
        with open(only, "rb") as f:
            data = bytearray(f.read())
        data[32] ^= 0xFF  # the hash of the book's last event, at offset 32
        data[-32:] = hashlib.blake2b(bytes(data[:-32]), digest_size=32).digest()
        with open(only, "wb") as f:
            f.write(data)
        before = chk.from_book()
        past = strip(fc.call("FUNNEL", as_of=t))
        full = strip(fc.call("FUNNEL", as_of=t, book=False))
        if past != full or chk.from_book() != before:
            fail("a book of another log: %r (from a book: %d), full replay %r"
                 % (past, chk.from_book() - before, full))
        if books(svc):
            fail("the book of another log was not deleted: %r" % books(svc))
        try:
            bad = fc.call("FUNNEL", as_of=t, book="yes")
            fail("book must be a boolean, yet FUNNEL answered %r" % bad)
        except dealbook.DealbookError as e:
            if e.field != "book" or e.code != "INVALID":
                fail("book must be a boolean: %s %s %s" % (e.code, e.field, e))
    finally:
        svc.close()
    kept = background()
    day = day_book()
    print("forecasting kept books over %d events: as-of answers from a book equal the "
          "full replay; the second book folded %d events; a book that does not fit, is "
          "altered or is of another log is not used; kept in the background: %s; %s"
          % (head, second["replayed"], kept, day))
    return 0


def book_read_to(fc, at_least, what):
    for _ in range(1500):
        st = fc.call("STATUS")["as_of"]
        if st["book_read_to"] >= at_least:
            return st["book_read_to"]
        time.sleep(0.02)
    fail("%s: the book was not kept in the background (STATUS %r)" % (what, st))


def background():
    svc = Services(NAMES, prefix="dbk-fcbook-bg-", DEALBOOK_BOOK_EVERY="2000")
    try:
        # the service starts on a log that is already written, and catches
        # up in one go: it keeps one book, at the head
        svc.start("eventlog")
        log = svc.client("eventlog", timeout_ms=20000)
        today = datetime.datetime.now(datetime.timezone.utc).date()
        t = today.isoformat()
        evs = history(today)
        append(log, evs[:6000])
        svc.start("forecasting")
        fc = svc.client("forecasting", timeout_ms=60000)
        chk = Checker(fc, "%d-Q%d" % (today.year, (today.month - 1) // 3 + 1))
        head = caught_up(log, fc)
        book_read_to(fc, head, "after catching up")
        if len(books(svc)) != 1:
            fail("one book kept in the background: %r" % books(svc))
        chk.same(t, True, "the book kept in the background")
        append(log, evs[6000:7000])  # fewer than 2000: not kept again
        head2 = caught_up(log, fc)
        time.sleep(1.5)
        if fc.call("STATUS")["as_of"]["book_read_to"] >= head2:
            fail("the book was kept again after %d events (every 2000)" % (head2 - head))
        svc.stop("forecasting")  # again: the rest in one go, one book at the head
        append(log, evs[7000:])
        svc.start("forecasting")
        fc = svc.client("forecasting", timeout_ms=60000)
        chk.fc = fc
        head3 = caught_up(log, fc)
        book_read_to(fc, head3, "after 2000 more events")
        if len(books(svc)) != 2:
            fail("the two newest books are kept: %r" % books(svc))
        # a kill -9 while a book is written: what is on disk still serves
        p = svc.procs.pop("forecasting")
        p.kill()
        p.wait(10)
        with open(os.path.join(svc.dir, "forecasting", "books", "book.tmp"), "wb") as f:
            f.write(b"DBKBOOK\0" + b"\0" * 100)  # what a killed write leaves
        svc.start("forecasting")
        fc = svc.client("forecasting", timeout_ms=60000)
        chk.fc = fc
        caught_up(log, fc)
        chk.same(t, True, "after a kill -9 with a half-written book")
        return "%d events, kept at %d and %d" % (head3, head, head3)
    finally:
        svc.close()


FAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"


def day_book():
    if not os.path.exists(FAKETIME):
        fail("libfaketime is missing (make installs the faketime package)")
    today = datetime.datetime.now(datetime.timezone.utc).date()
    yesterday = today - datetime.timedelta(days=1)
    svc = Services(NAMES, prefix="dbk-fcbook-day-", DEALBOOK_BOOK_EVERY="1000000000")
    try:
        base = dict(svc.env)
        svc.env.update(FAKETIME="-1d", FAKETIME_DONT_FAKE_MONOTONIC="1",
                       **preloaded(base, FAKETIME))
        svc.start("eventlog")  # recording yesterday
        svc.env = base
        svc.start("forecasting")
        log = svc.client("eventlog", timeout_ms=20000)
        fc = svc.client("forecasting", timeout_ms=60000)
        chk = Checker(fc, "%d-Q%d" % (today.year, (today.month - 1) // 3 + 1))
        evs = history(yesterday)
        append(log, evs[:5000])
        caught_up(log, fc)
        # fc_day numbers days from 0000-03-01 (day 0): 1970-01-01 is 719468
        daynum = 719468 + (yesterday - datetime.date(1970, 1, 1)).days
        want = os.path.join(svc.dir, "forecasting", "books", "book-*-%08d.fcb" % daynum)
        time.sleep(1.5)  # the service looks once a second
        if glob.glob(want):
            fail("a day book of %s before the log moved past it: %r" % (yesterday, books(svc)))
        svc.stop("eventlog")
        svc.start("eventlog")  # recording today
        log = svc.client("eventlog", timeout_ms=20000)
        for _ in range(500):
            try:
                log.status()
                break
            except dealbook.DealbookError:
                time.sleep(0.02)
        append(log, evs[5000:])
        caught_up(log, fc)
        for _ in range(1500):
            if glob.glob(want):
                break
            time.sleep(0.02)
        else:
            fail("no day book of %s was kept: %r" % (yesterday, books(svc)))
        if len(books(svc)) != 1:
            fail("only the day book is kept (no book of the head is due): %r" % books(svc))
        chk.same(yesterday.isoformat(), True, "as of yesterday, from its day book")
        chk.same(today.isoformat(), True, "as of today, from yesterday's day book")
        return "the day book of %s" % yesterday
    finally:
        svc.close()


if __name__ == "__main__":
    sys.exit(main())
