#!/usr/bin/env bash
# Writes gen/schema-embed.json and gen/bridge-metadata.json, which main.go embeds:
# builds cmd/pulumi-tfgen-docker (same ProviderInfo as the plugin), runs `tfgen schema`, and sets
# the schema's version to PKG_VERSION from plugin.env.
set -euo pipefail
cd "$(dirname "$0")"
# shellcheck source=/dev/null
. ./plugin.env
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -p 2 -trimpath -tags osusergo,grpcnotrace \
	-ldflags "-X $MODULE/pkg/version.Version=$PKG_VERSION" -o "$work/tfgen" ./cmd/pulumi-tfgen-docker
PULUMI_HOME="$work/home" PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true \
	"$work/tfgen" schema --skip-docs --skip-examples --out "$work/out"
mkdir -p gen
node -e 'const fs = require("fs"); const s = JSON.parse(fs.readFileSync(process.argv[1], "utf8")); s.version = process.argv[2]; fs.writeFileSync("gen/schema-embed.json", JSON.stringify(s));' "$work/out/schema.json" "$PKG_VERSION"
cp "$work/out/bridge-metadata.json" gen/bridge-metadata.json
