#!/usr/bin/env bash
# What the engine suite (npm run test:engine) needs, each set up only where missing: PostgreSQL's
# client tools (psql, pg_dump, pg_restore), the Pulumi engine and its plugins, a Docker engine,
# the local images, and two Kubernetes clusters on loopback (.ci/kube.sh). Run it through cli/run.
# A cold machine spends most of its time here; a warm one takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
.ci/services.sh postgres
.ci/toolchain.sh build
.ci/docker.sh start >/dev/null
.ci/images.sh build
.ci/kube.sh start
echo "engine-setup.sh: ready in $((SECONDS - started)) s" >&2
