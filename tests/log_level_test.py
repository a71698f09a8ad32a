#!/usr/bin/python3
"""log_level_test.py - DEALBOOK_LOG_LEVEL=debug adds lines an operator can
follow a command by, with real dealbook-eventlog and dealbook-contacts
processes: the log's group commits, and each command a service appended
or refused; at the default level (info) none of them.

Run by tests/run.sh with /usr/bin/python3; exit 0 pass, 77 skip.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from services import Services, fail, missing, ok  # noqa: E402
from services import cmd as send  # noqa: E402

NAMES = ("eventlog", "contacts")


def run(level):
    """The services' stderr after one accepted and one refused command."""
    svc = Services(NAMES, prefix="dbk-lvl-", DEALBOOK_LOG_LEVEL=level)
    try:
        svc.start()
        c = svc.up("contacts")
        ok(send(c, "ACCOUNT_REGISTER", actor="zhao", id="a1", name="Metro", type="owner"), "reg")
        send(c, "ACCOUNT_REGISTER", actor="zhao", id="a2", name="Metro", type="owner")
        c.close()
        svc.stop("contacts")
        svc.stop("eventlog")
        svc.errlog.flush()
        return open(os.path.join(svc.dir, "services.err")).read()
    finally:
        svc.close()


def main():
    if missing(NAMES):
        return 77
    out = run("debug")
    for want in (" D eventlog: committed 1 appends, 1 events, head 1, in ",
                 " D contacts: ACCOUNT_REGISTER by zhao: 1 events appended, seq 1..1",
                 " D contacts: ACCOUNT_REGISTER by zhao refused (DUPLICATE, field name): "):
        if want not in out:
            fail("no line %r at debug:\n%s" % (want, out))
    out = run("info")
    if " D " in out:
        fail("debug lines at info:\n%s" % out)
    print("log level: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
