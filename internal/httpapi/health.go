package httpapi

import (
	"context"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/todoapp/resetmail/internal/health"
	"github.com/todoapp/resetmail/internal/postgres"
)

// readyTimeout bounds the database ping behind /readyz, so that a load
// balancer's probe never hangs on a stalled database.
const readyTimeout = time.Second

func (s *Server) handleHealthz(c *gin.Context) {
	health.Liveness()(c.Writer, c.Request)
}

func (s *Server) handleReadyz(c *gin.Context) {
	health.Readiness(s.logger, readyTimeout, map[string]health.Check{
		"database": func(ctx context.Context) error { return postgres.Ping(ctx, s.pool, readyTimeout) },
	})(c.Writer, c.Request)
}
