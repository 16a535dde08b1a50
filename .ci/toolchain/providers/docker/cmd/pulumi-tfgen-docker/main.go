// Build-time generator (the bridge detects its build stage from the
// "pulumi-tfgen" in this package path): `schema --out DIR` writes schema.json and
// bridge-metadata.json from the ProviderInfo in ../../info.
package main

import (
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfgen"

	"nocobase-platform/toolchain/providers/docker/info"
	"nocobase-platform/toolchain/providers/docker/pkg/version"
)

func main() {
	tfgen.Main("docker", version.Version, info.Provider(nil))
}
