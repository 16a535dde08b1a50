// Package shim exposes the upstream docker provider, whose constructor lives in an
// internal package. This module's path sits under the upstream module path, so Go's
// internal-package rule lets it import internal/provider.
package shim

import (
	"github.com/hashicorp/terraform-plugin-sdk/v2/helper/schema"
	"github.com/terraform-providers/terraform-provider-docker/internal/provider"
)

// NewProvider returns the upstream SDKv2 provider.
func NewProvider() *schema.Provider {
	return provider.New("dev")()
}
