// Package metrics defines the Prometheus metrics of both binaries. Each
// binary builds its own registry and passes it in, so nothing is registered
// globally and tests can build as many as they like.
package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Worker holds the worker's email metrics and implements delivery.Observer.
type Worker struct {
	sent         *prometheus.CounterVec
	failed       *prometheus.CounterVec
	skipped      *prometheus.CounterVec
	suppressed   *prometheus.CounterVec
	sendSeconds  *prometheus.HistogramVec
	enqueueToAcc *prometheus.HistogramVec
}

// NewWorker registers the worker's metrics on reg.
func NewWorker(reg prometheus.Registerer) *Worker {
	w := &Worker{
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "resetmail_emails_sent_total",
			Help: "Emails the SMTP server accepted, by job kind.",
		}, []string{"kind"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "resetmail_email_failures_total",
			Help: "Failed email attempts by job kind and class: transient (retried), permanent (cancelled), expired (cancelled), exhausted (discarded).",
		}, []string{"kind", "class"}),
		skipped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "resetmail_reset_requests_skipped_total",
			Help: "Reset requests that ended without a mail, by reason: no_account, throttled, superseded, suppressed, already_sent.",
		}, []string{"reason"}),
		suppressed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "resetmail_emails_suppressed_total",
			Help: "Mails not sent because the address is on the suppression list (a hard bounce, a complaint, SMTP 5.1.1/5.1.10, or an operator), by job kind.",
		}, []string{"kind"}),
		sendSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "resetmail_smtp_send_duration_seconds",
			Help:    "Duration of one SMTP delivery, from the start of the conversation to the server's 250.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"kind"}),
		enqueueToAcc: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "resetmail_email_enqueue_to_accept_seconds",
			Help:    "Time from the job's insertion (the API's 202) to the SMTP server accepting the mail.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600},
		}, []string{"kind"}),
	}
	reg.MustRegister(w.sent, w.failed, w.skipped, w.suppressed, w.sendSeconds, w.enqueueToAcc)
	return w
}

// EmailSent implements delivery.Observer.
func (w *Worker) EmailSent(kind string, send, sinceEnqueue time.Duration) {
	w.sent.WithLabelValues(kind).Inc()
	w.sendSeconds.WithLabelValues(kind).Observe(send.Seconds())
	w.enqueueToAcc.WithLabelValues(kind).Observe(sinceEnqueue.Seconds())
}

// EmailFailed implements delivery.Observer.
func (w *Worker) EmailFailed(kind, class string) {
	w.failed.WithLabelValues(kind, class).Inc()
}

// ResetSkipped implements delivery.Observer.
func (w *Worker) ResetSkipped(reason string) {
	w.skipped.WithLabelValues(reason).Inc()
}

// EmailSuppressed implements delivery.Observer.
func (w *Worker) EmailSuppressed(kind string) {
	w.suppressed.WithLabelValues(kind).Inc()
}
