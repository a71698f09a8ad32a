#!/usr/bin/env bash
# Install the Debian packages dealbook needs, if any is missing.
# Runs as root on Debian 12 (the CI and the deployment target); elsewhere it
# only reports what is missing.
set -euo pipefail
pkgs=(build-essential pkg-config libzmq3-dev libczmq-dev liblmdb-dev libmsgpack-dev
      libsodium-dev libjansson-dev libcriterion-dev lmdb-utils libutf8proc-dev
      python3 python3-zmq python3-msgpack clang valgrind docker-compose python3-yaml faketime)
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}"
if [ "$(id -u)" != 0 ]; then
    echo "deps: not root; install these packages: ${missing[*]}" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
