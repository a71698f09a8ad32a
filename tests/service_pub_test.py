#!/usr/bin/python3
"""service_pub_test.py - a service whose DEALBOOK_PUB_ENDPOINT reaches no
log says so, with real dealbook-eventlog and dealbook-contacts processes.

The service follows the log by READ when its PUB brings nothing, so a
wrong PUB endpoint showed nowhere: the service was up, its lag small,
and events reached it seconds late. It now logs one warning naming the
endpoint once nothing came on the PUB for 10 heartbeats (2 s at least)
while the log answers; commands still work, by polling.

Run by tests/run.sh with /usr/bin/python3; exit 0 pass, 77 skip.
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from services import Services, fail, missing, ok  # noqa: E402
from services import cmd as send  # noqa: E402

NAMES = ("eventlog", "contacts")
WARNING = "nothing from the event log's PUB at"


def main():
    if missing(NAMES):
        return 77
    svc = Services(NAMES, prefix="dbk-pub-")
    try:
        svc.start("eventlog")
        svc.up("eventlog").close()
        good = svc.env["DEALBOOK_PUB_ENDPOINT"]
        wrong = "ipc://%s/nopub.sock" % svc.dir
        svc.env["DEALBOOK_PUB_ENDPOINT"] = wrong
        svc.start("contacts")
        svc.env["DEALBOOK_PUB_ENDPOINT"] = good
        c = svc.up("contacts")
        # commands still work: the service reads the log when it is quiet
        ok(send(c, "ACCOUNT_REGISTER", id="a1", name="Metro", type="owner"), "register")
        errfile = os.path.join(svc.dir, "services.err")
        deadline = time.time() + 15
        line = None
        while time.time() < deadline and line is None:
            svc.errlog.flush()
            with open(errfile) as f:
                line = next((x for x in f if WARNING in x), None)
            time.sleep(0.2)
        if line is None:
            fail("no warning of a silent PUB endpoint; the log says:\n" + open(errfile).read())
        if wrong not in line or "DEALBOOK_PUB_ENDPOINT" not in line:
            fail("the warning names neither the endpoint nor the setting: %r" % line)
        with open(errfile) as f:
            if sum(WARNING in x for x in f) != 1:
                fail("the warning is said more than once")
        # a service on the right endpoint says nothing of the kind
        svc.stop("contacts")
        open(errfile, "w").close()
        svc.start("contacts")
        c = svc.up("contacts")
        time.sleep(3)
        svc.errlog.flush()
        if WARNING in open(errfile).read():
            fail("a warning with a PUB that works")
        print("service pub: ok")
        return 0
    finally:
        svc.close()


if __name__ == "__main__":
    sys.exit(main())
