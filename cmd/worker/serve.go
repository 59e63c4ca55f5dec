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

	"github.com/todoapp/resetmail/internal/boot"
	"github.com/todoapp/resetmail/internal/config"
	"github.com/todoapp/resetmail/internal/workerapp"
)

func serve(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	// Every step of the start-up adds its problems here and the next one
	// runs anyway, so that one message reports them all.
	var problems config.Error
	cfg, err := config.LoadWorker(boot.Environ(getenv, &config.Worker{}))
	problems.Collect(err)
	// Every template is parsed and rendered before anything else, so that a
	// broken one stops the deploy instead of a user's mail.
	renderer, err := workerapp.NewRenderer(cfg)
	problems.Collect(err)
	basics, err := boot.Start(ctx, stdout, &cfg.Common, &problems)
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

	// The API's read and idle timeouts: without them an idle connection
	// stayed open for good (issue 23, item 7).
	srv := &http.Server{Handler: app.Handler, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: cfg.HTTPReadTimeout, IdleTimeout: cfg.HTTPIdleTimeout}
	ln, err := net.Listen("tcp", cfg.WorkerHTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on WORKER_HTTP_ADDR %s: %w", cfg.WorkerHTTPAddr, err)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	// River's own context must outlive the signal: Stop below drains it.
	if err := app.Start(ctx); err != nil {
		return err
	}
	logger.Info("worker started",
		slog.String("http_addr", ln.Addr().String()),
		slog.String("version", version),
		slog.Int("concurrency", cfg.WorkerConcurrency),
		slog.Bool("poll_only", cfg.PollOnly()),
		slog.Duration("idle_after", cfg.WorkerIdleAfter))
	app.WarnHibernation(cfg, logger)
	runCtx, stopRun := context.WithCancel(ctx)
	ran := app.RunHibernation(runCtx)

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
	return shutdown(cfg, logger, app, srv, errc)
}

// shutdown stops fetching, lets in-flight sends finish within
// SHUTDOWN_TIMEOUT, then cancels what remains: River records those jobs as
// errored and retries them, so nothing is lost.
func shutdown(cfg *config.Worker, logger *slog.Logger, app *workerapp.App, srv *http.Server, errc chan error) error {
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
	httpCtx, cancelHTTP := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancelHTTP()
	_ = srv.Shutdown(httpCtx)
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	logger.Info("stopped")
	return nil
}
