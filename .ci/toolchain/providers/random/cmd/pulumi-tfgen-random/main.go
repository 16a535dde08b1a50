// Build-time generator (the bridge detects its build stage from the
// "pulumi-tfgen" in this package path): `schema --out DIR` writes schema.json and
// bridge-metadata.json from the ProviderInfo in ../../info.
package main

import (
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfgen"

	"nocobase-platform/toolchain/providers/random/info"
)

func main() {
	tfgen.Main("random", info.Provider(nil))
}
