#!/usr/bin/env bash
# compose/docker-compose.yml and compose/Dockerfile, checked without a Docker
# engine:
#   - `docker-compose config -q` accepts the file (Debian's docker-compose,
#     installed by scripts/deps.sh; skipped, exit 77, when it is missing);
#   - in the resolved file (`docker-compose config`, YAML read with
#     python3-yaml): every service runs its dealbook-<name> binary, has a
#     healthcheck `dealbook status --services <name>`, restart
#     unless-stopped, ulimits nofile with a hard limit of 4096 or more
#     (docs/operations.md, "File descriptors"), a named volume of its own
#     mounted on its DEALBOOK_DATA_DIR; only known DEALBOOK_* variables
#     (the table in libshared/dbk_config.c), none empty; every DEALBOOK_*_ENDPOINT it
#     uses is either the one it owns, bound on tcp://0.0.0.0:PORT (ZeroMQ
#     cannot bind a host name), or tcp://<a service of the file>:PORT that
#     this service owns and binds on PORT; every owned port is published;
#     the log and PUB endpoints are set in every service (their defaults,
#     127.0.0.1, would be the container itself);
#   - the Dockerfile: two bookworm stages, a non-root USER, the binaries in
#     /usr/local/bin, the data volume; the run stage installs a Debian
#     package for every shared library the built binaries need (readelf +
#     dpkg -S), and each of its packages exists in Debian (apt-cache).
set -euo pipefail
ROOT=${DBK_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
BIN=${DBK_BIN_DIR:-$ROOT/build/release/bin}
cd "$ROOT"
command -v docker-compose >/dev/null || { echo "docker-compose is not installed (scripts/deps.sh installs it)"; exit 77; }
/usr/bin/python3 -c 'import yaml' 2>/dev/null || { echo "python3-yaml is not installed (scripts/deps.sh installs it)"; exit 77; }
dir=$(mktemp -d /tmp/dbk-compose-XXXXXX)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# the file's own defaults, not whatever the caller's shell holds
dc() {
    env -u DEALBOOK_PUBLISH_ADDR -u DEALBOOK_LOG_LEVEL -u DEALBOOK_MANAGERS \
        -u DEALBOOK_DIRECTORS HOME="$dir" docker-compose -f compose/docker-compose.yml "$@"
}
dc config -q 2>"$dir/err" || { cat "$dir/err"; fail "docker-compose config -q rejects the file"; }
dc config >"$dir/config.yml" 2>"$dir/err" || { cat "$dir/err"; fail "docker-compose config"; }

/usr/bin/python3 - "$dir/config.yml" libshared/dbk_config.c <<'PY'
import re, sys, yaml

cfg = yaml.safe_load(open(sys.argv[1]))
known = set(re.findall(r'"(DEALBOOK_[A-Z_]+)"', open(sys.argv[2]).read()))
assert "DEALBOOK_LOG_ENDPOINT" in known, known
OWNER = {  # endpoint variable -> the service that binds it
    "DEALBOOK_LOG_ENDPOINT": "eventlog", "DEALBOOK_PUB_ENDPOINT": "eventlog",
    "DEALBOOK_CONTACTS_ENDPOINT": "contacts",
    "DEALBOOK_OPPORTUNITIES_ENDPOINT": "opportunities",
    "DEALBOOK_BIDDING_ENDPOINT": "bidding",
    "DEALBOOK_FORECASTING_ENDPOINT": "forecasting",
}
errors = []
def err(msg):
    errors.append(msg)

services = cfg.get("services") or {}
for want in ("eventlog", "contacts", "opportunities", "bidding"):
    if want not in services:
        err(f"no service {want}")
declared_volumes = set((cfg.get("volumes") or {}).keys())
used_volumes = {}

def parse_ep(value):
    m = re.fullmatch(r"tcp://([^:/]+):(\d+)", value or "")
    return (m.group(1), int(m.group(2))) if m else None

def env_of(svc):
    env = svc.get("environment") or {}
    if isinstance(env, list):
        env = dict(e.split("=", 1) for e in env)
    return {k: ("" if v is None else str(v)) for k, v in env.items()}

binds = {}  # (service, port) bound by the owner
for name, svc in services.items():
    env = env_of(svc)
    for k in env:
        if k.startswith("DEALBOOK_") and k not in known:
            err(f"{name}: unknown variable {k}")
    for var, owner in OWNER.items():
        if owner == name:
            ep = parse_ep(env.get(var))
            if not ep or ep[0] != "0.0.0.0":
                err(f"{name}: it binds {var}: wants tcp://0.0.0.0:PORT, has {env.get(var)!r}")
            else:
                binds[(name, ep[1])] = var

for name, svc in services.items():
    env = env_of(svc)
    cmd = svc.get("command")
    cmd = cmd.split() if isinstance(cmd, str) else (cmd or [])
    if not cmd or cmd[0] != f"dealbook-{name}":
        err(f"{name}: command {cmd!r}, wanted dealbook-{name}")
    # healthcheck
    hc = svc.get("healthcheck") or {}
    test = hc.get("test")
    if isinstance(test, str):
        test = ["CMD-SHELL", test]
    if hc.get("disable") or not test or test[0] not in ("CMD", "CMD-SHELL"):
        err(f"{name}: no healthcheck through dealbook status ({test!r})")
    else:
        words = test[1:] if test[0] == "CMD" else " ".join(test[1:]).split()
        if words[:2] != ["dealbook", "status"] or "--services" not in words \
                or words[words.index("--services") + 1] != name:
            err(f"{name}: healthcheck {test!r} is not `dealbook status --services {name}`")
    if svc.get("restart") != "unless-stopped":
        err(f"{name}: restart is {svc.get('restart')!r}, wanted unless-stopped")
    # a hard limit on open files of at least 4096 (DBK_FDS_LOW): every
    # connection takes one, and the engine's default may be 1024
    nofile = (svc.get("ulimits") or {}).get("nofile")
    if isinstance(nofile, int):
        nofile = {"soft": nofile, "hard": nofile}
    if not isinstance(nofile, dict) or not isinstance(nofile.get("hard"), int) \
            or nofile["hard"] < 4096 or nofile.get("soft", 0) > nofile["hard"]:
        err(f"{name}: ulimits nofile {nofile!r}: wanted a hard limit of 4096 or more")
    # its data directory on a named volume of its own
    data_dir = env.get("DEALBOOK_DATA_DIR")
    if not data_dir:
        err(f"{name}: no DEALBOOK_DATA_DIR")
    mounts = []
    for v in svc.get("volumes") or []:
        if isinstance(v, str):
            parts = v.split(":")
            v = {"type": "volume" if not parts[0].startswith(("/", ".")) else "bind",
                 "source": parts[0], "target": parts[1] if len(parts) > 1 else parts[0]}
        mounts.append(v)
    mine = [m for m in mounts if m.get("target") == data_dir]
    if len(mine) != 1 or mine[0].get("type", "volume") != "volume" or not mine[0].get("source"):
        err(f"{name}: no named volume on its data directory {data_dir}: {mounts!r}")
    else:
        src = mine[0]["source"]
        if src not in declared_volumes:
            err(f"{name}: volume {src} is not declared under volumes:")
        if src in used_volumes:
            err(f"{name}: volume {src} is also {used_volumes[src]}'s")
        used_volumes[src] = name
    # endpoints: bound by the owner, connected by the others
    for var in ("DEALBOOK_LOG_ENDPOINT", "DEALBOOK_PUB_ENDPOINT"):
        if var not in env:
            err(f"{name}: {var} not set (its default is the container's own 127.0.0.1)")
    for var, value in env.items():
        if not var.endswith("_ENDPOINT"):
            continue
        ep = parse_ep(value)
        if not ep:
            err(f"{name}: {var}={value!r} is not tcp://HOST:PORT")
            continue
        host, port = ep
        owner = OWNER.get(var)
        if owner == name:
            continue  # checked above
        if host not in services:
            err(f"{name}: {var}={value} names no service of the file")
        elif host != owner:
            err(f"{name}: {var}={value}: {var} belongs to {owner}, not {host}")
        elif (host, port) not in binds:
            err(f"{name}: {var}={value}: {host} does not bind port {port}")
# every bound port is published
for (name, port), var in binds.items():
    targets = set()
    for p in services[name].get("ports") or []:
        if isinstance(p, dict):
            targets.add(int(p["target"]))
        else:
            targets.add(int(str(p).split("/")[0].rsplit(":", 1)[-1]))
    if port not in targets:
        err(f"{name}: port {port} ({var}) is not published")
for e in errors:
    print("compose:", e)
sys.exit(1 if errors else 0)
PY

# ---- the Dockerfile ----
df=compose/Dockerfile
[ "$(grep -cE '^FROM debian:bookworm(-slim)?( |$)' "$df")" -eq 2 ] || fail "wants two FROM debian:bookworm stages"
run_stage=$(awk '/^FROM /{n++} n==2' "$df")
if ! grep -qE '^USER +[a-z]' <<<"$run_stage" || grep -qE '^USER +(root|0)\b' <<<"$run_stage"; then
    fail "the run stage has no non-root USER"
fi
grep -q '/usr/local/bin' <<<"$run_stage" || fail "the binaries are not put in /usr/local/bin"
grep -qE '^VOLUME .*/var/lib/dealbook' <<<"$run_stage" || fail "no VOLUME /var/lib/dealbook"
grep -qE -- '-dev\b|build-essential' <<<"$run_stage" && fail "the run stage installs build packages"
# the run stage's packages: the words after `apt-get install` up to `&&`
run_pkgs=$(sed -e ':a' -e '/\\$/N; s/\\\n//; ta' <<<"$run_stage" | grep 'apt-get install' |
    sed -E 's/.*apt-get install//; s/&&.*//' | tr ' ' '\n' | grep -E '^[a-z0-9][a-z0-9.+-]+$' | sort -u)
[ -n "$run_pkgs" ] || fail "no apt-get install in the run stage"
if command -v apt-cache >/dev/null && [ -n "$(ls /var/lib/apt/lists/*Packages* 2>/dev/null)" ]; then
    # one call for all: a package Debian does not have is not listed at all
    # shellcheck disable=SC2086
    apt-cache policy $run_pkgs 2>/dev/null | awk '/^[^ ]/ {p = $1; sub(/:$/, "", p)}
        /Candidate:/ && $2 != "(none)" {print p}' | sort -u >"$dir/known"
    for p in $run_pkgs; do
        grep -qx "$p" "$dir/known" || fail "run stage: Debian 12 has no package $p"
    done
fi
# every shared library the binaries link comes from one of those packages
# (or from the base image: libc6, libgcc-s1)
if command -v readelf >/dev/null && [ -x "$BIN/dealbook-eventlog" ]; then
    for b in "$BIN"/dealbook "$BIN"/dealbook-*; do
        readelf -d "$b" | sed -nE 's/.*\(NEEDED\).*\[(.*)\]/\1/p'
    done | sort -u |
        # a sanitizer build (make SAN=1) links the sanitizer runtimes; the
        # image builds without them
        grep -vE '^lib(asan|ubsan)\.so' >"$dir/needed"
    # shellcheck disable=SC2046
    dpkg -S $(sed 's|^|*-linux-gnu/|' "$dir/needed") 2>/dev/null |
        sed -E 's/^([^:]+)(:[a-z0-9]+)?: .*\/([^/]+)$/\3 \1/' | sort -u >"$dir/owners"
    while read -r lib; do
        pkgs=$(awk -v l="$lib" '$1 == l {print $2}' "$dir/owners")
        [ -n "$pkgs" ] || fail "no Debian package holds $lib"
        ok=0
        for pkg in $pkgs; do
            case "$pkg" in libc6 | libgcc-s1) ok=1 ;; esac
            grep -qx "$pkg" <<<"$run_pkgs" && ok=1
        done
        [ $ok -eq 1 ] || fail "the binaries need $lib ($pkgs), not installed in the run stage"
    done <"$dir/needed"
fi
echo "compose config: ok"
