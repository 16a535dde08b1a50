#!/usr/bin/env bash
# gen/: the schema and bridge metadata that main.go embeds (see ../bridged-schema.sh).
set -euo pipefail
cd "$(dirname "$0")"
exec ../bridged-schema.sh
