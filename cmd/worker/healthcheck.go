package main

import (
	"context"

	"github.com/todoapp/resetmail/internal/health"
)

// healthcheck probes this process's own /healthz on WORKER_HTTP_ADDR. It
// reads nothing else, so it works whatever the rest of the environment holds.
func healthcheck(ctx context.Context, getenv func(string) string) error {
	addr := getenv("WORKER_HTTP_ADDR")
	if addr == "" {
		addr = ":9090"
	}
	return health.Probe(ctx, addr)
}
