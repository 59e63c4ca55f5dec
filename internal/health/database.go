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
// database answers a ping within ReadyTimeout.
func DatabaseReadiness(logger *slog.Logger, pool *pgxpool.Pool) http.Handler {
	return Readiness(logger, ReadyTimeout, map[string]Check{
		"database": func(ctx context.Context) error { return postgres.Ping(ctx, pool, ReadyTimeout) },
	})
}
