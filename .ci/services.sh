#!/usr/bin/env bash
# PostgreSQL and Redis on loopback, as the tests and the local deployment expect them:
#   PostgreSQL on 127.0.0.1:5432, role postgres, trust authentication for loopback connections;
#   Redis on 127.0.0.1:6379.
# Installs Debian's `postgresql` and `redis-server` when they are missing (machines of this kind
# start with neither), then starts what is not running. `install PACKAGE...` installs Debian
# packages that are missing, for the other scripts of .ci/. Safe to run again: it only does what is
# missing. Run as root (CI and the development machines are).
set -euo pipefail

say() { echo "services.sh: $*" >&2; }

apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ "${#missing[@]}" -eq 0 ] && return 0
  say "installing ${missing[*]}"
  # Debian's maintainer scripts would try to start the services through systemd, which is absent.
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

postgres() {
  apt_install postgresql
  local version cluster=main conf
  version="$(ls /usr/lib/postgresql | sort -V | tail -1)"
  if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main"' | grep -q .; then
    pg_createcluster "$version" "$cluster" >/dev/null
  fi
  conf="/etc/postgresql/$version/$cluster"
  # Trust on loopback only: the tests connect as postgres without a password, like a CI service
  # container does. The marker line makes this edit happen once.
  if ! grep -q "^# nocobase-platform: trust loopback" "$conf/pg_hba.conf"; then
    local rules
    rules="$(printf '%s\n' "# nocobase-platform: trust loopback" \
      "local all all trust" \
      "host all all 127.0.0.1/32 trust" \
      "host all all ::1/128 trust")"
    printf '%s\n%s\n' "$rules" "$(cat "$conf/pg_hba.conf")" > "$conf/pg_hba.conf"
  fi
  # Each tenant in database mode holds connections of its own; the default of 100 is short for a
  # platform with several NocoBase processes.
  printf '%s\n' "listen_addresses = '127.0.0.1'" "max_connections = 300" > "$conf/conf.d/nocobase-platform.conf"
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    say "starting PostgreSQL $version"
    pg_ctlcluster --skip-systemctl-redirect "$version" "$cluster" start
  else
    pg_ctlcluster --skip-systemctl-redirect "$version" "$cluster" reload
  fi
  for _ in $(seq 1 60); do pg_isready -q -h 127.0.0.1 -p 5432 && return 0; sleep 0.5; done
  say "PostgreSQL did not answer on 127.0.0.1:5432"
  return 1
}

redis() {
  apt_install redis-server
  if redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; then return 0; fi
  say "starting Redis"
  redis-server --bind 127.0.0.1 --port 6379 --daemonize yes --save "" --appendonly no \
    --logfile /var/log/redis/nocobase-platform.log
  for _ in $(seq 1 40); do redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG && return 0; sleep 0.25; done
  say "Redis did not answer on 127.0.0.1:6379"
  return 1
}

case "${1:-start}" in
  start) postgres; redis ;;
  install) shift; apt_install "$@" ;;
  postgres) postgres ;;
  redis) redis ;;
  *) say "usage: $0 [start|postgres|redis|install PACKAGE...]"; exit 2 ;;
esac
