package health

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/todoapp/resetmail/internal/postgres"
)

// ReadyTimeout bounds the database ping behind /readyz, so that a load
// balancer's probe never hangs on a stalled database.
const ReadyTimeout = time.Second

// DatabaseReadiness is the /readyz both binaries serve: ready when the
// database answers a ping within ReadyTimeout and every extra check (the
// worker adds "mail") passes.
func DatabaseReadiness(logger *slog.Logger, pool *pgxpool.Pool, extra ...NamedCheck) http.Handler {
	checks := map[string]Check{
		"database": func(ctx context.Context) error { return postgres.Ping(ctx, pool, ReadyTimeout) },
	}
	for _, c := range extra {
		checks[c.Name] = c.Check
	}
	return Readiness(logger, ReadyTimeout, checks)
}

// NamedCheck is one extra readiness check and the key it reports under.
type NamedCheck struct {
	Name  string
	Check Check
}
