// Package apiapp assembles the API binary: from its validated
// configuration, a pool and a logger, New builds the insert-only River
// client, the auth, reset, sign-up and task services, the job dashboard,
// the metrics and the http.Handler that serves them. cmd/api serves what
// it returns; the httpapi tests and the benchmark build the API through it
// too, so that what they exercise is what ships. A test that needs other
// settings changes the config.API it passes, never a copy of this wiring.
package apiapp

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"

	"github.com/todoapp/resetmail/internal/auth"
	"github.com/todoapp/resetmail/internal/config"
	"github.com/todoapp/resetmail/internal/delivery"
	"github.com/todoapp/resetmail/internal/httpapi"
	"github.com/todoapp/resetmail/internal/metrics"
	"github.com/todoapp/resetmail/internal/postgres"
	"github.com/todoapp/resetmail/internal/reset"
	"github.com/todoapp/resetmail/internal/signup"
	"github.com/todoapp/resetmail/internal/todo"
	"github.com/todoapp/resetmail/internal/wake"
)

// App is the API assembled: the handler to serve, and the parts a caller
// may need besides (the benchmark calls the services directly; tests sign
// tokens with Auth).
type App struct {
	// Handler serves the whole public API.
	Handler http.Handler
	// Metrics is the registry cmd/api serves on METRICS_ADDR.
	Metrics *prometheus.Registry
	// Jobs is the insert-only River client the services enqueue through.
	Jobs *river.Client[pgx.Tx]
	// Auth, Resets, Signups and Tasks are the services behind Handler.
	Auth    *auth.Service
	Resets  *reset.Service
	Signups *signup.Service
	Tasks   *todo.Service
	// Waker wakes hibernating workers after each committed job
	// (WORKER_WAKE_URLS); nil, waking nothing, when none is listed.
	Waker *wake.Waker
}

// Close stops what New started in the background: the wake calls.
func (a *App) Close() { a.Waker.Close() }

// FetchCooldown is, for the API's insert-only River client, how often it
// may wake the workers with a NOTIFY. River's default of 100 ms made a mail
// wait up to 100 ms for its wake-up (enqueue-to-inbox p99 106 ms in
// docs/benchmarks.md); 10 ms caps the NOTIFYs at 100/s, a few percent of
// the transactions at full load.
const FetchCooldown = 10 * time.Millisecond

// New assembles the API from cfg over pool. ctx bounds the dashboard's
// start-up work only.
func New(ctx context.Context, cfg *config.API, pool *pgxpool.Pool, logger *slog.Logger) (*App, error) {
	authService, err := auth.NewService(auth.Options{
		Pool: pool, JWTSecret: []byte(cfg.JWTSecret), TokenTTL: cfg.JWTTTL, BcryptCost: cfg.BcryptCost,
	})
	if err != nil {
		return nil, err
	}
	// The API's River client only inserts, so it works through a
	// transaction pooler; the job kinds are registered on the worker.
	jobs, err := postgres.NewRiverClient(pool, &river.Config{
		Logger: logger, SkipUnknownJobCheck: true, FetchCooldown: FetchCooldown,
	})
	if err != nil {
		return nil, err
	}
	reg := metrics.NewRegistry()
	// With WORKER_WAKE_URLS unset, waker is nil and wakes nothing.
	waker, err := wake.New(wake.Config{
		URLs: cfg.WorkerWakeURLs, Token: cfg.WorkerWakeToken,
		Observer: metrics.NewWake(reg), Logger: logger,
	})
	if err != nil {
		return nil, err
	}
	// Both services record their requests and enqueue their mail alike.
	outbox := delivery.Outbox{Pool: pool, Jobs: jobs, Waker: waker, MaxAttempts: cfg.EmailMaxAttempts}
	resets, err := reset.NewService(reset.ServiceConfig{
		LinkRequests: delivery.LinkRequests{Outbox: outbox, TTL: cfg.ResetTokenTTL},
		HashPassword: authService.HashPassword,
	})
	if err != nil {
		return nil, err
	}
	signups, err := signup.NewService(signup.ServiceConfig{
		LinkRequests: delivery.LinkRequests{Outbox: outbox, TTL: cfg.SignupTokenTTL}, Accounts: authService,
	})
	if err != nil {
		return nil, err
	}
	dash, err := newDashboard(ctx, cfg, pool, jobs, logger)
	if err != nil {
		return nil, err
	}
	tasks := todo.NewService(pool)
	reg.MustRegister(metrics.NewMailRates(pool, logger))
	handler := httpapi.NewServer(httpapi.Deps{
		Config: cfg, Logger: logger, Pool: pool,
		Auth:       authService,
		Tasks:      tasks,
		Resets:     resets,
		Signups:    signups,
		Dashboard:  dash,
		Metrics:    metrics.NewHTTP(reg),
		MailEvents: metrics.NewMailEvents(reg),
	})
	return &App{
		Handler: handler, Metrics: reg, Jobs: jobs,
		Auth: authService, Resets: resets, Signups: signups, Tasks: tasks, Waker: waker,
	}, nil
}
