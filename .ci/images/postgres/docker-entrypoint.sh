#!/bin/bash
# Entry point of nocobase-platform-local/postgres: the official `postgres` image's contract as far
# as nocobase-platform uses it.
#   POSTGRES_PASSWORD          superuser password; required unless POSTGRES_HOST_AUTH_METHOD=trust
#   POSTGRES_USER              superuser name (default postgres)
#   POSTGRES_DB                database created on first start (default: POSTGRES_USER)
#   POSTGRES_HOST_AUTH_METHOD  auth for non-loopback TCP connections (default scram-sha-256)
#   POSTGRES_INITDB_ARGS       extra initdb arguments
#   PGDATA                     data directory (default /var/lib/postgresql/data)
#   /docker-entrypoint-initdb.d/*.sh|*.sql run once, after initdb
# First start: initdb, then the server. Later starts: the server on the existing data. The server
# listens on every address at 5432 and runs as the postgres user; dumb-init (PID 1) turns the
# engine's SIGTERM into SIGINT, PostgreSQL's fast shutdown, as the official image's STOPSIGNAL does.
set -euo pipefail

say() { echo "postgres-entrypoint: $*" >&2; }

# `docker run IMAGE -c name=value` passes server options, as with the official image.
if [ "$#" -eq 0 ] || [ "${1:0:1}" = "-" ]; then set -- postgres "$@"; fi
# Any other command (psql, bash, pg_dump ...) runs as given.
[ "$1" = "postgres" ] || exec "$@"

export PGDATA="${PGDATA:-/var/lib/postgresql/data}"

if [ "$(id -u)" = "0" ]; then
  # A fresh named volume or bind mount may be owned by root; the server refuses a data directory
  # it does not own or that others can read.
  mkdir -p "$PGDATA" /var/run/postgresql
  chown postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  chmod 2775 /var/run/postgresql
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

initialize() {
  local user="${POSTGRES_USER:-postgres}" auth="${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}"
  local db="${POSTGRES_DB:-${POSTGRES_USER:-postgres}}" f
  if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$auth" != "trust" ]; then
    say "the database is uninitialized and POSTGRES_PASSWORD is not set;"
    say "set POSTGRES_PASSWORD (or POSTGRES_HOST_AUTH_METHOD=trust to allow any connection without one)"
    exit 1
  fi
  say "initializing $PGDATA (superuser $user, database $db)"
  # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a list of words, as in the official image
  if [ -n "${POSTGRES_PASSWORD:-}" ]; then
    # The password reaches initdb through a pipe, never a file or the command line.
    initdb --username="$user" --auth-local=trust --auth-host=trust \
      --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") ${POSTGRES_INITDB_ARGS:-} >/dev/null
  else
    initdb --username="$user" --auth-local=trust --auth-host=trust ${POSTGRES_INITDB_ARGS:-} >/dev/null
  fi
  # Inside the container (socket and loopback) no password, as in the official image; any other
  # address must authenticate.
  printf '\n# nocobase-platform-local: any address, with a password\nhost all all all %s\n' "$auth" \
    >>"$PGDATA/pg_hba.conf"
  printf "\n# nocobase-platform-local\nlisten_addresses = '*'\n" >>"$PGDATA/postgresql.conf"

  # A server on the socket only, so nothing outside sees a half-initialized database.
  pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w -t 60 start >/dev/null
  local psql=(psql -v ON_ERROR_STOP=1 -X -q --username "$user" --dbname postgres)
  if [ "$db" != "postgres" ]; then
    "${psql[@]}" --set db="$db" <<<'CREATE DATABASE :"db";'
  fi
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sh)
        say "running $f"
        # shellcheck disable=SC1090 # the user's scripts, found at run time
        . "$f"
        ;;
      *.sql) say "running $f"; "${psql[@]}" --dbname "$db" -f "$f" ;;
      *.sql.gz) say "running $f"; gunzip -c "$f" | "${psql[@]}" --dbname "$db" ;;
      *) [ ! -e "$f" ] || say "ignoring $f" ;;
    esac
  done
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  say "initialized"
}

[ -s "$PGDATA/PG_VERSION" ] || initialize
# PID 1's child is the server itself (no shell in between), so signals reach it directly.
exec "$@"
