package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/todoapp/resetmail/internal/boot"
	"github.com/todoapp/resetmail/internal/config"
	"github.com/todoapp/resetmail/internal/health"
	"github.com/todoapp/resetmail/internal/hibernate"
	"github.com/todoapp/resetmail/internal/mailrate"
	"github.com/todoapp/resetmail/internal/metrics"
	"github.com/todoapp/resetmail/internal/queue"
)

func serve(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	cfg, err := config.LoadWorker(boot.Environ(getenv, &config.Worker{}))
	// Every template is parsed and rendered before anything else, so that a
	// broken one stops the deploy instead of a user's mail.
	renderer, err := newRenderer(cfg, err)
	basics, err := boot.Start(ctx, stdout, &cfg.Common, err)
	if err != nil {
		return err
	}
	logger, pool := basics.Logger, basics.Pool
	defer pool.Close()
	if w := renderer.Warning(); w != "" {
		logger.Warn(w)
	}

	// The mail outcomes (sent, failed, skipped as no_account…) tell
	// whether an address has an account, so they live on a registry of
	// their own that only a scrape with METRICS_TOKEN sees.
	reg := metrics.NewRegistry()
	queueDepth := metrics.NewQueueDepth(pool, logger)
	reg.MustRegister(queueDepth)
	outcomes := prometheus.NewRegistry()
	limiter, err := mailrate.New(mailrate.Config{Pool: pool, Rate: cfg.MailRateLimit, Burst: cfg.MailRateBurst})
	if err != nil {
		return err
	}
	// The provider's problem counters move only when a mail is sent, so
	// they are outcomes too.
	gateway, closeMail, err := newGateway(ctx, cfg, logger, outcomes, limiter)
	if err != nil {
		return err
	}
	defer closeMail()
	sleeper, err := newSleeper(cfg, pool, reg, logger)
	if err != nil {
		return err
	}
	client, err := newRiverClient(cfg, queue.WorkerDeps{
		Pool: pool, Mailer: gateway, Renderer: renderer,
		Observer: metrics.NewWorker(metrics.WithProvider(outcomes, gateway.Provider())), Logger: logger,
	}, sleeper)
	if err != nil {
		return err
	}
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
		health.DatabaseReadiness(logger, pool, health.NamedCheck{Name: "mail", Check: mailReadiness(gateway)})))
	mux.Handle("POST /wake", hibernate.WakeHandler(cfg.WorkerWakeToken, sleeper.wake))
	// The API's read and idle timeouts: without them an idle connection
	// stayed open for good (issue 23, item 7).
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: cfg.HTTPReadTimeout, IdleTimeout: cfg.HTTPIdleTimeout}
	ln, err := net.Listen("tcp", cfg.WorkerHTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on WORKER_HTTP_ADDR %s: %w", cfg.WorkerHTTPAddr, err)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	// River's own context must outlive the signal: Stop below drains it.
	if err := sleeper.start(ctx, client); err != nil {
		return err
	}
	logger.Info("worker started",
		slog.String("http_addr", ln.Addr().String()),
		slog.String("version", version),
		slog.Int("concurrency", cfg.WorkerConcurrency),
		slog.Bool("poll_only", cfg.PollOnly()),
		slog.Duration("idle_after", cfg.WorkerIdleAfter))
	sleeper.warn(cfg, logger)
	runCtx, stopRun := context.WithCancel(ctx)
	ran := sleeper.run(runCtx)

	select {
	case err := <-errc:
		stopRun()
		<-ran
		return fmt.Errorf("serve health: %w", err)
	case <-ctx.Done():
	}
	stopRun()
	// The controller is done before River is stopped, so that it cannot
	// start River again behind shutdown's back.
	<-ran
	return shutdown(cfg, logger, client, srv, errc)
}

// shutdown stops fetching, lets in-flight sends finish within
// SHUTDOWN_TIMEOUT, then cancels what remains: River records those jobs as
// errored and retries them, so nothing is lost.
func shutdown(cfg *config.Worker, logger *slog.Logger, client *river.Client[pgx.Tx], srv *http.Server, errc chan error) error {
	logger.Info("shutting down", slog.Duration("timeout", cfg.ShutdownTimeout))
	softCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := client.Stop(softCtx); err != nil {
		logger.Warn("in-flight jobs did not finish in time; cancelling them", slog.Any("err", err))
		hardCtx, cancelHard := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancelHard()
		if err := client.StopAndCancel(hardCtx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
			logger.Error("stop river", slog.Any("err", err))
		}
	}
	httpCtx, cancelHTTP := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancelHTTP()
	_ = srv.Shutdown(httpCtx)
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	logger.Info("stopped")
	return nil
}

// newRiverClient builds the worker's River client from the one assembly
// in internal/queue, which the tests and drills run too.
func newRiverClient(cfg *config.Worker, d queue.WorkerDeps, s *sleeper) (*river.Client[pgx.Tx], error) {
	rc, err := queue.RiverConfig(cfg, d)
	if err != nil {
		return nil, err
	}
	if s.ctrl != nil {
		rc.Middleware = append(rc.Middleware, s.ctrl.Middleware())
	}
	client, err := river.NewClient(riverpgxv5.New(d.Pool), rc)
	if err != nil {
		return nil, fmt.Errorf("create river client: %w", err)
	}
	s.runner.Client = client
	return client, nil
}
