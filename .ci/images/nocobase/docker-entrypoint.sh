#!/bin/bash
# Entry point of nocobase-platform-local/nocobase: what the official nocobase/nocobase image does at
# start, for the variables nocobase-platform sets (APP_*, DB_*, INIT_ROOT_*, APPEND_PRESET_*, ...).
#   1. writes nginx's configuration with NocoBase's own template (honours APP_PORT, APP_PUBLIC_PATH)
#      into storage/nocobase.conf and starts nginx on port 80;
#   2. runs storage/scripts/*.sh, as the official image does;
#   3. `nocobase start --quickstart`: installs NocoBase into its database on the first start,
#      upgrades it on later ones, then serves on APP_PORT.
# The configuration is the container's environment: the app's .env holds no values. Data lives in
# /app/nocobase/storage (a volume). PID 1 is dumb-init, which passes the engine's SIGTERM to the
# whole process group (the CLI and the server it spawns) and reaps children.
# With arguments, runs them instead (e.g. `docker run IMAGE node -v`).
set -euo pipefail

say() { echo "nocobase-entrypoint: $*" >&2; }

cd /app/nocobase
[ "$#" -eq 0 ] || exec "$@"

nb=node_modules/.bin/nocobase-v1

mkdir -p storage
"$nb" create-nginx-conf
ln -sf /app/nocobase/storage/nocobase.conf /etc/nginx/conf.d/nocobase.conf
nginx
say "nginx started on port 80, proxying to NocoBase on port ${APP_PORT:-13000}"

if [ -d storage/scripts ]; then
  for f in storage/scripts/*.sh; do
    [ -f "$f" ] || continue
    say "running $f"
    bash "$f"
  done
fi

say "nocobase start --quickstart (install on first start, upgrade on later ones)"
exec "$nb" start --quickstart
