package main

import (
	"context"
	"net"

	"github.com/todoapp/resetmail/internal/boot"
	"github.com/todoapp/resetmail/internal/health"
)

// healthcheck probes this host's own /healthz. It reads only PORT so that it
// works in a container whatever else the environment holds.
func healthcheck(ctx context.Context, c boot.Call) error {
	return health.Probe(ctx, net.JoinHostPort("127.0.0.1", c.Env("PORT", "8080")))
}
