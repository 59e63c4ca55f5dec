package metrics

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/todoapp/resetmail/internal/postgres/dbsqlc"
)

// dbReader is what the collectors that read the database at scrape time
// share: they read it, not counters, so the figure is the same whichever
// process is scraped and survives restarts.
type dbReader struct {
	pool   *pgxpool.Pool
	logger *slog.Logger
}

func newDBReader(pool *pgxpool.Pool, logger *slog.Logger) dbReader {
	return dbReader{pool: pool, logger: logger}
}

// read runs q within two seconds. A failure is logged, named by what, and
// ok is false: a scrape that cannot reach the database reports nothing
// rather than stale figures.
func read[T any](r dbReader, what string, q func(ctx context.Context, db dbsqlc.DBTX) (T, error)) (v T, ok bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	v, err := q(ctx, r.pool)
	if err != nil {
		r.logger.Warn(what+" query failed", slog.Any("err", err))
		return v, false
	}
	return v, true
}

// QueueDepth is a collector that counts River's jobs by queue and state at
// scrape time, so operators see a backlog building without a separate
// exporter.
type QueueDepth struct {
	dbReader
	desc   *prometheus.Desc
	asleep func() bool
}

// NewQueueDepth returns the collector; register it on the worker's registry.
func NewQueueDepth(pool *pgxpool.Pool, logger *slog.Logger) *QueueDepth {
	return &QueueDepth{
		dbReader: newDBReader(pool, logger),
		desc: prometheus.NewDesc("resetmail_river_jobs",
			"River jobs by queue and state (available, running, retryable, scheduled, completed, cancelled, discarded).",
			[]string{"queue", "state"}, nil),
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
	rows, ok := read(q.dbReader, "queue depth", func(ctx context.Context, db dbsqlc.DBTX) ([]dbsqlc.RiverQueueDepthRow, error) {
		return dbsqlc.New().RiverQueueDepth(ctx, db)
	})
	if !ok {
		return
	}
	for _, r := range rows {
		ch <- prometheus.MustNewConstMetric(q.desc, prometheus.GaugeValue, float64(r.Jobs), r.Queue, r.State)
	}
}

// RateWindow is the window of the bounce and complaint rates: a day, the
// window the providers' own dashboards and thresholds use.
const RateWindow = 24 * time.Hour

// MailRates is a collector that computes, at scrape time, the hard-bounce
// and complaint rates of the last RateWindow from the database: events
// over mails the workers recorded as sent.
type MailRates struct {
	dbReader
	sent, bounce, complaints *prometheus.Desc
}

// NewMailRates returns the collector; the API registers it.
func NewMailRates(pool *pgxpool.Pool, logger *slog.Logger) *MailRates {
	return &MailRates{
		dbReader: newDBReader(pool, logger),
		sent: prometheus.NewDesc("resetmail_mail_sent_window",
			"Reset and sign-up mails recorded as sent in the last 24 hours (the rates' denominator).", nil, nil),
		bounce: prometheus.NewDesc("resetmail_mail_bounce_rate",
			"Hard bounces reported in the last 24 hours over mails sent in that time (0 when none were sent).", nil, nil),
		complaints: prometheus.NewDesc("resetmail_mail_complaint_rate",
			"Spam complaints reported in the last 24 hours over mails sent in that time (0 when none were sent).", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (m *MailRates) Describe(ch chan<- *prometheus.Desc) {
	ch <- m.sent
	ch <- m.bounce
	ch <- m.complaints
}

// Collect implements prometheus.Collector.
func (m *MailRates) Collect(ch chan<- prometheus.Metric) {
	r, ok := read(m.dbReader, "mail rates", func(ctx context.Context, db dbsqlc.DBTX) (dbsqlc.MailEventRatesRow, error) {
		return dbsqlc.New().MailEventRates(ctx, db, RateWindow.Seconds())
	})
	if !ok {
		return
	}
	rate := func(n int64) float64 {
		if r.Sent == 0 {
			return 0
		}
		return float64(n) / float64(r.Sent)
	}
	ch <- prometheus.MustNewConstMetric(m.sent, prometheus.GaugeValue, float64(r.Sent))
	ch <- prometheus.MustNewConstMetric(m.bounce, prometheus.GaugeValue, rate(r.Bounces))
	ch <- prometheus.MustNewConstMetric(m.complaints, prometheus.GaugeValue, rate(r.Complaints))
}
