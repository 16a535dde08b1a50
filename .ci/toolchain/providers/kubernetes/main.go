// Command pulumi-resource-kubernetes serves the Kubernetes provider of the published
// github.com/pulumi/pulumi-kubernetes/provider/v4 module. Its own cmd embeds files that its
// generate step writes and the module does not carry; prepare.sh writes them to gen/.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed gen/schema-embed.json
var pulumiSchema []byte

//go:embed gen/terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, pulumiSchema, terraformMapping)
}
