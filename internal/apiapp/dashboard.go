package apiapp

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/todoapp/resetmail/internal/clientip"
	"github.com/todoapp/resetmail/internal/config"
	"github.com/todoapp/resetmail/internal/dashboard"
)

// newDashboard builds River UI behind its guard, or returns nil when no
// credentials are configured: then /admin/jobs/ is not mounted at all and
// answers 404, because an unauthenticated dashboard must never be public.
func newDashboard(ctx context.Context, cfg *config.API, jobs *river.Client[pgx.Tx], logger *slog.Logger) (http.Handler, error) {
	if !cfg.DashboardEnabled() {
		logger.Info("job dashboard is off: set DASHBOARD_USERNAME and DASHBOARD_PASSWORD to serve it at " + dashboard.Prefix + "/")
		return nil, nil
	}
	ui, err := dashboard.NewRiverUI(ctx, jobs, logger)
	if err != nil {
		return nil, err
	}
	guard, err := dashboard.New(dashboard.Config{
		Username: cfg.DashboardUsername,
		Password: cfg.DashboardPassword,
		Next:     ui,
		// Behind a proxy every TCP peer is the proxy; keying failures on
		// it would let one guesser lock everyone out.
		ClientIP: clientip.New(cfg.TrustedProxies).IP,
		Logger:   logger,
	})
	if err != nil {
		return nil, err
	}
	logger.Info("job dashboard is on", slog.String("path", dashboard.Prefix+"/"))
	return guard, nil
}
