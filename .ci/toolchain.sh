#!/usr/bin/env bash
# The Pulumi engine for this project, built with the `go` command from published Go modules:
#   .ci/toolchain.sh build    build and install what is missing (a second run takes seconds)
#   .ci/toolchain.sh env      print `export` lines that run the engine offline with it
#   .ci/toolchain.sh bin      print the directory that holds `pulumi`
# What it builds, from the Go modules under .ci/toolchain/:
#   pulumi/     the CLI (github.com/pulumi/pulumi/pkg/v3/cmd/pulumi), the Node.js language host of
#               this project (cmd/pulumi-language-nodejs: Pulumi's own has no served module), and
#               pulumi-resource-pulumi-nodejs, the dynamic-provider plugin that ships in sdk/v3;
#   providers/NAME/   one provider plugin each, installed under the version its npm SDK requests.
# Where a `pulumi` that can run this project is already on PATH, it is used instead, and so are the
# plugins already installed in PULUMI_HOME. Everything lands in the cache, outside the repo; each
# build is keyed by the hash of its module's files, so an edit to one rebuilds only that one.
# Run it through cli/run (the provider versions are read off node_modules).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${NOCOBASE_PLATFORM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nocobase-platform}"
modules="$root/.ci/toolchain"
export PULUMI_HOME="${PULUMI_HOME:-$cache/pulumi-home}"
export PULUMI_SKIP_UPDATE_CHECK=true
# The oldest CLI that runs a Node.js policy pack through its language host (no shim plugin).
min_cli="3.221.0"

say() { echo "toolchain.sh: $*" >&2; }
die() { say "$*"; exit 1; }

# Hash of the files that decide a build: the module's own files and the Go version.
module_key() {
  (cd "$1" && find . -type f -not -path './gen/*' -print0 | sort -z | xargs -0 sha256sum; go version) | sha256sum | cut -c1-16
}

# version of a Go module as the wrapper requires it, e.g. v3.276.0
required_version() { (cd "$1" && go list -m -f '{{.Version}}' "$2"); }

version_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -1)" = "$2" ]; }

ambient_cli() {
  local found v
  found="$(command -v pulumi 2>/dev/null)" || return 1
  case "$found" in "$cache"/*) return 1 ;; esac
  v="$("$found" version 2>/dev/null | sed 's/^v//')" || return 1
  version_ge "$v" "$min_cli" || return 1
  command -v pulumi-language-nodejs >/dev/null || [ -x "$(dirname "$found")/pulumi-language-nodejs" ] || return 1
  dirname "$found"
}

cli_dir() {
  if dir="$(ambient_cli)"; then echo "$dir"; return; fi
  echo "$cache/pulumi-cli-$(module_key "$modules/pulumi")/bin"
}

go_build() {
  # Release builds use these flags; -s -w keeps the binaries small.
  local dir="$1" out="$2" pkg="$3" stamp="$4"
  (cd "$dir" && go build -trimpath -tags osusergo,grpcnotrace -ldflags "-s -w $stamp" -o "$out" "$pkg")
}

build_cli() {
  local bin started version sdk
  bin="$(cli_dir)"
  [ -x "$bin/pulumi" ] && [ -x "$bin/pulumi-language-nodejs" ] && [ -x "$bin/pulumi-resource-pulumi-nodejs" ] && return 0
  command -v go >/dev/null || die "go not found: the engine is built with the go command"
  version="$(required_version "$modules/pulumi" github.com/pulumi/pulumi/pkg/v3)"
  started=$SECONDS
  say "building the Pulumi CLI $version and the Node.js language host into $bin (a cold build takes minutes)"
  local tmp="$bin.partial"
  rm -rf "$tmp" && mkdir -p "$tmp"
  local stamp="-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version"
  go_build "$modules/pulumi" "$tmp/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi "$stamp"
  go_build "$modules/pulumi" "$tmp/pulumi-language-nodejs" ./cmd/pulumi-language-nodejs "$stamp"
  # The dynamic-provider plugin is a shell script inside the sdk/v3 module; the module cache is
  # read-only, so it is copied with its mode set.
  sdk="$(cd "$modules/pulumi" && go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)"
  install -m 0755 "$sdk/nodejs/dist/pulumi-resource-pulumi-nodejs" "$tmp/pulumi-resource-pulumi-nodejs"
  rm -rf "$bin" && mkdir -p "$(dirname "$bin")" && mv "$tmp" "$bin"
  say "built the CLI in $((SECONDS - started)) s"
}

# The plugin version the installed npm SDK asks for (its package.json's pulumi.version).
requested_version() {
  node -e '
    const p = require(require("path").join(process.argv[1], "node_modules/@pulumi", process.argv[2], "package.json"));
    console.log((p.pulumi && p.pulumi.version) || p.version);' "$root" "$1"
}

plugin_installed() { [ -x "$PULUMI_HOME/plugins/resource-$1-v$2/pulumi-resource-$1" ]; }

build_provider() {
  local dir="$1" name version key out started built
  name="$(basename "$dir")"
  version="$(requested_version "$name")"
  # The shared generation scripts beside the providers are part of each provider's build.
  key="$( (module_key "$dir"; cat "$modules"/providers/*.sh) | sha256sum | cut -c1-16)"
  local installed="$PULUMI_HOME/plugins/resource-$name-v$version"
  if plugin_installed "$name" "$version"; then
    [ -f "$installed/.built-from-$key" ] && return 0 # ours, up to date
    ls "$installed"/.built-from-* >/dev/null 2>&1 || return 0 # installed by someone else: theirs to keep
  fi
  local MODULE PKG_VERSION MAIN_PACKAGE
  # shellcheck source=/dev/null
  source "$dir/plugin.env" # MODULE (whose pkg/version is stamped) and PKG_VERSION (the release built)
  out="$cache/plugins/$name-$key/pulumi-resource-$name"
  if [ ! -x "$out" ]; then
    started=$SECONDS
    say "building the $name provider $PKG_VERSION (for SDK $version) into $out"
    mkdir -p "$(dirname "$out")"
    if [ -x "$dir/prepare.sh" ]; then (cd "$dir" && PKG_VERSION="$PKG_VERSION" ./prepare.sh); fi
    go_build "$dir" "$out.partial" "${MAIN_PACKAGE:-.}" "-X $MODULE/pkg/version.Version=$PKG_VERSION"
    mv "$out.partial" "$out"
    say "built $name in $((SECONDS - started)) s"
  fi
  "$(cli_dir)/pulumi" plugin install resource "$name" "$version" --file "$out" --reinstall >&2
  touch "$installed/.built-from-$key"
  built="$PKG_VERSION"
  [ "v${version#v}" = "v${built#v}" ] || say "$name: SDK asks for $version, installed a build of $built under that version"
}

cmd_build() {
  build_cli
  export PATH="$(cli_dir):$PATH"
  for dir in "$modules"/providers/*/; do build_provider "${dir%/}"; done
}

cmd_env() {
  cat <<EOF
export PATH="$(cli_dir):\$PATH"
export PULUMI_HOME="$PULUMI_HOME"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
EOF
}

case "${1:-build}" in
  build) cmd_build ;;
  env) cmd_env ;;
  bin) cli_dir ;;
  *) die "usage: $0 build|env|bin" ;;
esac
