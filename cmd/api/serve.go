package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strconv"

	"github.com/todoapp/resetmail/internal/apiapp"
	"github.com/todoapp/resetmail/internal/boot"
)

func serve(ctx context.Context, c boot.Call) error {
	// A configuration problem does not stop the database check, so that one
	// message reports them all.
	cfg, err := c.LoadAPI()
	basics, err := boot.Start(ctx, c.Stdout, &cfg.Common, err)
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
	// The public port also bounds writing a response, logs what net/http
	// has to say, and lets a request's work outlive the signal while the
	// shutdown waits for it.
	srv := boot.HTTPServer(app.Handler, &cfg.Common)
	srv.WriteTimeout = cfg.HTTPWriteTimeout
	srv.ErrorLog = slog.NewLogLogger(logger.Handler(), slog.LevelWarn)
	srv.BaseContext = func(net.Listener) context.Context { return context.WithoutCancel(ctx) }
	pub, err := boot.Listen(srv, net.JoinHostPort(cfg.ListenHost, strconv.Itoa(cfg.Port)), fmt.Sprintf("PORT %d", cfg.Port))
	if err != nil {
		return err
	}
	logger.Info("api listening", slog.String("addr", pub.Addr()), slog.String("version", version), slog.String("env", cfg.AppEnv))
	select {
	case <-pub.Done():
		return fmt.Errorf("serve: %w", pub.Err())
	case <-ctx.Done():
	}

	// Stop accepting, then let in-flight requests finish within the timeout.
	logger.Info("shutting down", slog.Duration("timeout", cfg.ShutdownTimeout))
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	if err := pub.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := pub.Err(); err != nil {
		return err
	}
	logger.Info("stopped")
	return nil
}
