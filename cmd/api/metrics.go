package main

import (
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/todoapp/resetmail/internal/boot"
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
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics.Endpoint{Public: reg, Token: token}.Handler())
	s, err := boot.Listen(boot.HTTPServer(mux, &cfg.Common), addr, "METRICS_ADDR "+addr)
	if err != nil {
		return nil, err
	}
	go func() {
		if err := s.Err(); err != nil {
			logger.Error("metrics server stopped", slog.Any("err", err))
		}
	}()
	logger.Info("metrics listening", slog.String("addr", s.Addr()))
	return func() { _ = s.Close() }, nil
}
