#!/usr/bin/env bash
# Builds the local container images the docker runtime can use on machines that reach no container
# registry (nothing can be pulled): everything comes from Debian's packages and the npm registry.
#   .ci/images.sh [build] [base|postgres|redis|nocobase|nocobase@VERSION ...]
#                                      build what is missing (default: all; `nocobase` is every
#                                      version of nocobase_versions, `nocobase@2.2.15` one release)
#   .ci/images.sh list                 the image names, one a line
#   .ci/images.sh names                role=name lines (base, postgres, ...; nocobase is the newest)
# Images (the recipes live in .ci/images/<name>/):
#   nocobase-platform-local/debian:bookworm   debootstrap --variant=minbase of the machine's mirror
#   nocobase-platform-local/postgres:15       Debian's PostgreSQL, official postgres image's contract
#   nocobase-platform-local/redis:7           Debian's redis-server on 0.0.0.0:6379
#   nocobase-platform-local/nocobase:<v>      NocoBase <v> on Node 22, official image's contract: one
#                                             recipe for every release, built for each of
#                                             nocobase_versions (or the one named)
# An image is built only when the engine lacks it, or when its recipe changed (a label holds the
# recipe's hash). No `docker build`: each image is the commit of a container of the base that ran
# the recipe's install.sh (host network, so it needs no NAT), which works with any engine version
# and without BuildKit. Slow inputs are cached under the cache dir (images/): the debootstrapped
# root file system, the NocoBase app skeleton, and Yarn's package cache shared with .ci/nocobase.sh.
# Env: DOCKER_HOST (default: `.ci/docker.sh host`), NOCOBASE_PLATFORM_CACHE.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
recipes="$here/images"
cache="${NOCOBASE_PLATFORM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nocobase-platform}"
work="$cache/images"

suite="bookworm"
# The majors bookworm ships; the build fails if the packages say otherwise.
pg_major="15"
redis_major="7"
# The NocoBase releases the engine suite runs, oldest first; the last is the one `names` gives.
# Only releases whose every package the npm registry serves can be built: the older release an
# upgrade would start from (2.1.41) is not among them, as create-nocobase-app, the preset and most
# plugins are served at 2.2.15 only (build_nocobase says so at once for such a release).
nocobase_versions=(2.2.15)
node_version="22.23.3"
yarn_version="1.22.22"

prefix="nocobase-platform-local"
base_image="$prefix/debian:$suite"
postgres_image="$prefix/postgres:$pg_major"
redis_image="$prefix/redis:$redis_major"
nocobase_repository="$prefix/nocobase"
hash_label="org.nocobase-platform.recipe"
# Set by build_base; part of every derived image's hash, so a new base rebuilds them.
base_hash=""

say() { echo "images.sh: $*" >&2; }
# A build container left by a failure or an interruption is removed on the way out.
build_cid=""
trap '[ -z "$build_cid" ] || docker rm -f "$build_cid" >/dev/null 2>&1 || true' EXIT
die() { say "$*"; exit 1; }

# Hash of everything that decides an image's content: its recipe files plus the given words.
recipe_hash() {
  local name="$1"
  shift
  {
    printf '%s\n' "$@"
    if [ -d "$recipes/$name" ]; then
      (cd "$recipes/$name" && find . -type f | LC_ALL=C sort | xargs sha1sum)
    fi
  } | sha1sum | cut -c1-16
}

# 0 when the engine has the image built from this recipe.
up_to_date() {
  local have
  have="$(docker image inspect -f "{{index .Config.Labels \"$hash_label\"}}" "$1" 2>/dev/null)" || return 1
  [ "$have" = "$2" ]
}

# The machine's own Debian mirror for a suite, from sources.list (one-line) or .sources (deb822).
debian_uri() {
  local want="$1" f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk -v s="$want" '$1 == "deb" {
        i = 2; if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
        if ($(i + 1) == s) { print $i; exit } }' "$f"
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk -v s="$want" '
      function flush() { if (deb && uri != "" && (" " suites " ") ~ (" " s " ")) { print uri; found = 1 }
                         deb = 0; uri = ""; suites = "" }
      /^[ \t]*$/ { flush(); if (found) exit; next }
      /^Types:/ { deb = ($0 ~ /[ \t]deb([ \t]|$)/) }
      /^URIs:/ { uri = $2 }
      /^Suites:/ { sub(/^Suites:[ \t]*/, ""); suites = $0 }
      END { if (!found) flush() }' "$f"
  done
}

