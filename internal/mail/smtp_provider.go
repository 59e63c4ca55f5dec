package mail

import (
	"context"
	"maps"
	"strings"
)

// ResendIdempotencyHeader is the mail header through which Resend's SMTP
// relay deduplicates, like the Idempotency-Key header of its API.
const ResendIdempotencyHeader = "Resend-Idempotency-Key"

// SMTPProvider sends through a Sender.
type SMTPProvider struct {
	s *Sender
	// resend is true when the SMTP host is Resend's relay, which honours
	// ResendIdempotencyHeader.
	resend bool
}

// NewSMTPProvider wraps s.
func NewSMTPProvider(s *Sender) *SMTPProvider {
	return &SMTPProvider{s: s, resend: isResendSMTPHost(s.t.cfg.Host)}
}

// isResendSMTPHost reports Resend's SMTP relay (smtp.resend.com).
func isResendSMTPHost(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	return host == "smtp.resend.com"
}

// Name implements Provider.
func (p *SMTPProvider) Name() string { return ProviderSMTP }

// Send implements Provider: Compose, then Sender.Send.
func (p *SMTPProvider) Send(ctx context.Context, m Outgoing) error {
	msg := m.Message
	if p.resend && m.IdempotencyKey != "" {
		msg.Headers = maps.Clone(msg.Headers)
		if msg.Headers == nil {
			msg.Headers = map[string]string{}
		}
		msg.Headers[ResendIdempotencyHeader] = m.IdempotencyKey
	}
	data, err := Compose(msg)
	if err != nil {
		return ComposeError("", err)
	}
	from, err := EnvelopeAddress(msg.From)
	if err != nil {
		return ComposeError("", err)
	}
	return p.s.Send(ctx, from, msg.To, data)
}
