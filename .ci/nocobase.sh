#!/usr/bin/env bash
# A real NocoBase 2.2.15 with the multi-app manager enabled, for the integration suite (no Docker).
#   .ci/nocobase.sh install   install into the cache (once; later runs return at once)
#   .ci/nocobase.sh start     install if needed, prepare PostgreSQL, start, wait for the health check
#   .ci/nocobase.sh stop      stop the process group started by `start`
#   .ci/nocobase.sh status    "running <url>" (exit 0) or "stopped" (exit 3)
#   .ci/nocobase.sh url       base URL of the running server
# Run it through cli/run so that Node 22 is first on PATH. The install lives outside the repo so that
# a checkout stays small and a second run starts in seconds.
# Env: NOCOBASE_PORT (default 13900; the next free port is used when it is taken),
#      PGHOST/PGPORT/PGUSER (an admin role that may create roles and databases; default
#      127.0.0.1/5432/postgres), NOCOBASE_START_TIMEOUT (seconds, default 180).
set -euo pipefail
# shellcheck source=lib/pidfile.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/pidfile.sh"

version="2.2.15"
cache="${NOCOBASE_PLATFORM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nocobase-platform}"
home="$cache/nocobase-$version"
app="$home/app"
installed="$home/.installed"
pidfile="$home/server.pid"
portfile="$home/server.port"
log="$home/server.log"
yarn_dir="$cache/yarn-1.22.22"
# NocoBase's CLI calls `yarn` itself, so it must be on PATH, not only invoked by path.
export PATH="$yarn_dir/node_modules/.bin:$PATH"

export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
db_role="nb_it"
db_name="nb_it"

say() { echo "nocobase.sh: $*" >&2; }
die() { say "$*"; exit 1; }

require_node22() {
  local major
  major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
  [ "$major" -ge 22 ] || die "needs Node >= 22 on PATH (run it as: cli/run .ci/nocobase.sh $1)"
}

cmd_install() {
  require_node22 install
  if [ -f "$installed" ]; then return 0; fi
  local registry started
  registry="$(npm config get registry)"
  started=$SECONDS
  say "installing NocoBase $version into $home"
  if [ ! -x "$yarn_dir/node_modules/.bin/yarn" ]; then
    mkdir -p "$yarn_dir"
    npm install --silent --no-save --no-audit --no-fund --prefix "$yarn_dir" yarn@1.22.22 >&2
  fi
  # A half-finished earlier attempt is thrown away: the marker is only written after success.
  rm -rf "$app"
  mkdir -p "$home"
  (
    cd "$home"
    npx -y "create-nocobase-app@$version" app --skip-dev-dependencies -d postgres \
      -e APP_ENV=production -e APP_PORT=13900 -e TZ=UTC \
      -e DB_HOST="$PGHOST" -e DB_PORT="$PGPORT" -e DB_DATABASE="$db_name" \
      -e DB_USER="$db_role" -e DB_PASSWORD="$db_role" >&2
  )
  # @nocobase/ai pins xlsx to a tarball on a CDN outside the npm registry; 0.18.5 is on the registry.
  node -e '
    const fs = require("fs"), f = process.argv[1], p = JSON.parse(fs.readFileSync(f, "utf8"));
    p.resolutions = { ...(p.resolutions || {}), xlsx: "0.18.5" };
    fs.writeFileSync(f, JSON.stringify(p, null, 2));' "$app/package.json"
  # Enabled at `nocobase install` time, so no restart through pm:enable is needed later.
  set_env APPEND_PRESET_BUILT_IN_PLUGINS "@nocobase/plugin-multi-app-manager"
  (
    cd "$app"
    YARN_CACHE_FOLDER="$cache/yarn-cache" yarn install --production --non-interactive \
      --ignore-engines --network-timeout 600000 --registry "$registry" >&2
  )
  touch "$installed"
  say "installed in $((SECONDS - started)) s"
}

