// Package shim exposes the upstream random provider, whose constructor lives in an
// internal package. This module's path sits under the upstream module path, so Go's
// internal-package rule lets it import internal/provider.
package shim

import (
	fwprovider "github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/terraform-providers/terraform-provider-random/internal/provider"
)

// NewProvider returns the upstream plugin-framework provider.
func NewProvider() fwprovider.Provider {
	return provider.New()
}
