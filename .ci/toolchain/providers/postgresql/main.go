// Command pulumi-resource-postgresql is a Pulumi resource provider plugin that reproduces, for
// the roles, databases, schemas and grants this project manages, pulumi-postgresql 3.18.1 (which
// bridges cyrilgdn/terraform-provider-postgresql 1.26): same tokens, properties, defaults,
// secrets and replace-versus-update rules, built from modules the Go proxy serves.
package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
)

// The engine's own limit for messages to and from plugins.
const maxMessageSize = 400 * 1024 * 1024

func main() {
	// The engine starts plugins as `plugin [--logtostderr] [-v=N] [--tracing URL] ENGINE`.
	engine := ""
	if n := len(os.Args); n > 1 && !strings.HasPrefix(os.Args[n-1], "-") {
		engine = os.Args[n-1]
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-resource-postgresql: %v\n", err)
		os.Exit(1)
	}
	srv := grpc.NewServer(grpc.MaxRecvMsgSize(maxMessageSize), grpc.MaxSendMsgSize(maxMessageSize))
	p := newProvider()
	pulumirpc.RegisterResourceProviderServer(srv, p)
	// The engine reads the port from the first line of stdout.
	fmt.Printf("%d\n", lis.Addr().(*net.TCPAddr).Port)
	if engine != "" {
		go watchEngine(engine, func() { p.cancel(); srv.Stop() })
	}
	if err := srv.Serve(lis); err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-resource-postgresql: %v\n", err)
		os.Exit(1)
	}
}

// watchEngine stops the plugin once the engine is gone, so that no orphan outlives it.
func watchEngine(addr string, stop func()) {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return
	}
	defer conn.Close()
	health := healthpb.NewHealthClient(conn)
	failures := 0
	for {
		time.Sleep(time.Second)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err := health.Check(ctx, &healthpb.HealthCheckRequest{})
		cancel()
		switch {
		case err == nil:
			failures = 0
		case status.Code(err) == codes.Unimplemented:
			return // an engine without a health service: nothing to watch
		default:
			if failures++; failures >= 3 {
				stop()
				return
			}
		}
	}
}