# rm -rf of a debootstrap target that an interrupted run left with /proc, /sys or /dev mounted in it
# would reach into the host's: unmount those first (deepest first) and never cross a mount.
remove_tree() {
  local dir="$1" m
  [ -e "$dir" ] || return 0
  dir="$(realpath "$dir")"
  awk -v d="$dir" '$2 == d || index($2, d "/") == 1 { print $2 }' /proc/mounts | sort -r |
    while read -r m; do umount -l "$m" 2>/dev/null || true; done
  rm -rf --one-file-system "$dir"
}

build_base() {
  local mirror security hash tarball root
  mirror="$(debian_uri "$suite" | head -n 1)"
  [ -n "$mirror" ] || die "no Debian mirror for $suite in /etc/apt/sources.list(.d)"
  security="$(debian_uri "$suite-security" | head -n 1)"
  hash="$(recipe_hash base "$suite" "$mirror" "$security")"
  base_hash="$hash"
  if up_to_date "$base_image" "$hash"; then say "$base_image is there"; return 0; fi
  tarball="$work/debian-$suite-minbase-$hash.tar"
  if [ ! -f "$tarball" ]; then
    command -v debootstrap >/dev/null || "$here/services.sh" install debootstrap
    command -v debootstrap >/dev/null || die "debootstrap not found (apt-get install -y debootstrap)"
    say "debootstrap --variant=minbase $suite from $mirror"
    root="$work/rootfs-$suite.tmp"
    remove_tree "$root"
    mkdir -p "$root"
    debootstrap --variant=minbase "$suite" "$root" "$mirror" >"$work/debootstrap.log" 2>&1 \
      || { tail -n 30 "$work/debootstrap.log" >&2; die "debootstrap failed (log: $work/debootstrap.log)"; }
    # debootstrap leaves the host's resolver and its package cache behind; the engine provides
    # /etc/resolv.conf and /etc/hosts to each container.
    rm -f "$root/etc/resolv.conf" "$root/etc/hostname"
    rm -rf "$root/var/cache/apt/archives/"*.deb "$root/var/lib/apt/lists/"*
    {
      echo "deb $mirror $suite main"
      echo "deb $mirror $suite-updates main"
      [ -z "$security" ] || echo "deb $security $suite-security main"
    } >"$root/etc/apt/sources.list"
    cp "$recipes/base/apt.conf" "$root/etc/apt/apt.conf.d/90nocobase-platform"
    cp "$recipes/base/dpkg.cfg" "$root/etc/dpkg/dpkg.cfg.d/90nocobase-platform"
    install -m 0755 "$recipes/base/policy-rc.d" "$root/usr/sbin/policy-rc.d"
    # Kept so that another engine (or a wiped data root) imports it in seconds.
    tar -C "$root" --numeric-owner --one-file-system -cf "$tarball.tmp" .
    mv "$tarball.tmp" "$tarball"
    remove_tree "$root"
    find "$work" -maxdepth 1 -name "debian-$suite-minbase-*.tar" ! -name "$(basename "$tarball")" -delete
  fi
  say "importing $base_image"
  docker import \
    --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    --change "ENV LANG=C.UTF-8" \
    --change "LABEL $hash_label=$hash" \
    --change 'CMD ["bash"]' \
    "$tarball" "$base_image" >/dev/null
}

# Runs .ci/images/<name>/install.sh in a container of the base, then commits it as the image.
#   commit_recipe NAME IMAGE HASH [docker create options...] -- [CHANGE...] -- [INSTALL_ARGS...]
commit_recipe() {
  local name="$1" image="$2" hash="$3" cid rc
  shift 3
  local create=() changes=()
  while [ "$1" != "--" ]; do create+=("$1"); shift; done
  shift
  while [ "$1" != "--" ]; do changes+=(--change "$1"); shift; done
  shift
  cid="$(docker create --network host -v "$recipes/$name:/recipe:ro" "${create[@]}" \
    "$base_image" bash /recipe/install.sh "$@")"
  build_cid="$cid"
  rc=0
  docker start -a "$cid" >"$work/$name-build.log" 2>&1 || rc=$?
  if [ "$rc" -ne 0 ]; then
    tail -n 40 "$work/$name-build.log" >&2
    die "building $image failed (exit $rc, log: $work/$name-build.log)"
  fi
  # The recipe's own image settings replace the build container's command; mounts are not kept.
  docker commit "${changes[@]}" --change "LABEL $hash_label=$hash" "$cid" "$image" >/dev/null
  docker rm "$cid" >/dev/null
  build_cid=""
  say "built $image"
}

