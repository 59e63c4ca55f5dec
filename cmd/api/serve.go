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

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/todoapp/resetmail/internal/auth"

	"github.com/todoapp/resetmail/internal/boot"
	"github.com/todoapp/resetmail/internal/config"
	"github.com/todoapp/resetmail/internal/httpapi"
	"github.com/todoapp/resetmail/internal/metrics"
	"github.com/todoapp/resetmail/internal/reset"
	"github.com/todoapp/resetmail/internal/signup"
	"github.com/todoapp/resetmail/internal/todo"
)

func serve(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	cfg, err := config.LoadAPI(boot.Environ(getenv, &config.API{}))
	basics, err := boot.Start(ctx, stdout, &cfg.Common, err)
	if err != nil {
		return err
	}
	logger, pool := basics.Logger, basics.Pool
	defer pool.Close()

	authService, err := auth.NewService(auth.Options{
		Pool: pool, JWTSecret: []byte(cfg.JWTSecret), TokenTTL: cfg.JWTTTL,
	})
	if err != nil {
		return err
	}
	// The API's River client only inserts, so it works through a
	// transaction pooler; the job kinds are registered on the worker.
	// FetchCooldown is, for an insert-only client, how often it may wake
	// the workers with a NOTIFY. River's default of 100 ms made a mail wait
	// up to 100 ms for its wake-up (enqueue-to-inbox p99 106 ms in
	// docs/benchmarks.md); 10 ms caps the NOTIFYs at 100/s, a few percent
	// of the transactions at full load.
	jobs, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Logger: logger, SkipUnknownJobCheck: true, FetchCooldown: 10 * time.Millisecond,
	})
	if err != nil {
		return fmt.Errorf("create river client: %w", err)
	}
	resets, err := reset.NewService(reset.ServiceConfig{
		Pool: pool, Jobs: jobs,
		HashPassword: authService.HashPassword,
		TokenTTL:     cfg.ResetTokenTTL,
		MaxAttempts:  cfg.EmailMaxAttempts,
	})
	if err != nil {
		return err
	}
	signups, err := signup.NewService(signup.ServiceConfig{
		Pool: pool, Jobs: jobs, Accounts: authService,
		TTL: cfg.SignupTokenTTL, MaxAttempts: cfg.EmailMaxAttempts,
	})
	if err != nil {
		return err
	}
	dash, err := newDashboard(ctx, cfg, jobs, logger)
	if err != nil {
		return err
	}
	reg := metrics.NewRegistry()
	handler := httpapi.NewServer(httpapi.Deps{
		Config: cfg, Logger: logger, Pool: pool,
		Auth:      authService,
		Tasks:     todo.NewService(pool),
		Resets:    resets,
		Signups:   signups,
		Dashboard: dash,
		Metrics:   metrics.NewHTTP(reg),
	})
	stopMetrics, err := serveMetrics(cfg.MetricsAddr, cfg.MetricsToken, reg, logger)
	if err != nil {
		return err
	}
	defer stopMetrics()
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       cfg.HTTPReadTimeout,
		WriteTimeout:      cfg.HTTPWriteTimeout,
		IdleTimeout:       cfg.HTTPIdleTimeout,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	ln, err := net.Listen("tcp", ":"+strconv.Itoa(cfg.Port))
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
