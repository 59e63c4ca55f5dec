package dashboard

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"riverqueue.com/riverui"
)

// Prefix is where the dashboard is mounted in the API.
const Prefix = "/admin/jobs"

// NewRiverUI builds and starts River UI over client, mounted at Prefix, with
// job args hidden by default: they hold no secrets, but on-call rarely needs
// them and an address, even masked, is personal data. It stops when ctx ends.
func NewRiverUI(ctx context.Context, client *river.Client[pgx.Tx], logger *slog.Logger) (http.Handler, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	h, err := riverui.NewHandler(&riverui.HandlerOpts{
		Endpoints:                riverui.NewEndpoints(client, nil),
		JobListHideArgsByDefault: true,
		Logger:                   logger,
		Prefix:                   Prefix,
	})
	if err != nil {
		return nil, fmt.Errorf("create river ui: %w", err)
	}
	if err := h.Start(ctx); err != nil {
		return nil, fmt.Errorf("start river ui: %w", err)
	}
	return h, nil
}
