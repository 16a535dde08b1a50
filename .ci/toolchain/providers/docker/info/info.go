// Package info describes how the upstream Terraform docker provider is exposed as
// the Pulumi "docker" package, with the tokens and names of @pulumi/docker.
package info

import (
	"context"
	"runtime"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"
	shimv2 "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim/sdk-v2"
	"github.com/terraform-providers/terraform-provider-docker/shim"

	"nocobase-platform/toolchain/providers/docker/pkg/version"
)

// defaultHost is the daemon address used when neither config nor DOCKER_HOST sets one.
func defaultHost(goos string) string {
	if goos == "windows" {
		return "npipe:////./pipe/docker_engine"
	}
	return "unix:///var/run/docker.sock"
}

// Provider returns the ProviderInfo. bridgeMetadata is the generated
// bridge-metadata.json (nil while generating it).
func Provider(bridgeMetadata []byte) tfbridge.ProviderInfo {
	p := tfbridge.ProviderInfo{
		P:            shimv2.NewProvider(shim.NewProvider()),
		Name:         "docker",
		Description:  "A Pulumi package for interacting with Docker in Pulumi programs",
		Keywords:     []string{"pulumi", "docker"},
		License:      "Apache-2.0",
		Homepage:     "https://pulumi.io",
		Repository:   "https://github.com/pulumi/pulumi-docker",
		GitHubOrg:    "kreuzwerker",
		Version:      version.Version,
		MetadataInfo: tfbridge.NewProviderMetadata(bridgeMetadata),
		Config: map[string]*tfbridge.SchemaInfo{
			"host": {
				Default: &tfbridge.DefaultInfo{
					EnvVars: []string{"DOCKER_HOST"},
					ComputeDefault: func(context.Context, tfbridge.ComputeDefaultOptions) (interface{}, error) {
						return defaultHost(runtime.GOOS), nil
					},
				},
			},
			"registry_auth": {Name: "registryAuth", MaxItemsOne: tfbridge.False()},
		},
		Resources: map[string]*tfbridge.ResourceInfo{
			"docker_config": {Tok: "docker:index/serviceConfig:ServiceConfig"},
			"docker_container": {
				Tok:                 "docker:index/container:Container",
				DeleteBeforeReplace: true,
				Fields: map[string]*tfbridge.SchemaInfo{
					"command":           {Name: "command"},
					"networks_advanced": {Name: "networksAdvanced"},
				},
			},
			"docker_image": {
				Tok:    "docker:index/remoteImage:RemoteImage",
				Fields: map[string]*tfbridge.SchemaInfo{"name": {Name: "name"}},
			},
		},
		DataSources: map[string]*tfbridge.DataSourceInfo{
			"docker_image": {Tok: "docker:index/getRemoteImage:getRemoteImage"},
		},
	}
	p.MustComputeTokens(tokens.SingleModule("docker_", "index", tokens.MakeStandard("docker")))
	p.MustApplyAutoAliases()
	p.SetAutonaming(255, "-")
	return p
}
