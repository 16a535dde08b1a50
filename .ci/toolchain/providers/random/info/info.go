// Package info describes how the upstream Terraform random provider is exposed as
// the Pulumi "random" package, matching the tokens and names of @pulumi/random.
package info

import (
	"context"
	"errors"

	pftfbridge "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/terraform-providers/terraform-provider-random/shim"

	"nocobase-platform/toolchain/providers/random/pkg/version"
)

// Provider returns the ProviderInfo. bridgeMetadata is the generated
// bridge-metadata.json (nil while generating it).
func Provider(bridgeMetadata []byte) tfbridge.ProviderInfo {
	p := tfbridge.ProviderInfo{
		P:            pftfbridge.ShimProvider(shim.NewProvider()),
		Name:         "random",
		DisplayName:  "random",
		Description:  "A Pulumi package to safely use randomness in Pulumi programs.",
		Keywords:     []string{"pulumi", "random"},
		License:      "Apache-2.0",
		Homepage:     "https://pulumi.io",
		Repository:   "https://github.com/pulumi/pulumi-random",
		Version:      version.Version,
		MetadataInfo: tfbridge.NewProviderMetadata(bridgeMetadata),
		Resources: map[string]*tfbridge.ResourceInfo{
			"random_string": {
				// Old states may lack a schema version marker; treat them as V1.
				PreStateUpgradeHook: func(a tfbridge.PreStateUpgradeHookArgs) (int64, resource.PropertyMap, error) {
					if a.PriorStateSchemaVersion == 0 {
						return 1, a.PriorState, nil
					}
					return a.PriorStateSchemaVersion, a.PriorState, nil
				},
			},
			"random_bytes": {ComputeID: bytesID},
		},
		EnableAccurateBridgePreview: true,
		EnableRawStateDelta:         true,
	}

	// random_password -> random:index/randomPassword:RandomPassword, etc.
	mk := func(module, name string) (string, error) {
		return tokens.MakeStandard("random")(module, "Random"+name)
	}
	p.MustComputeTokens(tokens.SingleModule("random_", "index", mk))
	p.MustApplyAutoAliases()
	return p
}

// bytesID uses the base64 output as the resource ID.
func bytesID(_ context.Context, state resource.PropertyMap) (resource.ID, error) {
	v, ok := state["base64"]
	if !ok {
		return "", errors.New("random_bytes: no base64 property in state")
	}
	if v.IsSecret() {
		v = v.SecretValue().Element
	}
	if !v.IsString() {
		return "", errors.New("random_bytes: base64 is not a string")
	}
	return resource.ID(v.StringValue()), nil
}
