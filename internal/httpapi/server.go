// Package httpapi is the public HTTP API: NewServer builds the handler,
// routes.go shows the whole surface, and errors.go is the one place where
// application errors become HTTP statuses.
package httpapi

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/todoapp/resetmail/internal/auth"
	"github.com/todoapp/resetmail/internal/clientip"
	"github.com/todoapp/resetmail/internal/config"
	"github.com/todoapp/resetmail/internal/metrics"
	"github.com/todoapp/resetmail/internal/reset"
	"github.com/todoapp/resetmail/internal/signup"
	"github.com/todoapp/resetmail/internal/todo"
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
	// Auth registers users, logs them in and verifies access tokens.
	// Required.
	Auth *auth.Service
	// Tasks serves the task endpoints. Required.
	Tasks *todo.Service
	// Resets serves forgot-password and reset-password. Required.
	Resets *reset.Service
	// Signups serves register (SIGNUP_VERIFICATION=required) and
	// verify-email. Required.
	Signups *signup.Service
	// Dashboard is the guarded on-call dashboard, mounted at /admin/: the
	// failed sends (dashboard.SendsPath) and River UI (/admin/jobs/).
	// Defaults to nil: not mounted, so the path answers 404.
	Dashboard http.Handler
	// Metrics records request counts and latencies. Defaults to nil: none.
	Metrics *metrics.HTTP
	// MailEvents counts the delivery events the webhook receivers store.
	// Defaults to nil: none.
	MailEvents *metrics.MailEvents
}

// Server holds the API's dependencies; its methods are the handlers.
type Server struct {
	cfg     *config.API
	logger  *slog.Logger
	pool    *pgxpool.Pool
	auth    *auth.Service
	tasks   *todo.Service
	resets  *reset.Service
	signups *signup.Service

	dashboard http.Handler
	metrics   *metrics.HTTP
	// hooks are the delivery-event receivers.
	hooks *webhooks

	// clientIP finds each request's client address for the limiters.
	clientIP *clientip.Resolver
	// authLimiter limits the auth endpoints per client IP; nil when
	// RATE_LIMIT_ENABLED=false.
	authLimiter *rateLimiter
	// loginDelay slows guessing per address; nil when
	// RATE_LIMIT_ENABLED=false.
	loginDelay *loginDelay
	corsPolicy *corsPolicy
}

// NewServer builds the API's http.Handler.
func NewServer(d Deps) http.Handler {
	s := &Server{cfg: d.Config, logger: d.Logger, pool: d.Pool, auth: d.Auth, tasks: d.Tasks, resets: d.Resets, signups: d.Signups,
		dashboard: d.Dashboard, metrics: d.Metrics, clientIP: clientip.New(d.Config.TrustedProxies)}
	s.corsPolicy = newCORSPolicy(d.Config.CORSAllowedOrigins)
	s.hooks = newWebhooks(d.Config, d)
	if d.Config.RateLimitEnabled {
		s.authLimiter = newRateLimiter(d.Config.RateLimitAuthPerMinute, d.Config.RateLimitAuthBurst, maxRateLimitKeys, time.Now)
		s.loginDelay = newLoginDelay(d.Config.RateLimitLoginFailures, d.Config.RateLimitLoginWindow, maxRateLimitKeys, time.Now)
	}
	engine := gin.New()
	// The client's address is clientip's to decide (TRUSTED_PROXIES);
	// gin's own guess, which gives up on X-Forwarded-For entries with a
	// port, is switched off so that nothing can use it by mistake.
	engine.ForwardedByClientIP = false
	engine.HandleMethodNotAllowed = true
	engine.ContextWithFallback = true
	s.routes(engine)
	return engine
}
