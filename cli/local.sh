#!/usr/bin/env bash
# Deploys a stack for real on this machine, with whatever the machine lacks set up first:
#   cli/run npm run up              pulumi up of the dev stack; prints its status and entry URL
#   cli/run npm run down            stops it: every container stopped, state and data kept
#   cli/run npm run down -- --purge destroys the stack and deletes its volumes (every tenant's data)
# STACK=<name> picks another stack file of stacks/ (default dev).
# What it sets up, each only where missing: the Pulumi engine (.ci/toolchain.sh builds it where no
# `pulumi` is on PATH), a Docker engine (.ci/docker.sh), and images: the stack's official ones when
# a registry answers, else local builds (.ci/images.sh) written into a copy of the stack file.
# State lives on a local file backend in the cache unless PULUMI_BACKEND_URL says otherwise, and
# secrets are encrypted with a passphrase kept there unless PULUMI_CONFIG_PASSPHRASE(_FILE) is set.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${NOCOBASE_PLATFORM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nocobase-platform}"
stack="${STACK:-dev}"
home="$cache/local/$stack"
config_file="$home/Pulumi.$stack.yaml"
cd "$root"

say() { echo "local.sh: $*" >&2; }
die() { say "$*"; exit 1; }

engine() {
  if ! command -v pulumi >/dev/null; then
    .ci/toolchain.sh build
    eval "$(.ci/toolchain.sh env)"
  fi
  export PULUMI_SKIP_UPDATE_CHECK=true
  mkdir -p "$home/state"
  export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$home/state}"
  if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
    [ -f "$home/passphrase" ] || (umask 077 && head -c 24 /dev/urandom | base64 > "$home/passphrase")
    export PULUMI_CONFIG_PASSPHRASE_FILE="$home/passphrase"
  fi
}

# The official image is there or can be pulled: then the stack file's images are used as they are.
pullable() {
  docker image inspect "$1" >/dev/null 2>&1 || timeout 120 docker pull -q "$1" >/dev/null 2>&1
}

# The stack's encryption salt: `stack init` writes it into stacks/, which stays untouched; it is
# moved into the cache's copy of the stack file.
ensure_stack() {
  if pulumi stack ls --json 2>/dev/null | node -e 'const s=JSON.parse(require("fs").readFileSync(0,"utf8"));process.exit(s.some(x=>x.name===process.argv[1])?0:1)' "$stack"; then
    return 0
  fi
  local file="stacks/Pulumi.$stack.yaml" saved
  saved="$(cat "$file")"
  pulumi stack init "$stack" --secrets-provider passphrase --non-interactive >&2
  grep '^encryptionsalt:' "$file" | sed 's/^encryptionsalt: *//' > "$home/salt"
  printf '%s\n' "$saved" > "$file"
}

cmd_up() {
  [ -f "stacks/Pulumi.$stack.yaml" ] || die "no stack file stacks/Pulumi.$stack.yaml"
  engine
  DOCKER_HOST="$(.ci/docker.sh start)"
  export DOCKER_HOST
  local images=()
  local version
  version="$(node -e 'const y=require("yaml");const c=y.parse(require("fs").readFileSync(process.argv[1],"utf8")).config;console.log(c["nocobase-platform:platform"].nocobaseVersion)' "stacks/Pulumi.$stack.yaml")"
  if pullable "nocobase/nocobase:$version"; then
    say "using the official images"
  else
    say "no registry answers: building local images"
    .ci/images.sh build >&2
    local -A local_images
    while IFS='=' read -r role ref; do local_images[$role]="$ref"; done < <(.ci/images.sh names)
    # The stack names NocoBase by repository: its tag is platform.nocobaseVersion.
    images=(--image-nocobase "${local_images[nocobase]%:*}" --image-postgres "${local_images[postgres]}" --image-redis "${local_images[redis]}")
  fi
  ensure_stack
  # `npm run down` stopped them; Pulumi.yaml's refresh reads every resource back before the update,
  # so the servers must answer first.
  docker ps -aq --filter "name=^nocobase-$stack-" --filter status=exited | xargs -r docker start >&2
  node_modules/.bin/tsx cli/local/localStack.ts --stack "$stack" --out "$config_file" --salt "$(cat "$home/salt" 2>/dev/null || true)" "${images[@]}"
  pulumi up --yes --skip-preview --stack "$stack" --config-file "$config_file" --non-interactive
  echo
  echo "status:"
  pulumi stack output status --json --stack "$stack"
  echo "entry URL: $(pulumi stack output entryUrl --stack "$stack")"
}

cmd_down() {
  engine
  local purge=false
  [ "${1:-}" = "--purge" ] && purge=true
  if ! DOCKER_HOST="$(.ci/docker.sh host)"; then
    say "no Docker engine runs: nothing to stop"
    return 0
  fi
  export DOCKER_HOST
  local prefix="nocobase-$stack"
  if $purge; then
    say "destroying stack $stack and deleting its volumes (every tenant's data)"
    pulumi state unprotect --all --yes --stack "$stack" >&2 || true
    pulumi destroy --yes --skip-preview --stack "$stack" --config-file "$config_file" --non-interactive >&2
    pulumi stack rm --yes --stack "$stack" >&2
    docker volume ls -q | grep "^$prefix-" | xargs -r docker volume rm >&2
    rm -f "$home/salt" "$config_file"
  else
    # Stopped, not removed: `npm run up` starts the same containers on the same volumes again.
    docker ps -q --filter "name=^$prefix-" | xargs -r docker stop >&2
    say "stopped; state and data are kept (npm run up resumes, npm run down -- --purge deletes them)"
  fi
  .ci/docker.sh stop >&2
}

case "${1:-}" in
  up) cmd_up ;;
  down) shift; cmd_down "$@" ;;
  *) die "usage: $0 up | down [--purge]" ;;
esac
