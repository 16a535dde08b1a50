// Pulumi resource provider plugin "docker", bridging the upstream Terraform docker
// provider (SDKv2) with pulumi-terraform-bridge. gen/ is written by prepare.sh
// (cmd/pulumi-tfgen-docker) before the build and is not committed.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"

	"nocobase-platform/toolchain/providers/docker/info"
	"nocobase-platform/toolchain/providers/docker/pkg/version"
)

//go:embed gen/schema-embed.json
var pulumiSchema []byte

//go:embed gen/bridge-metadata.json
var bridgeMetadata []byte

func main() {
	tfbridge.Main("docker", version.Version, info.Provider(bridgeMetadata), pulumiSchema)
}
