"""A SIGTERM stops a service whichever of its threads the kernel hands it to.

A signal sent to a process goes to any one of its threads that does not
block it: the main thread, which waits for it, or a service's own thread
(the service actor, the subscriber's decode thread), which libzmq's threads
are not. The handler only sets a flag; the main thread, asleep in a poll
with no timeout, never saw it, and the process ran on until a supervisor's
SIGKILL (docker stop: 10 s later, with no clean stop). Each thread of each
binary that can take the signal gets it here with tgkill, and the process
must stop by itself, cleanly (exit 0), well within docker's grace time.
Real dealbook-eventlog and dealbook-contacts processes over ipc.
"""
import ctypes
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from services import Services, dealbook, fail, missing  # noqa: E402

SYS_TGKILL = 234  # x86_64
libc = ctypes.CDLL(None, use_errno=True)


def threads(pid):
    """{tid: name} of the process's threads that do not block SIGTERM."""
    out = {}
    for tid in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/status" % (pid, tid)) as f:
            st = dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)
        if not int(st["SigBlk"], 16) & (1 << (15 - 1)):
            out[int(tid)] = st["Name"]
    return out


def stops_on(svc, name, pick):
    """Start `name`, send SIGTERM to the thread `pick` chooses, wait for a
    clean exit."""
    svc.start(name)
    svc.up(name)
    p = svc.procs[name]
    deadline = time.time() + 5
    while True:  # the decode thread starts once the service follows the log
        ts = threads(p.pid)
        tid = pick(p.pid, ts)
        if tid:
            break
        if time.time() > deadline:
            fail("%s: no thread to signal among %s" % (name, ts))
        time.sleep(0.02)
    if libc.syscall(SYS_TGKILL, p.pid, tid, 15) != 0:
        fail("tgkill: errno %d" % ctypes.get_errno())
    try:
        rc = p.wait(8)
    except subprocess.TimeoutExpired:
        fail("%s ran on after a SIGTERM taken by its thread %d (%s)" % (name, tid, ts[tid]))
    if rc != 0:
        fail("%s exited %d after SIGTERM" % (name, rc))
    del svc.procs[name]
    return ts[tid]


def main():
    if missing(["eventlog", "contacts"]):
        sys.exit(77)
    svc = Services(["eventlog", "contacts"], prefix="dbk-signal-")
    try:
        # the log: its server actor's thread (not the main thread)
        took = stops_on(svc, "eventlog", lambda pid, ts: next((t for t in ts if t != pid), None))
        print("eventlog stopped on a SIGTERM taken by %s" % took)
        svc.start("eventlog")
        log = svc.up("eventlog")
        # pages to catch up with: the subscriber decodes them on its own thread
        for i in range(5):
            log.append("memo-%d" % i, [dealbook.new_event("memo.noted", {"n": n})
                                       for n in range(1000)])
        # a domain service: the subscriber's decode thread, then its actor's
        took = stops_on(svc, "contacts",
                        lambda pid, ts: next((t for t, n in ts.items() if n == "dbk-decode"), None))
        print("contacts stopped on a SIGTERM taken by %s" % took)
        took = stops_on(svc, "contacts", lambda pid, ts: next(
            (t for t, n in ts.items() if t != pid and n != "dbk-decode"), None))
        print("contacts stopped on a SIGTERM taken by %s" % took)
    finally:
        svc.close()
    print("signal thread: ok")


main()
