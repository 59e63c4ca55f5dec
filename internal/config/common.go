// Package config reads each binary's settings from the environment with
// caarlos0/env and validates all of them at once, so an operator sees every
// mistake in one message instead of fixing them one restart at a time.
//
// Variable names are a public contract with operators' deploy files: rename
// nothing. docs/environment.md and .env.example list every variable, and a
// test fails when a field here is missing from either.
package config

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Environments accepted by APP_ENV.
const (
	EnvDevelopment = "development"
	EnvProduction  = "production"
)

// Common holds the settings both binaries read.
type Common struct {
	// AppEnv is "development" or "production". Production turns on JSON
	// logs by default, HSTS, and requires an https FRONTEND_URL. Defaults to
	// "development".
	AppEnv string `env:"APP_ENV" envDefault:"development"`
	// DatabaseURL is the Postgres connection string. Required.
	DatabaseURL string `env:"DATABASE_URL"`
	// DatabaseMaxConns caps the process's connection pool. Defaults to 10
	// for the API and 10 for each worker; docs/scaling.md has the budget.
	DatabaseMaxConns int32 `env:"DATABASE_MAX_CONNS"`
	// DatabasePooler says what sits between the binaries and Postgres:
	// "none" (a direct connection) or "transaction" (a transaction pooler
	// such as PgBouncer in pool_mode=transaction, or Neon's pooled "-pooler"
	// host). With "transaction" no statement is prepared on the server, the
	// worker polls for jobs instead of using LISTEN/NOTIFY, and `api migrate`
	// refuses to run. Defaults to none; docs/architecture.md has the details.
	DatabasePooler string `env:"DATABASE_POOLER"`
	// DatabaseTransport is how both binaries and `api migrate` reach
	// Postgres: "tcp" (an ordinary connection to DATABASE_URL's host and
	// port) or "websocket" (Postgres over a WebSocket on port 443, as Neon
	// serves it at wss://<DATABASE_URL host>/v2, for hosts such as Hugging
	// Face Spaces that block outbound port 5432). Defaults to tcp.
	DatabaseTransport string `env:"DATABASE_TRANSPORT" envDefault:"tcp"`
	// DatabaseWebsocketURL, with DATABASE_TRANSPORT=websocket, replaces the
	// whole WebSocket URL (a self-hosted proxy, tests); its host is then the
	// one sent in the Host header. wss:// only, or ws:// to a loopback
	// host. Defaults to empty: wss://<DATABASE_URL host>/v2.
	DatabaseWebsocketURL string `env:"DATABASE_WEBSOCKET_URL"`
	// DatabaseConnectTimeout bounds each new database connection and the
	// start-up check. Defaults to 5s.
	DatabaseConnectTimeout time.Duration `env:"DATABASE_CONNECT_TIMEOUT" envDefault:"5s"`
	// LogLevel is debug, info, warn or error. Defaults to info.
	LogLevel string `env:"LOG_LEVEL" envDefault:"info"`
	// LogFormat is json or text. Defaults to json in production and text in
	// development.
	LogFormat string `env:"LOG_FORMAT"`
	// FrontendURL is the web app's base URL; reset links point to
	// FRONTEND_URL/reset-password?token=…. Defaults to http://localhost:3000
	// in development and is required in production.
	FrontendURL string `env:"FRONTEND_URL"`
	// ResetTokenTTL is how long a reset link works, counted from the
	// forgot-password request. Defaults to 1h.
	ResetTokenTTL time.Duration `env:"RESET_TOKEN_TTL" envDefault:"1h"`
	// EmailMaxAttempts is how many times one email is tried before it is
	// discarded. The API stamps it on each job it enqueues, so set the same
	// value on both binaries. Defaults to 12.
	EmailMaxAttempts int `env:"EMAIL_MAX_ATTEMPTS" envDefault:"12"`
	// MetricsToken, when set, puts /metrics (the API's on METRICS_ADDR, the
	// worker's on WORKER_HTTP_ADDR) behind "Authorization: Bearer
	// <token>". Without it the worker leaves out its mail outcome series,
	// which would tell anyone who can also request resets whether an
	// address has an account. At least 32 bytes when set. Defaults to
	// empty.
	MetricsToken string `env:"METRICS_TOKEN"`
	// ShutdownTimeout is how long SIGTERM waits for in-flight HTTP requests
	// and email sends before giving up. Defaults to 20s.
	ShutdownTimeout time.Duration `env:"SHUTDOWN_TIMEOUT" envDefault:"20s"`
	// HTTPReadTimeout bounds reading one request, headers and body, on
	// every HTTP server: the API's public port and METRICS_ADDR, the
	// worker's WORKER_HTTP_ADDR. Defaults to 10s.
	HTTPReadTimeout time.Duration `env:"HTTP_READ_TIMEOUT" envDefault:"10s"`
	// HTTPIdleTimeout closes idle keep-alive connections on every HTTP
	// server, as HTTP_READ_TIMEOUT does. Defaults to 60s.
	HTTPIdleTimeout time.Duration `env:"HTTP_IDLE_TIMEOUT" envDefault:"60s"`
}

// Production reports whether APP_ENV is production.
func (c *Common) Production() bool { return c.AppEnv == EnvProduction }

