package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/todoapp/resetmail/internal/apiapp"
	"github.com/todoapp/resetmail/internal/boot"
	"github.com/todoapp/resetmail/internal/config"
)

func serve(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	// Every step of the start-up adds its problems here and the next one
	// runs anyway, so that one message reports them all.
	var problems config.Error
	cfg, err := config.LoadAPI(boot.Environ(getenv, &config.API{}))
	problems.Collect(err)
	basics, err := boot.Start(ctx, stdout, &cfg.Common, &problems)
	if err != nil {
		return err
	}
	logger, pool := basics.Logger, basics.Pool
	defer pool.Close()

	app, err := apiapp.New(ctx, cfg, pool, logger)
	if err != nil {
		return err
	}
	defer app.Close()
	stopMetrics, err := serveMetrics(cfg, app.Metrics, logger)
	if err != nil {
		return err
	}
	defer stopMetrics()
	srv := &http.Server{
		Handler:           app.Handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       cfg.HTTPReadTimeout,
		WriteTimeout:      cfg.HTTPWriteTimeout,
		IdleTimeout:       cfg.HTTPIdleTimeout,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(cfg.ListenHost, strconv.Itoa(cfg.Port)))
	if err != nil {
		return fmt.Errorf("listen on PORT %d: %w", cfg.Port, err)
	}
	logger.Info("api listening", slog.String("addr", ln.Addr().String()), slog.String("version", version), slog.String("env", cfg.AppEnv))

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}

	// Stop accepting, then let in-flight requests finish within the timeout.
	logger.Info("shutting down", slog.Duration("timeout", cfg.ShutdownTimeout))
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	logger.Info("stopped")
	return nil
}
