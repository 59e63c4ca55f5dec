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
	return &Worker{
		sent: counterVec(reg, "resetmail_emails_sent_total",
			"Emails the SMTP server accepted, by job kind.", "kind"),
		failed: counterVec(reg, "resetmail_email_failures_total",
			"Failed email attempts by job kind and class: transient (retried), permanent (cancelled), expired (cancelled), exhausted (discarded).", "kind", "class"),
		skipped: counterVec(reg, "resetmail_reset_requests_skipped_total",
			"Reset requests that ended without a mail, by reason: no_account, throttled, superseded, suppressed, already_sent.", "reason"),
		suppressed: counterVec(reg, "resetmail_emails_suppressed_total",
			"Mails not sent because the address is on the suppression list (a hard bounce, a complaint, SMTP 5.1.1/5.1.10, or an operator), by job kind.", "kind"),
		sendSeconds: histogramVec(reg, "resetmail_smtp_send_duration_seconds",
			"Duration of one SMTP delivery, from the start of the conversation to the server's 250.",
			[]float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}, "kind"),
		enqueueToAcc: histogramVec(reg, "resetmail_email_enqueue_to_accept_seconds",
			"Time from the job's insertion (the API's 202) to the SMTP server accepting the mail.",
			[]float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600}, "kind"),
	}
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
