// Package httpapi is the public HTTP API: NewServer builds the handler,
// routes.go shows the whole surface, and errors.go is the one place where
// application errors become HTTP statuses.
package httpapi

import (
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/todoapp/resetmail/internal/config"
)

// gin keeps its mode in a package variable. Setting it once here, before any
// engine exists, keeps debug route dumps out of production logs and avoids a
// data race between servers built in parallel tests.
func init() { gin.SetMode(gin.ReleaseMode) }

// Deps are the dependencies of the HTTP API.
type Deps struct {
	// Config is the API's validated configuration. Required.
	Config *config.API
	// Logger receives access logs and internal errors. Required.
	Logger *slog.Logger
	// Pool is the database pool, used by /readyz and the handlers. Required.
	Pool *pgxpool.Pool
}

// Server holds the API's dependencies; its methods are the handlers.
type Server struct {
	cfg    *config.API
	logger *slog.Logger
	pool   *pgxpool.Pool
}

// NewServer builds the API's http.Handler.
func NewServer(d Deps) http.Handler {
	s := &Server{cfg: d.Config, logger: d.Logger, pool: d.Pool}
	engine := gin.New()
	// Client IPs come from X-Forwarded-For only through TRUSTED_PROXIES;
	// with none configured, the TCP peer is the client.
	_ = engine.SetTrustedProxies(d.Config.TrustedProxies)
	engine.ForwardedByClientIP = len(d.Config.TrustedProxies) > 0
	engine.RemoteIPHeaders = []string{"X-Forwarded-For"}
	engine.HandleMethodNotAllowed = true
	engine.ContextWithFallback = true
	s.routes(engine)
	return engine
}
