#!/bin/bash
# Runs inside a container of nocobase-platform-local/debian (host network) and is committed as
# nocobase-platform-local/redis:<major>. Argument: the Redis major Debian ships.
set -euo pipefail
major="$1"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq redis-server >/dev/null
rm -rf /var/lib/apt/lists/*
have="$(redis-server --version | sed -n 's/.* v=\([0-9]*\)\..*/\1/p')"
[ "$have" = "$major" ] || { echo "redis-server is major $have, not $major" >&2; exit 1; }
install -m 0644 /recipe/container.conf /etc/redis/container.conf
install -m 0755 /recipe/docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
mkdir -p /data
chown redis:redis /data
