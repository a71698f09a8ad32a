#!/usr/bin/python3
"""readonly_dir_test.py - a log or a service whose directory is on a
read-only file system stops at start with one line that says so, with
real dealbook-eventlog and dealbook-contacts processes. The directory is
made read-only by a read-only bind mount of itself (root; skipped where
mounts are not allowed). The line used to say only "DBK_EIO: storage
error".

Run by tests/run.sh with /usr/bin/python3; exit 0 pass, 77 skip.
"""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from services import BIN, fail, missing  # noqa: E402
from ports import free_ports  # noqa: E402


def main():
    if missing(("eventlog", "contacts")):
        return 77
    d = tempfile.mkdtemp(prefix="dbk-ro-")
    ports = free_ports(3)
    env = dict(os.environ, DEALBOOK_DATA_DIR=d,
               DEALBOOK_LOG_ENDPOINT="tcp://127.0.0.1:%d" % ports[0],
               DEALBOOK_PUB_ENDPOINT="tcp://127.0.0.1:%d" % ports[1],
               DEALBOOK_CONTACTS_ENDPOINT="tcp://127.0.0.1:%d" % ports[2])
    mounted = []
    try:
        for name in ("eventlog", "contacts"):
            os.makedirs(os.path.join(d, name))
        for name in ("eventlog", "contacts"):
            sub = os.path.join(d, name)
            if subprocess.run(["mount", "--bind", sub, sub], capture_output=True).returncode:
                print("readonly_dir: skipped (no bind mounts here)")
                return 77
            mounted.append(sub)
            if subprocess.run(["mount", "-o", "remount,ro,bind", sub],
                              capture_output=True).returncode:
                print("readonly_dir: skipped (no read-only remount here)")
                return 77
        for name in ("eventlog", "contacts"):
            p = subprocess.run([os.path.join(BIN, "dealbook-" + name)], env=env,
                               capture_output=True, timeout=20)
            lines = p.stderr.decode().splitlines()
            if p.returncode != 1 or len(lines) != 1 or "Read-only file system" not in lines[0] \
                    or os.path.join(d, name) not in lines[0]:
                fail("%s on a read-only directory: exit %d, %r" % (name, p.returncode, lines))
        print("readonly_dir: ok")
        return 0
    finally:
        for m in reversed(mounted):
            subprocess.run(["umount", m], capture_output=True)
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
