"""ports.py - free loopback TCP ports for tests, taken below the kernel's
ephemeral range (net.ipv4.ip_local_port_range). A port the kernel may
hand to any outgoing connection can be taken between a service's stop
and its restart on the same port ("Address already in use"); one below
that range is only ever taken by a bind.

    python3 tests/support/ports.py N   prints the first of N consecutive
                                       free ports
"""
import random
import socket
import sys


def _low():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_ports(n, consecutive=False):
    """n ports free on 127.0.0.1 now, in [10000, the ephemeral range)."""
    top = max(_low(), 10000 + 2 * n + 100)
    for _ in range(1000):
        if consecutive:
            p = random.randrange(10000, top - n)
            want = list(range(p, p + n))
        else:
            want = random.sample(range(10000, top), n)
        socks = []
        try:
            for port in want:
                s = socket.socket()
                socks.append(s)
                s.bind(("127.0.0.1", port))
            return want
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no %d free loopback ports below %d" % (n, top))


if __name__ == "__main__":
    print(free_ports(int(sys.argv[1]) if len(sys.argv) > 1 else 1, consecutive=True)[0])
