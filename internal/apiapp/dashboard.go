package apiapp

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/todoapp/resetmail/internal/clientip"
	"github.com/todoapp/resetmail/internal/config"
	"github.com/todoapp/resetmail/internal/dashboard"
	"github.com/todoapp/resetmail/internal/delivery"
)

// newDashboard builds the dashboard (our failed-sends pages and River UI)
// behind its guard, or returns nil when no credentials are configured: then
// /admin/ is not mounted at all and answers 404, because an unauthenticated
// dashboard must never be public.
func newDashboard(ctx context.Context, cfg *config.API, pool *pgxpool.Pool, jobs *river.Client[pgx.Tx], logger *slog.Logger) (http.Handler, error) {
	if !cfg.DashboardEnabled() {
		logger.Info("job dashboard is off: set DASHBOARD_USERNAME and DASHBOARD_PASSWORD to serve it at " + dashboard.Root)
		return nil, nil
	}
	ui, err := dashboard.NewRiverUI(ctx, jobs, logger, 0)
	if err != nil {
		return nil, err
	}
	sends, err := dashboard.NewSends(dashboard.SendsConfig{Pool: pool, Queue: delivery.QueueEmail, Logger: logger})
	if err != nil {
		return nil, err
	}
	guard, err := dashboard.New(dashboard.Config{
		Username: cfg.DashboardUsername,
		Password: cfg.DashboardPassword,
		Next:     dashboard.NewSite(ui, sends),
		// Behind a proxy every TCP peer is the proxy; keying failures on
		// it would let one guesser lock everyone out.
		ClientIP: clientip.New(cfg.TrustedProxies).IP,
		Logger:   logger,
	})
	if err != nil {
		return nil, err
	}
	logger.Info("job dashboard is on", slog.String("path", dashboard.Root))
	return guard, nil
}
