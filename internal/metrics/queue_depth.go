package metrics

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/todoapp/resetmail/internal/postgres/dbsqlc"
)

// QueueDepth is a collector that counts River's jobs by queue and state at
// scrape time, so operators see a backlog building without a separate
// exporter. A scrape that cannot reach the database reports nothing rather
// than stale numbers.
type QueueDepth struct {
	pool    *pgxpool.Pool
	queries *dbsqlc.Queries
	desc    *prometheus.Desc
	logger  *slog.Logger
	timeout time.Duration
	asleep  func() bool
}

// NewQueueDepth returns the collector; register it on the worker's registry.
func NewQueueDepth(pool *pgxpool.Pool, logger *slog.Logger) *QueueDepth {
	return &QueueDepth{
		pool:    pool,
		queries: dbsqlc.New(),
		desc: prometheus.NewDesc("resetmail_river_jobs",
			"River jobs by queue and state (available, running, retryable, scheduled, completed, cancelled, discarded).",
			[]string{"queue", "state"}, nil),
		logger:  logger,
		timeout: 2 * time.Second,
	}
}

// PauseWhile makes Collect report nothing while asleep returns true: a
// hibernating worker's scrape must not open a database connection.
func (q *QueueDepth) PauseWhile(asleep func() bool) *QueueDepth {
	q.asleep = asleep
	return q
}

// Describe implements prometheus.Collector.
func (q *QueueDepth) Describe(ch chan<- *prometheus.Desc) { ch <- q.desc }

// Collect implements prometheus.Collector.
func (q *QueueDepth) Collect(ch chan<- prometheus.Metric) {
	if q.asleep != nil && q.asleep() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), q.timeout)
	defer cancel()
	rows, err := q.queries.RiverQueueDepth(ctx, q.pool)
	if err != nil {
		q.logger.Warn("queue depth query failed", slog.Any("err", err))
		return
	}
	for _, r := range rows {
		ch <- prometheus.MustNewConstMetric(q.desc, prometheus.GaugeValue, float64(r.Jobs), r.Queue, r.State)
	}
}
