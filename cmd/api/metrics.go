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

	"github.com/todoapp/resetmail/internal/metrics"
)

// serveMetrics serves /metrics on METRICS_ADDR, a listener of its own so
// that metrics never reach the public port, behind METRICS_TOKEN when it is
// set. The API's series (requests by route and status) answer nothing a
// client did not already see in its own responses, so all of them are
// public when no token is set. With no address it does nothing. The
// returned function stops the server.
func serveMetrics(addr, token string, reg *prometheus.Registry, logger *slog.Logger) (func(), error) {
	if addr == "" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on METRICS_ADDR %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics.Endpoint{Public: reg, Token: token}.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
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
