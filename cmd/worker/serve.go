package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/todoapp/resetmail/internal/boot"
	"github.com/todoapp/resetmail/internal/config"
	"github.com/todoapp/resetmail/internal/health"
	"github.com/todoapp/resetmail/internal/postgres"
	"github.com/todoapp/resetmail/internal/reset"
	appsql "github.com/todoapp/resetmail/sql"
)

func serve(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	cfg, err := config.LoadWorker(boot.Environ(getenv, &config.Worker{}))
	cfgErr := boot.AsConfigError(err)
	logger := boot.Logger(stdout, &cfg.Common)
	queries, err := appsql.LoadQueries()
	if err != nil {
		return err
	}
	pool, cfgErr := boot.Database(ctx, &cfg.Common, queries, cfgErr)
	if cfgErr != nil {
		return cfgErr
	}
	defer pool.Close()

	client, err := newRiverClient(cfg, pool, queries, logger)
	if err != nil {
		return err
	}

	mux := http.NewServeMux()
	mux.Handle("GET /healthz", health.Liveness())
	mux.Handle("GET /readyz", health.Readiness(logger, time.Second, map[string]health.Check{
		"database": func(ctx context.Context) error { return postgres.Ping(ctx, pool, time.Second) },
	}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	ln, err := net.Listen("tcp", cfg.WorkerHTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on WORKER_HTTP_ADDR %s: %w", cfg.WorkerHTTPAddr, err)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	// River's own context must outlive the signal: Stop below drains it.
	if err := client.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("start river: %w", err)
	}
	logger.Info("worker started",
		slog.String("http_addr", ln.Addr().String()),
		slog.String("version", version),
		slog.Int("concurrency", cfg.WorkerConcurrency),
		slog.Bool("poll_only", cfg.WorkerPollOnly))

	select {
	case err := <-errc:
		return fmt.Errorf("serve health: %w", err)
	case <-ctx.Done():
	}
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

func newRiverClient(cfg *config.Worker, pool *pgxpool.Pool, queries *appsql.Queries, logger *slog.Logger) (*river.Client[pgx.Tx], error) {
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, reset.NewCleanupWorker(pool, queries, cfg.ResetRetention, logger)); err != nil {
		return nil, err
	}
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Queues: map[string]river.QueueConfig{
			reset.QueueMaintenance: {MaxWorkers: 1},
		},
		Workers: workers,
		PeriodicJobs: []*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
				func() (river.JobArgs, *river.InsertOpts) { return reset.CleanupArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true}),
		},
		JobTimeout:           cfg.JobTimeout,
		RescueStuckJobsAfter: cfg.RescueStuckJobsAfter,
		FetchCooldown:        cfg.WorkerFetchCooldown,
		FetchPollInterval:    cfg.WorkerFetchPollInterval,
		PollOnly:             cfg.WorkerPollOnly,
		Logger:               logger,
	})
	if err != nil {
		return nil, fmt.Errorf("create river client: %w", err)
	}
	return client, nil
}
