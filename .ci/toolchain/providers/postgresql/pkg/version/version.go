// Package version holds the provider's release, stamped at build time with
// -ldflags "-X nocobase-platform/toolchain/providers/postgresql/pkg/version.Version=3.18.1".
package version

// Version is the pulumi-postgresql release whose behaviour this provider reproduces.
var Version string