func (c *Common) fillDefaults(defaultMaxConns int32) {
	if c.LogFormat == "" {
		c.LogFormat = "text"
		if c.Production() {
			c.LogFormat = "json"
		}
	}
	if c.FrontendURL == "" && !c.Production() {
		c.FrontendURL = "http://localhost:3000"
	}
	c.FrontendURL = strings.TrimRight(c.FrontendURL, "/")
	// DATABASE_POOLER stays empty when unset (rather than envDefault:"none")
	// so that PoolerHint can tell "unset" from an explicit "none".
	if c.DatabaseMaxConns == 0 {
		c.DatabaseMaxConns = defaultMaxConns
	}
}

func (c *Common) validate(p *problems) {
	switch c.AppEnv {
	case EnvDevelopment, EnvProduction:
	default:
		p.addf("APP_ENV", "APP_ENV must be development or production, not %q", c.AppEnv)
	}
	if c.DatabaseURL == "" {
		p.add("DATABASE_URL", "DATABASE_URL is required")
	} else if _, err := pgxpool.ParseConfig(c.DatabaseURL); err != nil {
		p.add("DATABASE_URL", "DATABASE_URL is not a valid Postgres connection string (expected postgres://user:password@host:5432/dbname)")
	}
	switch c.DatabasePooler {
	case "", PoolerNone, PoolerTransaction:
	default:
		p.addf("DATABASE_POOLER", "DATABASE_POOLER must be none or transaction, not %q", c.DatabasePooler)
	}
	if c.DatabaseMaxConns < 2 {
		p.addf("DATABASE_MAX_CONNS", "DATABASE_MAX_CONNS must be at least 2, not %d", c.DatabaseMaxConns)
	}
	c.validateTransport(p)
	if c.DatabaseConnectTimeout <= 0 {
		p.add("DATABASE_CONNECT_TIMEOUT", "DATABASE_CONNECT_TIMEOUT must be positive")
	}
	switch strings.ToLower(c.LogLevel) {
	case "debug", "info", "warn", "error":
	default:
		p.addf("LOG_LEVEL", "LOG_LEVEL must be debug, info, warn or error, not %q", c.LogLevel)
	}
	switch c.LogFormat {
	case "json", "text":
	default:
		p.addf("LOG_FORMAT", "LOG_FORMAT must be json or text, not %q", c.LogFormat)
	}
	c.validateFrontendURL(p)
	if c.ResetTokenTTL < time.Minute || c.ResetTokenTTL > 24*time.Hour {
		p.addf("RESET_TOKEN_TTL", "RESET_TOKEN_TTL must be between 1m and 24h, not %s", c.ResetTokenTTL)
	}
	if c.EmailMaxAttempts < 1 || c.EmailMaxAttempts > 100 {
		p.addf("EMAIL_MAX_ATTEMPTS", "EMAIL_MAX_ATTEMPTS must be between 1 and 100, not %d", c.EmailMaxAttempts)
	}
	if c.MetricsToken != "" {
		p.secret("METRICS_TOKEN", c.MetricsToken)
	}
	if c.ShutdownTimeout <= 0 {
		p.add("SHUTDOWN_TIMEOUT", "SHUTDOWN_TIMEOUT must be positive")
	}
	if c.HTTPReadTimeout <= 0 {
		p.add("HTTP_READ_TIMEOUT", "HTTP_READ_TIMEOUT must be positive")
	}
	if c.HTTPIdleTimeout <= 0 {
		p.add("HTTP_IDLE_TIMEOUT", "HTTP_IDLE_TIMEOUT must be positive")
	}
}

func (c *Common) validateFrontendURL(p *problems) {
	if c.FrontendURL == "" {
		p.add("FRONTEND_URL", "FRONTEND_URL is required in production")
		return
	}
	u, err := url.Parse(c.FrontendURL)
	if err != nil || !u.IsAbs() || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		p.addf("FRONTEND_URL", "FRONTEND_URL must be an absolute http(s) URL such as https://app.example.com, not %q", c.FrontendURL)
		return
	}
	if c.Production() && u.Scheme != "https" {
		p.add("FRONTEND_URL", "FRONTEND_URL must use https in production")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		p.add("FRONTEND_URL", "FRONTEND_URL must not carry a query or fragment; reset links append /reset-password?token=…")
	}
}

// FrontendOrigin is FRONTEND_URL reduced to scheme://host[:port], the form
// browsers send in the Origin header.
func (c *Common) FrontendOrigin() string {
	u, err := url.Parse(c.FrontendURL)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// problems collects every validation failure so that they are all reported
// in one message.
type problems struct{ list []Problem }

// add records a problem about variable v; the sentence names v itself.
func (p *problems) add(v, s string) { p.list = append(p.list, Problem{Var: v, Problem: s}) }

func (p *problems) addf(v, format string, args ...any) { p.add(v, fmt.Sprintf(format, args...)) }

// secret checks a key's length without ever echoing its value.
func (p *problems) secret(name, value string) {
	switch {
	case value == "":
		p.addf(name, "%s is required (at least 32 bytes; generate one with: openssl rand -base64 48)", name)
	case len(value) < 32:
		p.addf(name, "%s must be at least 32 bytes; it has %d (generate one with: openssl rand -base64 48)", name, len(value))
	}
}
