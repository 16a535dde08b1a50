#!/bin/bash
# Runs inside a container of nocobase-platform-local/debian (host network) and is committed as
# nocobase-platform-local/postgres:<major>. Argument: the PostgreSQL major Debian ships.
set -euo pipefail
major="$1"
export DEBIAN_FRONTEND=noninteractive
# The data directory is created by the entry point (PGDATA), not by the package's cluster tools.
mkdir -p /etc/postgresql-common/createcluster.d
echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.d/no-main-cluster.conf
apt-get update -qq
apt-get install -y -qq "postgresql-$major" dumb-init >/dev/null
rm -rf /var/lib/apt/lists/*
# No cluster of Debian's layout may be left behind (the entry point uses PGDATA only).
if [ -e "/etc/postgresql/$major" ]; then echo "a Debian cluster was created; check createcluster.d" >&2; exit 1; fi
[ -x "/usr/lib/postgresql/$major/bin/postgres" ] || { echo "postgresql-$major has no server binary" >&2; exit 1; }
install -m 0755 /recipe/docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
mkdir -p /docker-entrypoint-initdb.d /var/lib/postgresql/data /var/run/postgresql
chown postgres:postgres /var/lib/postgresql /var/lib/postgresql/data /var/run/postgresql
chmod 700 /var/lib/postgresql/data
chmod 2775 /var/run/postgresql
