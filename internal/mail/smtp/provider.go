package smtp

import (
	"context"
	"maps"
	"strings"

	"github.com/todoapp/resetmail/internal/mail"
)

// ResendIdempotencyHeader is the mail header through which Resend's SMTP
// relay deduplicates, like the Idempotency-Key header of its API.
const ResendIdempotencyHeader = "Resend-Idempotency-Key"

// Provider sends through a Sender.
type Provider struct {
	s *Sender
	// resend is true when the SMTP host is Resend's relay, which honours
	// ResendIdempotencyHeader.
	resend bool
}

// NewProvider wraps s.
func NewProvider(s *Sender) *Provider {
	return &Provider{s: s, resend: isResendSMTPHost(s.t.cfg.Host)}
}

// isResendSMTPHost reports Resend's SMTP relay (smtp.resend.com).
func isResendSMTPHost(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	return host == "smtp.resend.com"
}

// Name implements Provider.
func (p *Provider) Name() string { return mail.ProviderSMTP }

// Send implements Provider: mail.ComposeEnvelope, which checks the
// addresses once, then the Sender.
func (p *Provider) Send(ctx context.Context, m mail.Outgoing) (mail.Receipt, error) {
	msg := m.Message
	if p.resend && m.IdempotencyKey != "" {
		msg.Headers = maps.Clone(msg.Headers)
		if msg.Headers == nil {
			msg.Headers = map[string]string{}
		}
		msg.Headers[ResendIdempotencyHeader] = m.IdempotencyKey
	}
	// SMTP servers give no ID their callers can rely on; the Message-ID
	// Compose puts in the mail is its identity, which the receipt carries.
	data, env, err := mail.ComposeEnvelope(msg)
	if err != nil {
		return mail.Receipt{}, mail.ComposeError(mail.ProviderSMTP, err)
	}
	if err := p.s.deliver(ctx, env.From, env.To, data, m.Hold); err != nil {
		return mail.Receipt{}, err
	}
	return mail.Receipt{Provider: mail.ProviderSMTP, MessageID: strings.Trim(env.MessageID, "<>")}, nil
}
