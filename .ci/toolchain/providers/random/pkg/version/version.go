// Package version holds the provider version, stamped at link time with
// -ldflags "-X nocobase-platform/toolchain/providers/random/pkg/version.Version=<version>".
package version

// Version is the Pulumi provider version this build reports.
var Version string
