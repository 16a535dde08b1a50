#!/bin/bash
# Runs inside a container of nocobase-platform-local/debian (host network) and is committed as
# nocobase-platform-local/nocobase:<version>. Arguments: the PostgreSQL client major, npm registry.
# Mounted by images.sh: /stage/node (Node's binary), /stage/yarn (Yarn 1), /stage/app (the app as
# create-nocobase-app wrote it), /stage/yarn-cache (Yarn's package cache, not kept in the image).
set -euo pipefail
pg_major="$1"
registry="$2"
export DEBIAN_FRONTEND=noninteractive

# nginx serves the client and proxies to NocoBase, as in the official image; pg_dump/psql are what
# NocoBase's backup and migration plugins call; fonts for server-side rendering of documents.
apt-get update -qq
apt-get install -y -qq nginx dumb-init ca-certificates "postgresql-client-$pg_major" \
  fontconfig fonts-liberation libfreetype6 >/dev/null
rm -rf /var/lib/apt/lists/*
rm -f /etc/nginx/sites-enabled/default

install -m 0755 /stage/node /usr/local/bin/node
cp -a /stage/yarn /usr/local/lib/yarn
ln -sf ../lib/yarn/bin/yarn /usr/local/bin/yarn
ln -sf ../lib/yarn/bin/yarn /usr/local/bin/yarnpkg
node --version
yarn --version

# The host's extra CA (an intercepting proxy's), for this install only.
if [ -f /stage/extra-ca.crt ]; then export NODE_EXTRA_CA_CERTS=/stage/extra-ca.crt; fi

mkdir -p /app
cp -a /stage/app /app/nocobase
cd /app/nocobase
YARN_CACHE_FOLDER=/stage/yarn-cache yarn install --production --non-interactive --ignore-engines \
  --network-timeout 600000 --registry "$registry"

# NocoBase's own nginx template must give a configuration nginx accepts.
node_modules/.bin/nocobase-v1 create-nginx-conf
ln -sf /app/nocobase/storage/nocobase.conf /etc/nginx/conf.d/nocobase.conf
nginx -t
rm -f storage/nocobase.conf /etc/nginx/conf.d/nocobase.conf

install -m 0755 /recipe/docker-entrypoint.sh /app/docker-entrypoint.sh
# Nothing of the build's own runs stays in the image.
rm -rf /root/.cache /root/.npm /root/.yarn /usr/local/share/.cache /tmp/* storage/logs/*