# Sets KEY=VALUE in the app's .env, replacing an existing line.
set_env() {
  local file="$app/.env"
  if grep -q "^$1=" "$file"; then
    sed -i "s|^$1=.*|$1=$2|" "$file"
  else
    echo "$1=$2" >> "$file"
  fi
}

running_pid() { pidfile_pid "$pidfile"; }

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

healthy() {
  node -e 'fetch(process.argv[1], { signal: AbortSignal.timeout(2000) })
    .then((r) => process.exit(r.status === 200 ? 0 : 1), () => process.exit(1))' \
    "http://127.0.0.1:$1/api/__health_check"
}

prepare_db() {
  command -v psql >/dev/null || die "psql not found"
  psql -v ON_ERROR_STOP=1 -qAt -d postgres >/dev/null <<SQL || die "cannot prepare PostgreSQL at $PGHOST:$PGPORT as $PGUSER"
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$db_role') THEN
    CREATE ROLE $db_role LOGIN CREATEDB PASSWORD '$db_role';
  END IF;
END \$\$;
SQL
  if [ -z "$(psql -qAt -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$db_name'")" ]; then
    psql -v ON_ERROR_STOP=1 -q -d postgres -c "CREATE DATABASE $db_name OWNER $db_role" >/dev/null
  fi
}

# NocoBase has been installed into the database when its plugin table exists.
db_installed() {
  [ "$(psql -qAt -d "$db_name" -c "SELECT to_regclass('public.\"applicationPlugins\"') IS NOT NULL")" = "t" ]
}

cmd_start() {
  require_node22 start
  if pid="$(running_pid)"; then
    say "already running (pid $pid) at $(cmd_url)"
    return 0
  fi
  cmd_install
  prepare_db
  local started=$SECONDS port="${NOCOBASE_PORT:-13900}" timeout="${NOCOBASE_START_TIMEOUT:-180}"
  while port_in_use "$port"; do port=$((port + 1)); done
  set_env APP_PORT "$port"
  cd "$app"
  if ! db_installed; then
    say "nocobase install into database $db_name"
    node_modules/.bin/nocobase-v1 install >"$home/install.log" 2>&1 \
      || { tail -n 40 "$home/install.log" >&2; die "nocobase install failed (log: $home/install.log)"; }
  fi
  # setsid: the server and every child it forks share one process group, which `stop` kills.
  setsid node_modules/.bin/nocobase-v1 start --launch-mode=node >"$log" 2>&1 < /dev/null &
  pidfile_write "$pidfile" $!
  echo "$port" >"$portfile"
  local deadline=$((SECONDS + timeout))
  until healthy "$port"; do
    if ! running_pid >/dev/null; then
      tail -n 40 "$log" >&2
      rm -f "$pidfile"
      die "NocoBase exited during start (log: $log)"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      tail -n 40 "$log" >&2
      cmd_stop
      die "no healthy answer within ${timeout} s (log: $log)"
    fi
    sleep 0.5
  done
  say "running at http://127.0.0.1:$port (started in $((SECONDS - started)) s)"
}

cmd_stop() {
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$pidfile"
    say "not running"
    return 0
  fi
  kill -TERM -- "-$pid" 2>/dev/null || true
  for _ in $(seq 1 40); do
    kill -0 -- "-$pid" 2>/dev/null || break
    sleep 0.5
  done
  kill -KILL -- "-$pid" 2>/dev/null || true
  rm -f "$pidfile"
  say "stopped"
}

cmd_url() {
  running_pid >/dev/null || die "not running"
  echo "http://127.0.0.1:$(cat "$portfile")"
}

cmd_status() {
  if running_pid >/dev/null && healthy "$(cat "$portfile")"; then
    echo "running $(cmd_url)"
  else
    echo "stopped"
    return 3
  fi
}

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  url) cmd_url ;;
  *) die "usage: $0 install|start|stop|status|url" ;;
esac