build_postgres() {
  local hash changes=(
    "ENV PG_MAJOR=$pg_major"
    "ENV PATH=/usr/lib/postgresql/$pg_major/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    "ENV PGDATA=/var/lib/postgresql/data"
    "VOLUME /var/lib/postgresql/data"
    "EXPOSE 5432"
    "WORKDIR /"
    # SIGTERM becomes SIGINT (fast shutdown) for the server only, not its backends.
    'ENTRYPOINT ["/usr/bin/dumb-init", "--single-child", "--rewrite", "15:2", "--", "/usr/local/bin/docker-entrypoint.sh"]'
    'CMD ["postgres"]'
  )
  hash="$(recipe_hash postgres "$base_hash" "$pg_major" "${changes[@]}")"
  if up_to_date "$postgres_image" "$hash"; then say "$postgres_image is there"; return 0; fi
  say "building $postgres_image"
  commit_recipe postgres "$postgres_image" "$hash" -- "${changes[@]}" -- "$pg_major"
}

build_redis() {
  local hash changes=(
    "EXPOSE 6379"
    "WORKDIR /data"
    "USER redis"
    'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]'
    'CMD ["redis-server", "/etc/redis/container.conf"]'
  )
  hash="$(recipe_hash redis "$base_hash" "$redis_major" "${changes[@]}")"
  if up_to_date "$redis_image" "$hash"; then say "$redis_image is there"; return 0; fi
  say "building $redis_image"
  commit_recipe redis "$redis_image" "$hash" -- "${changes[@]}" -- "$redis_major"
}

# Node 22 from the npm registry's `node` package (it ships the binary), in the same cache place as
# cli/run, and Yarn 1 in the same place as .ci/nocobase.sh: installed once, shared.
node_dir() {
  local dir="$cache/node-$node_version"
  if [ ! -x "$dir/node_modules/node/bin/node" ]; then
    say "installing Node $node_version into $dir"
    mkdir -p "$dir"
    npm install --silent --no-save --no-audit --no-fund --prefix "$dir" "node@$node_version" >&2
  fi
  echo "$dir"
}

yarn_dir() {
  local dir="$cache/yarn-$yarn_version"
  if [ ! -x "$dir/node_modules/.bin/yarn" ]; then
    say "installing Yarn $yarn_version into $dir"
    mkdir -p "$dir"
    npm install --silent --no-save --no-audit --no-fund --prefix "$dir" "yarn@$yarn_version" >&2
  fi
  echo "$dir"
}

# The app as create-nocobase-app writes it (package.json, packages/, storage/), before any install;
# the install itself runs in the image so that its paths and native modules are the image's own.
nocobase_skeleton() {
  local node="$1" version="$2" skel="$work/nocobase-$2-skeleton" tmp
  if [ ! -f "$skel/package.json" ]; then
    say "create-nocobase-app@$version"
    tmp="$work/nocobase-skeleton.tmp"
    rm -rf "$tmp" "$skel"
    mkdir -p "$tmp"
    (
      cd "$tmp"
      PATH="$node/node_modules/node/bin:$PATH" npx -y "create-nocobase-app@$version" app \
        --skip-dev-dependencies -d postgres -e APP_ENV=production
    ) >"$work/create-nocobase-app.log" 2>&1 \
      || { tail -n 30 "$work/create-nocobase-app.log" >&2; die "create-nocobase-app failed (log: $work/create-nocobase-app.log)"; }
    # @nocobase/ai pins xlsx to a tarball on a CDN outside the npm registry; 0.18.5 is on it.
    "$node/node_modules/node/bin/node" -e '
      const fs = require("fs"), f = process.argv[1], p = JSON.parse(fs.readFileSync(f, "utf8"));
      p.resolutions = { ...(p.resolutions || {}), xlsx: "0.18.5" };
      fs.writeFileSync(f, JSON.stringify(p, null, 2) + "\n");' "$tmp/app/package.json"
    # The container's environment configures NocoBase: no .env values (dotenv would only fill in
    # what the environment lacks, but a baked-in APP_KEY or DB_* must never apply silently).
    # (.env.test and .env.e2e stay: the CLI reads them when it loads, and uses them only for tests.)
    echo "# Configuration comes from the container's environment (see the image's ENV)." >"$tmp/app/.env"
    mv "$tmp/app" "$skel"
    rm -rf "$tmp"
  fi
  echo "$skel"
}

