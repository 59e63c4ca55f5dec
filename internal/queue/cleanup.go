package queue

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/todoapp/resetmail/internal/postgres/dbsqlc"
)

// QueueMaintenance is the queue of housekeeping jobs, kept apart from the
// email queue so that a cleanup never waits behind a burst of mail.
const QueueMaintenance = "maintenance"

// CleanupArgs is the periodic job that deletes old reset requests.
type CleanupArgs struct{}

// Kind implements river.JobArgs.
func (CleanupArgs) Kind() string { return "reset_cleanup" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (CleanupArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueMaintenance, MaxAttempts: 3}
}

// CleanupWorker deletes reset requests, and with them their token hashes,
// some time after they expire: they are useless then, and they hold
// personal data.
type CleanupWorker struct {
	river.WorkerDefaults[CleanupArgs]

	pool      *pgxpool.Pool
	retention time.Duration
	logger    *slog.Logger
}

// NewCleanupWorker returns a worker that deletes requests retention after
// their expiry.
func NewCleanupWorker(pool *pgxpool.Pool, retention time.Duration, logger *slog.Logger) *CleanupWorker {
	return &CleanupWorker{pool: pool, retention: retention, logger: logger}
}

// Work implements river.Worker.
func (w *CleanupWorker) Work(ctx context.Context, _ *river.Job[CleanupArgs]) error {
	n, err := dbsqlc.New().ResetDeleteExpired(ctx, w.pool, w.retention.Seconds())
	if err != nil {
		return fmt.Errorf("delete expired reset requests: %w", err)
	}
	w.logger.InfoContext(ctx, "deleted expired reset requests", slog.Int64("count", n))
	n, err = dbsqlc.New().SignupDeleteExpired(ctx, w.pool, w.retention.Seconds())
	if err != nil {
		return fmt.Errorf("delete expired sign-up requests: %w", err)
	}
	w.logger.InfoContext(ctx, "deleted expired sign-up requests", slog.Int64("count", n))
	// An address's sign-up slot limits mail for RESET_EMAIL_INTERVAL only;
	// one older than the retention limits nothing.
	n, err = dbsqlc.New().SignupAddressSlotsDeleteStale(ctx, w.pool, w.retention.Seconds())
	if err != nil {
		return fmt.Errorf("delete stale address slots: %w", err)
	}
	w.logger.InfoContext(ctx, "deleted stale address slots", slog.Int64("count", n))
	return nil
}
