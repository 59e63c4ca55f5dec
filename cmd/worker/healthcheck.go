package main

import (
	"context"

	"github.com/todoapp/resetmail/internal/boot"
	"github.com/todoapp/resetmail/internal/health"
)

// healthcheck probes this process's own /healthz on WORKER_HTTP_ADDR. It
// reads nothing else, so it works whatever the rest of the environment holds.
func healthcheck(ctx context.Context, c boot.Call) error {
	return health.Probe(ctx, c.Env("WORKER_HTTP_ADDR", ":9090"))
}
