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

// Send implements Provider: mail.Compose, then Sender.Send.
func (p *Provider) Send(ctx context.Context, m mail.Outgoing) (mail.Receipt, error) {
	msg := m.Message
	if p.resend && m.IdempotencyKey != "" {
		msg.Headers = maps.Clone(msg.Headers)
		if msg.Headers == nil {
			msg.Headers = map[string]string{}
		}
		msg.Headers[ResendIdempotencyHeader] = m.IdempotencyKey
	}
	from, err := mail.EnvelopeAddress(msg.From)
	if err != nil {
		return mail.Receipt{}, mail.ComposeError("", err)
	}
	// SMTP servers give no ID their callers can rely on; the Message-ID we
	// send is the mail's identity, chosen here so the receipt can carry it.
	if msg.MessageID == "" {
		if msg.MessageID, err = mail.NewMessageID(from); err != nil {
			return mail.Receipt{}, mail.ComposeError("", err)
		}
	}
	data, err := mail.Compose(msg)
	if err != nil {
		return mail.Receipt{}, mail.ComposeError("", err)
	}
	if err := p.s.deliver(ctx, from, msg.To, data, m.Hold); err != nil {
		return mail.Receipt{}, err
	}
	return mail.Receipt{Provider: mail.ProviderSMTP, MessageID: strings.Trim(msg.MessageID, "<>")}, nil
}
