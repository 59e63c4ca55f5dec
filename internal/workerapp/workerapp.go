// Package workerapp assembles the worker binary: from its validated
// configuration, a pool and a logger, New builds the mail provider
// MAIL_PROVIDER names behind the Gateway (send-rate cap, shared pause,
// /readyz problem), the metrics, the River client of package queue, and
// the private HTTP handler (/healthz, /readyz, /metrics, opt-in pprof).
// cmd/worker runs what it returns; the reset tests build their workers
// through it too, so that what they exercise is what ships. A test that
// needs other settings changes the config.Worker it passes, never a copy of
// this wiring.
package workerapp

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"

	"github.com/todoapp/resetmail/internal/config"
	"github.com/todoapp/resetmail/internal/delivery"
	"github.com/todoapp/resetmail/internal/health"
	"github.com/todoapp/resetmail/internal/hibernate"
	"github.com/todoapp/resetmail/internal/mail"
	"github.com/todoapp/resetmail/internal/mail/templates"
	"github.com/todoapp/resetmail/internal/mailrate"
	"github.com/todoapp/resetmail/internal/metrics"
	"github.com/todoapp/resetmail/internal/postgres"
	"github.com/todoapp/resetmail/internal/queue"
)

// Deps are what New needs besides the configuration.
type Deps struct {
	// Pool is the database. Required.
	Pool *pgxpool.Pool
	// Logger receives River's lines and one line per outcome. Required.
	Logger *slog.Logger
	// Renderer renders the templates; serve builds it first, with
	// NewRenderer, to report a broken template with every other start-up
	// problem. Defaults to NewRenderer(cfg).
	Renderer *templates.Renderer
	// Provider replaces the provider MAIL_PROVIDER names. Only for an
	// in-process stand-in that no setting can reach (an SES fake with
	// static credentials, an HTTPS fake with its own root CA); everything
	// else goes through config. Defaults to NewProvider(cfg).
	Provider mail.Provider
	// Observer hears every mail outcome besides the metrics. Defaults to
	// none.
	Observer delivery.Observer
}

// App is the worker assembled. Start Client to work the queue; serve
// Handler on WORKER_HTTP_ADDR; Close releases the provider's connections
// after the client has stopped.
type App struct {
	// Client is the worker's River client, not yet started.
	Client *river.Client[pgx.Tx]
	// Gateway is what every mail goes through.
	Gateway *mail.Gateway
	// Handler serves /healthz, /readyz, /metrics and, with WORKER_PPROF,
	// /debug/pprof/.
	Handler http.Handler
	// Close releases the provider's connections.
	Close func()

	sleeper *sleeper
}

// Start starts working the queue: River at once, or, with
// WORKER_IDLE_AFTER, the hibernation controller that starts and stops it.
// River's own context outlives ctx: the caller stops Client when done.
func (a *App) Start(ctx context.Context) error { return a.sleeper.start(ctx, a.Client) }

// RunHibernation runs the hibernation controller, if any, until ctx ends;
// the channel closes when it has. Stop Client only after that, so that
// the controller cannot start River again behind the shutdown's back.
func (a *App) RunHibernation(ctx context.Context) <-chan struct{} { return a.sleeper.run(ctx) }

// WarnHibernation logs, at start, what a hibernating worker without a wake
// token means.
func (a *App) WarnHibernation(cfg *config.Worker, logger *slog.Logger) { a.sleeper.warn(cfg, logger) }

// New assembles the worker from cfg. ctx bounds the provider's start-up
// work (SES reads its credentials).
func New(ctx context.Context, cfg *config.Worker, d Deps) (*App, error) {
	if cfg == nil || d.Pool == nil || d.Logger == nil {
		return nil, errors.New("workerapp: the config, Pool and Logger are required")
	}
	renderer := d.Renderer
	if renderer == nil {
		r, err := NewRenderer(cfg)
		if err != nil {
			return nil, err
		}
		renderer = r
	}
	// The mail outcomes (sent, failed, skipped as no_account…) tell
	// whether an address has an account, so they live on a registry of
	// their own that only a scrape with METRICS_TOKEN sees.
	reg := metrics.NewRegistry()
	queueDepth := metrics.NewQueueDepth(d.Pool, d.Logger)
	reg.MustRegister(queueDepth)
	outcomes := prometheus.NewRegistry()
	limiter, err := mailrate.New(mailrate.Config{Pool: d.Pool, Rate: cfg.MailRateLimit, Burst: cfg.MailRateBurst})
	if err != nil {
		return nil, err
	}
	provider, closeProvider := d.Provider, func() {}
	if provider == nil {
		provider, closeProvider, err = NewProvider(ctx, cfg, d.Logger)
		if err != nil {
			return nil, err
		}
	}
	// The provider's problem counters move only when a mail is sent, so
	// they are outcomes too.
	gateway, closeMail, err := newGateway(provider, closeProvider, d.Logger, outcomes, limiter)
	if err != nil {
		return nil, err
	}
	var observer delivery.Observer = metrics.NewWorker(metrics.WithProvider(outcomes, gateway.Provider()))
	if d.Observer != nil {
		observer = bothObservers{observer, d.Observer}
	}
	sleeper, err := newSleeper(cfg, d.Pool, reg, d.Logger)
	if err != nil {
		closeMail()
		return nil, err
	}
	rc, err := queue.RiverConfig(cfg, queue.WorkerDeps{
		Pool: d.Pool, Mailer: gateway, Renderer: renderer, Observer: observer, Logger: d.Logger,
	})
	if err != nil {
		closeMail()
		return nil, err
	}
	if sleeper.ctrl != nil {
		rc.Middleware = append(rc.Middleware, sleeper.ctrl.Middleware())
	}
	client, err := postgres.NewRiverClient(d.Pool, rc)
	if err != nil {
		closeMail()
		return nil, err
	}
	sleeper.runner.Client = client
	queueDepth.PauseWhile(sleeper.asleep)

	mux := http.NewServeMux()
	mux.Handle("GET /healthz", health.Liveness())
	mux.Handle("GET /metrics", metrics.Endpoint{Public: reg, Private: outcomes, Token: cfg.MetricsToken}.Handler())
	if cfg.WorkerPprof {
		// Opt-in only: profiles expose code paths and memory, and
		// WORKER_HTTP_ADDR is meant to stay private.
		mux.HandleFunc("GET /debug/pprof/", pprof.Index)
		mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	}
	mux.Handle("GET /readyz", health.WhileAsleep(sleeper.asleep,
		health.DatabaseReadiness(d.Logger, d.Pool, health.NamedCheck{Name: "mail", Check: mailReadiness(gateway)})))
	mux.Handle("POST /wake", hibernate.WakeHandler(cfg.WorkerWakeToken, sleeper.wake))
	return &App{Client: client, Gateway: gateway, Handler: mux, Close: closeMail, sleeper: sleeper}, nil
}

// bothObservers tells two observers every outcome.
type bothObservers [2]delivery.Observer

func (o bothObservers) EmailSent(kind string, send, sinceEnqueue time.Duration) {
	o[0].EmailSent(kind, send, sinceEnqueue)
	o[1].EmailSent(kind, send, sinceEnqueue)
}

func (o bothObservers) EmailFailed(kind, class string) {
	o[0].EmailFailed(kind, class)
	o[1].EmailFailed(kind, class)
}

func (o bothObservers) ResetSkipped(reason string) {
	o[0].ResetSkipped(reason)
	o[1].ResetSkipped(reason)
}

func (o bothObservers) EmailSuppressed(kind string) {
	o[0].EmailSuppressed(kind)
	o[1].EmailSuppressed(kind)
}
