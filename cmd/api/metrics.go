package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/todoapp/resetmail/internal/config"
	"github.com/todoapp/resetmail/internal/metrics"
)

// serveMetrics serves /metrics on METRICS_ADDR, a listener of its own so
// that metrics never reach the public port, behind METRICS_TOKEN when it is
// set. The API's series (requests by route and status) answer nothing a
// client did not already see in its own responses, so all of them are
// public when no token is set. With no address it does nothing. The
// returned function stops the server.
func serveMetrics(cfg *config.API, reg *prometheus.Registry, logger *slog.Logger) (func(), error) {
	addr, token := cfg.MetricsAddr, cfg.MetricsToken
	if addr == "" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on METRICS_ADDR %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics.Endpoint{Public: reg, Token: token}.Handler())
	// The public port's read and idle timeouts: without them an idle
	// connection stayed open for good (issue 23, item 7).
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: cfg.HTTPReadTimeout, IdleTimeout: cfg.HTTPIdleTimeout}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("metrics server stopped", slog.Any("err", err))
		}
	}()
	logger.Info("metrics listening", slog.String("addr", ln.Addr().String()))
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, nil
}