# A release is installable when the registry serves its app template and its preset (which pulls
# in every plugin at the same version); said in seconds, before anything is downloaded.
served() {
  local version="$1" p
  for p in create-nocobase-app @nocobase/preset-nocobase; do
    [ "$(npm view "$p@$version" version 2>/dev/null)" = "$version" ] \
      || die "the npm registry serves no $p@$version: NocoBase $version cannot be built here"
  done
}

build_nocobase() {
  local version="$1" image="$nocobase_repository:$1" hash node yarn skel registry changes=(
    # Defaults only: the container's environment overrides each of them.
    "ENV APP_ENV=production"
    "ENV APP_PORT=13000"
    "ENV DB_DIALECT=postgres"
    "ENV TZ=UTC"
    "ENV APP_LAUNCH_MODE=node"
    "ENV NOCOBASE_RUNNING_IN_DOCKER=true"
    "EXPOSE 80"
    "WORKDIR /app/nocobase"
    # dumb-init passes signals to the entry point's whole process group and reaps children.
    'ENTRYPOINT ["/usr/bin/dumb-init", "--", "/app/docker-entrypoint.sh"]'
    'CMD []'
  )
  [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "nocobase@$version: not a release like 2.2.15"
  hash="$(recipe_hash nocobase "$base_hash" "$version" "$node_version" "$yarn_version" \
    "$pg_major" "${changes[@]}")"
  if up_to_date "$image" "$hash"; then say "$image is there"; return 0; fi
  served "$version"
  say "building $image"
  node="$(node_dir)"
  yarn="$(yarn_dir)"
  skel="$(nocobase_skeleton "$node" "$version")"
  registry="$(npm config get registry)"
  mkdir -p "$cache/yarn-cache"
  # A machine whose HTTPS goes through an intercepting proxy trusts its CA through these; the
  # install in the build container must too (the image itself does not keep it).
  local ca="" c mounts=()
  for c in "${NODE_EXTRA_CA_CERTS:-}" "$(npm config get cafile 2>/dev/null || true)"; do
    if [ -n "$c" ] && [ -f "$c" ]; then ca="$c"; break; fi
  done
  [ -z "$ca" ] || mounts=(-v "$(realpath "$ca"):/stage/extra-ca.crt:ro")
  commit_recipe nocobase "$image" "$hash" "${mounts[@]}" \
    -v "$node/node_modules/node/bin/node:/stage/node:ro" \
    -v "$yarn/node_modules/yarn:/stage/yarn:ro" \
    -v "$skel:/stage/app:ro" \
    -v "$cache/yarn-cache:/stage/yarn-cache" \
    -- "${changes[@]}" -- "$pg_major" "$registry"
}

cmd_build() {
  local names=("$@") n
  [ "${#names[@]}" -gt 0 ] || names=(base postgres redis nocobase)
  if [ -z "${DOCKER_HOST:-}" ]; then
    DOCKER_HOST="$("$here/docker.sh" host)" || die "no Docker engine answers (run: .ci/docker.sh start)"
    export DOCKER_HOST
  fi
  mkdir -p "$work"
  local started=$SECONDS
  # Every image derives from the base.
  build_base
  for n in "${names[@]}"; do
    case "$n" in
      base) ;;
      postgres) build_postgres ;;
      redis) build_redis ;;
      nocobase) for v in "${nocobase_versions[@]}"; do build_nocobase "$v"; done ;;
      nocobase@*) build_nocobase "${n#nocobase@}" ;;
      *) die "unknown image $n (base|postgres|redis|nocobase|nocobase@VERSION)" ;;
    esac
  done
  say "done in $((SECONDS - started)) s (engine $DOCKER_HOST)"
}

case "${1:-build}" in
  build) shift || true; cmd_build "$@" ;;
  list)
    printf '%s\n' "$base_image" "$postgres_image" "$redis_image"
    for v in "${nocobase_versions[@]}"; do echo "$nocobase_repository:$v"; done
    ;;
  names)
    printf '%s\n' "base=$base_image" "postgres=$postgres_image" "redis=$redis_image" \
      "nocobase=$nocobase_repository:${nocobase_versions[-1]}"
    ;;
  *) die "usage: $0 [build] [base|postgres|redis|nocobase|nocobase@VERSION ...] | list | names" ;;
esac
