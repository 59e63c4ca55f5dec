package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/todoapp/resetmail/internal/boot"
	"github.com/todoapp/resetmail/internal/config"
	"github.com/todoapp/resetmail/internal/workerapp"
)

func serve(ctx context.Context, c boot.Call) error {
	// Every step of the start-up runs although the one before failed, so
	// that one message reports all their problems.
	cfg, cfgErr := c.LoadWorker()
	// Every template is parsed and rendered before anything else, so that a
	// broken one stops the deploy instead of a user's mail.
	renderer, renderErr := workerapp.NewRenderer(cfg)
	basics, err := boot.Start(ctx, c.Stdout, &cfg.Common, cfgErr, renderErr)
	if err != nil {
		return err
	}
	logger, pool := basics.Logger, basics.Pool
	defer pool.Close()
	if w := renderer.Warning(); w != "" {
		logger.Warn(w)
	}

	app, err := workerapp.New(ctx, cfg, workerapp.Deps{Pool: pool, Logger: logger, Renderer: renderer})
	if err != nil {
		return err
	}
	defer app.Close()

	hs, err := boot.Listen(boot.HTTPServer(app.Handler, &cfg.Common), cfg.WorkerHTTPAddr, "WORKER_HTTP_ADDR "+cfg.WorkerHTTPAddr)
	if err != nil {
		return err
	}

	// River's own context must outlive the signal: Stop below drains it.
	if err := app.Start(ctx); err != nil {
		return err
	}
	logger.Info("worker started",
		slog.String("http_addr", hs.Addr()),
		slog.String("version", version),
		slog.Int("concurrency", cfg.WorkerConcurrency),
		slog.Bool("poll_only", cfg.PollOnly()),
		slog.Duration("idle_after", cfg.WorkerIdleAfter))
	app.WarnHibernation(cfg, logger)
	runCtx, stopRun := context.WithCancel(ctx)
	ran := app.RunHibernation(runCtx)

	select {
	case <-hs.Done():
		stopRun()
		<-ran
		return fmt.Errorf("serve health: %w", hs.Err())
	case <-ctx.Done():
	}
	stopRun()
	// The controller is done before River is stopped, so that it cannot
	// start River again behind shutdown's back.
	<-ran
	return shutdown(cfg, logger, app, hs)
}

// shutdown stops fetching, lets in-flight sends finish within
// SHUTDOWN_TIMEOUT, then cancels what remains: River records those jobs as
// errored and retries them, so nothing is lost.
func shutdown(cfg *config.Worker, logger *slog.Logger, app *workerapp.App, hs *boot.Server) error {
	logger.Info("shutting down", slog.Duration("timeout", cfg.ShutdownTimeout))
	softCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := app.Client.Stop(softCtx); err != nil {
		logger.Warn("in-flight jobs did not finish in time; cancelling them", slog.Any("err", err))
		hardCtx, cancelHard := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancelHard()
		if err := app.Client.StopAndCancel(hardCtx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
			logger.Error("stop river", slog.Any("err", err))
		}
	}
	if err := hs.Close(); err != nil {
		return err
	}
	logger.Info("stopped")
	return nil
}
