package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
)

// WithProvider labels every metric registered through the result with the
// mail provider's name, so that dashboards tell SMTP from an HTTPS API.
func WithProvider(reg prometheus.Registerer, provider string) prometheus.Registerer {
	return prometheus.WrapRegistererWith(prometheus.Labels{"provider": provider}, reg)
}

// MailProblems counts provider calls that failed for a reason that is not
// one message's: configuration, outage, throttling. It implements
// mail.ProblemObserver.
type MailProblems struct {
	problems *prometheus.CounterVec
}

// NewMailProblems registers the counter on reg, which WithProvider labels.
func NewMailProblems(reg prometheus.Registerer) *MailProblems {
	return &MailProblems{problems: counterVec(reg, "resetmail_mail_provider_problems_total",
		"Provider calls that failed for a reason that is not one message's, by provider and class: config (bad key, AUTH refused, unverified sender; mail is held and /readyz fails), outage (unreachable, SMTP 421, HTTP 503), throttled (HTTP 429).", "class")}
}

// ProviderProblem implements mail.ProblemObserver.
func (m *MailProblems) ProviderProblem(class string) {
	m.problems.WithLabelValues(class).Inc()
}

// RegisterMailReady registers a gauge that is 1 while the provider accepts
// our configuration and 0 while it refuses it, on reg, which WithProvider
// labels.
func RegisterMailReady(reg prometheus.Registerer, ok func() bool) {
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "resetmail_mail_config_ok",
		Help: "1 while the mail provider accepts our configuration, 0 while it refuses it (see /readyz for the problem).",
	}, func() float64 {
		if ok() {
			return 1
		}
		return 0
	}))
}

// MailEvents counts the delivery events the API's webhook receivers
// stored, by provider and type. A redelivered event is not counted again.
type MailEvents struct {
	events *prometheus.CounterVec
}

// NewMailEvents registers the counter on reg.
func NewMailEvents(reg prometheus.Registerer) *MailEvents {
	return &MailEvents{events: counterVec(reg, "resetmail_mail_events_total",
		"Delivery events received from the providers' webhooks, by provider and type (delivered, delayed, soft_bounce, hard_bounce, complaint); redeliveries count once.", "provider", "type")}
}

// Event counts one new event.
func (m *MailEvents) Event(provider, typ string) {
	if m != nil {
		m.events.WithLabelValues(provider, typ).Inc()
	}
}
