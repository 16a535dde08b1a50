#!/usr/bin/env bash
# gen/ of a provider bridged from Terraform (random, docker), run by its prepare.sh from its own
# directory: builds its cmd/pulumi-tfgen-<name> (the same ProviderInfo as the plugin), runs
# `tfgen schema`, and writes the two files main.go embeds: the schema with .version set to
# PKG_VERSION (plugin.env), and the bridge metadata.
set -euo pipefail
name="$(basename "$PWD")"
# shellcheck source=/dev/null
. ./plugin.env
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The flags of the plugin's own build, so that it reuses the packages compiled here.
go build -p 2 -trimpath -tags osusergo,grpcnotrace \
	-ldflags "-X $MODULE/pkg/version.Version=$PKG_VERSION" -o "$work/tfgen" "./cmd/pulumi-tfgen-$name"
PULUMI_HOME="$work/home" PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true \
	"$work/tfgen" schema --skip-docs --skip-examples --out "$work/out"
mkdir -p gen
node -e 'const fs = require("fs"); const s = JSON.parse(fs.readFileSync(process.argv[1], "utf8")); s.version = process.argv[2]; fs.writeFileSync("gen/schema-embed.json", JSON.stringify(s));' "$work/out/schema.json" "$PKG_VERSION"
cp "$work/out/bridge-metadata.json" gen/bridge-metadata.json
