// Pulumi resource provider plugin "random", bridging the upstream Terraform random
// provider (plugin framework) with pulumi-terraform-bridge. gen/ is written by
// prepare.sh (cmd/pulumi-tfgen-random) before the build and is not committed.
package main

import (
	"context"
	_ "embed"

	pftfbridge "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"

	"nocobase-platform/toolchain/providers/random/info"
)

//go:embed gen/schema-embed.json
var pulumiSchema []byte

//go:embed gen/bridge-metadata.json
var bridgeMetadata []byte

func main() {
	pftfbridge.Main(context.Background(), "random", info.Provider(bridgeMetadata),
		pftfbridge.ProviderMetadata{PackageSchema: pulumiSchema, BridgeMetadata: bridgeMetadata})
}
