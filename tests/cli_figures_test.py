#!/usr/bin/python3
"""cli_figures_test.py - the CLI computes nothing that wraps from the
figures a service sends it, against a stand-in service (a ROUTER on ipc
that answers PING, STATUS, WINLOSS and QUOTE_GET) and the real
`dealbook` binary.

A service's integers are int64 on the wire, whatever they count. The
CLI's own arithmetic on them must hold for any int64:
- `dealbook winloss` prints each row's win rate, won / (won + lost +
  abandoned): with 2^62 deals won and as many lost the products and the
  sum pass an int64; the rate is 50.0%;
- `dealbook quote show` prints basis points as percentages: a discount
  of INT64_MIN basis points is -92233720368547758.08%.

Run by tests/run.sh with /usr/bin/python3; exit 0 pass, 77 skip.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import threading

import msgpack
import zmq

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from services import BIN, fail  # noqa: E402

BIG = 2**62
INT64_MIN = -2**63

ANSWERS = {
    "PING": {},
    "STATUS": {"head": 0},
    "WINLOSS": {"by": "reason", "currency": "CNY", "as_of": None,
                "rows": [{"key": "price", "won": BIG, "lost": BIG, "abandoned": 0,
                          "won_amount": 2**63 - 1, "lost_amount": INT64_MIN},
                         {"key": "service", "won": BIG, "lost": 0, "abandoned": BIG * 2 - 1,
                          "won_amount": 0, "lost_amount": 0}]},
    "QUOTE_GET": {"id": "q1", "tender_id": "t1", "currency": "CNY", "status": "draft",
                  "revision": 1, "lines": [],
                  "totals": {"list_total": 0, "total": 0, "discount_bp": INT64_MIN,
                             "max_discount_bp": 0, "max_effective_discount_bp": 0,
                             "cost_known": False, "margin": 0, "margin_bp": 0},
                  "timeline": []},
}


def serve(sock, stop):
    poller = zmq.Poller()
    poller.register(sock, zmq.POLLIN)
    while not stop.is_set():
        if not poller.poll(50):
            continue
        frames = sock.recv_multipart()
        req = msgpack.unpackb(frames[-1], raw=False)
        reply = dict(v=1, rid=req.get("rid"), ok=True, **ANSWERS.get(req.get("op"), {}))
        sock.send_multipart(frames[:-1] + [msgpack.packb(reply, use_bin_type=True)])


def main():
    if not os.access(os.path.join(BIN, "dealbook"), os.X_OK):
        print("skip: no dealbook")
        return 77
    d = tempfile.mkdtemp(prefix="dbk-clifig-")
    ctx = zmq.Context.instance()
    sock = ctx.socket(zmq.ROUTER)
    sock.setsockopt(zmq.LINGER, 0)
    ends = {k: "ipc://%s/%s.sock" % (d, k) for k in ("log", "forecasting", "bidding")}
    for e in ends.values():
        sock.bind(e)
    stop = threading.Event()
    t = threading.Thread(target=serve, args=(sock, stop))
    t.start()
    env = dict(os.environ, DEALBOOK_LOG_ENDPOINT=ends["log"],
               DEALBOOK_FORECASTING_ENDPOINT=ends["forecasting"],
               DEALBOOK_BIDDING_ENDPOINT=ends["bidding"], DEALBOOK_TIMEOUT_MS="3000")
    try:
        def run(*args):
            p = subprocess.run([os.path.join(BIN, "dealbook")] + list(args), env=env,
                               capture_output=True, text=True, timeout=30)
            if p.returncode != 0:
                fail("dealbook %s: exit %d, %r" % (" ".join(args), p.returncode, p.stderr))
            return p.stdout

        out = run("winloss")
        rates = {}
        for line in out.splitlines():
            cols = line.split()
            if cols and cols[0] in ("price", "service"):
                rates[cols[0]] = cols[4]
        if rates != {"price": "50.0%", "service": "33.3%"}:
            fail("dealbook winloss: rates %r in\n%s" % (rates, out))
        out = run("quote", "show", "q1")
        if "-92233720368547758.08%" not in out:
            fail("dealbook quote show: discount of INT64_MIN bp in\n%s" % out)
        print("cli: win rates of 2^62 deals and a discount of INT64_MIN bp print right")
        return 0
    finally:
        stop.set()
        t.join()
        sock.close()
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
