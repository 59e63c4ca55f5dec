package metrics

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	appsql "github.com/todoapp/resetmail/sql"
)

// QueueDepth is a collector that counts River's jobs by queue and state at
// scrape time, so operators see a backlog building without a separate
// exporter. A scrape that cannot reach the database reports nothing rather
// than stale numbers.
type QueueDepth struct {
	pool    *pgxpool.Pool
	query   string
	desc    *prometheus.Desc
	logger  *slog.Logger
	timeout time.Duration
}

// NewQueueDepth returns the collector; register it on the worker's registry.
func NewQueueDepth(pool *pgxpool.Pool, queries *appsql.Queries, logger *slog.Logger) *QueueDepth {
	return &QueueDepth{
		pool:  pool,
		query: queries.Get("river_queue_depth"),
		desc: prometheus.NewDesc("resetmail_river_jobs",
			"River jobs by queue and state (available, running, retryable, scheduled, completed, cancelled, discarded).",
			[]string{"queue", "state"}, nil),
		logger:  logger,
		timeout: 2 * time.Second,
	}
}

// Describe implements prometheus.Collector.
func (q *QueueDepth) Describe(ch chan<- *prometheus.Desc) { ch <- q.desc }

// Collect implements prometheus.Collector.
func (q *QueueDepth) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), q.timeout)
	defer cancel()
	rows, err := q.pool.Query(ctx, q.query)
	if err != nil {
		q.logger.Warn("queue depth query failed", slog.Any("err", err))
		return
	}
	defer rows.Close()
	for rows.Next() {
		var queue, state string
		var n int64
		if err := rows.Scan(&queue, &state, &n); err != nil {
			q.logger.Warn("queue depth scan failed", slog.Any("err", err))
			return
		}
		ch <- prometheus.MustNewConstMetric(q.desc, prometheus.GaugeValue, float64(n), queue, state)
	}
}
