package metrics

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/todoapp/resetmail/internal/postgres/dbsqlc"
)

// MailEvents counts the delivery events the API's webhook receivers
// stored, by provider and type. A redelivered event is not counted again.
type MailEvents struct {
	events *prometheus.CounterVec
}

// NewMailEvents registers the counter on reg.
func NewMailEvents(reg prometheus.Registerer) *MailEvents {
	m := &MailEvents{events: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "resetmail_mail_events_total",
		Help: "Delivery events received from the providers' webhooks, by provider and type (delivered, delayed, soft_bounce, hard_bounce, complaint); redeliveries count once.",
	}, []string{"provider", "type"})}
	reg.MustRegister(m.events)
	return m
}

// Event counts one new event.
func (m *MailEvents) Event(provider, typ string) {
	if m != nil {
		m.events.WithLabelValues(provider, typ).Inc()
	}
}

// RateWindow is the window of the bounce and complaint rates: a day, the
// window the providers' own dashboards and thresholds use.
const RateWindow = 24 * time.Hour

// MailRates is a collector that computes, at scrape time, the hard-bounce
// and complaint rates of the last RateWindow from the database: events
// over mails the workers recorded as sent. It reads the database, not
// counters, so the figure is the same whichever process is scraped and
// survives restarts. A scrape that cannot reach the database reports
// nothing rather than a stale rate.
type MailRates struct {
	pool                     *pgxpool.Pool
	queries                  *dbsqlc.Queries
	logger                   *slog.Logger
	sent, bounce, complaints *prometheus.Desc
}

// NewMailRates returns the collector; the API registers it.
func NewMailRates(pool *pgxpool.Pool, logger *slog.Logger) *MailRates {
	return &MailRates{
		pool: pool, queries: dbsqlc.New(), logger: logger,
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
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	r, err := m.queries.MailEventRates(ctx, m.pool, RateWindow.Seconds())
	if err != nil {
		m.logger.Warn("mail rates query failed", slog.Any("err", err))
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
