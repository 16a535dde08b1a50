#!/usr/bin/env bash
# gen/: the two files the provider's own cmd embeds, made from the module's committed schema.json
# (with .version set, as its generate.go does) and terraform-mapping.json.
set -euo pipefail
go mod download github.com/pulumi/pulumi-kubernetes/provider/v4
src="$(go list -m -f '{{.Dir}}' github.com/pulumi/pulumi-kubernetes/provider/v4)/cmd/pulumi-resource-kubernetes"
mkdir -p gen
node -e '
  const fs = require("fs");
  const [src, version] = process.argv.slice(1);
  const schema = JSON.parse(fs.readFileSync(`${src}/schema.json`, "utf8"));
  schema.version = version;
  fs.writeFileSync("gen/schema-embed.json", JSON.stringify(schema));
  fs.writeFileSync("gen/terraform-mapping-embed.json", JSON.stringify(JSON.parse(fs.readFileSync(`${src}/terraform-mapping.json`, "utf8"))));
' "$src" "${PKG_VERSION:?}"
