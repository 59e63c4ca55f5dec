package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/todoapp/resetmail/internal/health"
	"github.com/todoapp/resetmail/internal/postgres"
)

// readyTimeout bounds the database ping behind /readyz, so that a load
// balancer's probe never hangs on a stalled database.
const readyTimeout = time.Second

// readiness is /readyz: a database ping within readyTimeout. It is built
// once, at routing, rather than on every probe.
func (s *Server) readiness() http.Handler {
	return health.Readiness(s.logger, readyTimeout, map[string]health.Check{
		"database": func(ctx context.Context) error { return postgres.Ping(ctx, s.pool, readyTimeout) },
	})
}
