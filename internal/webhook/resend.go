package webhook

import (
	"net/http"
	"strings"
	"time"

	"github.com/todoapp/resetmail/internal/mail"
	"github.com/todoapp/resetmail/internal/mailevent"
)

// Resend reads Resend's webhooks, which Svix signs.
type Resend struct {
	svix *Svix
}

// NewResend takes RESEND_WEBHOOK_SECRET ("whsec_…"). now defaults to
// time.Now.
func NewResend(secret string, now func() time.Time) (*Resend, error) {
	s, err := NewSvix(secret, now)
	if err != nil {
		return nil, err
	}
	return &Resend{svix: s}, nil
}

// resendEvent is the part of Resend's event envelope we read: type,
// created_at, and in data the email's ID, its recipients and, for
// email.bounced, the bounce's type (Permanent or Transient).
type resendEvent struct {
	Type      string    `json:"type"`
	CreatedAt time.Time `json:"created_at"`
	Data      struct {
		EmailID string   `json:"email_id"`
		To      []string `json:"to"`
		Bounce  struct {
			Type    string `json:"type"`
			SubType string `json:"subType"`
			Message string `json:"message"`
		} `json:"bounce"`
	} `json:"data"`
}

// Read verifies r's headers and body and returns its events: one per
// recipient for email.delivered, email.delivery_delayed, email.bounced and
// email.complained; none for any other type.
func (p *Resend) Read(h http.Header, body []byte) ([]mailevent.Event, error) {
	id, err := p.svix.Verify(h, body)
	if err != nil {
		return nil, err
	}
	var e resendEvent
	if err := decodeStrict(body, &e); err != nil {
		return nil, err
	}
	var typ, detail string
	switch e.Type {
	case "email.delivered":
		typ = mailevent.TypeDelivered
	case "email.delivery_delayed":
		typ = mailevent.TypeDelayed
	case "email.bounced":
		typ = mailevent.TypeSoftBounce
		if strings.EqualFold(e.Data.Bounce.Type, "Permanent") {
			typ = mailevent.TypeHardBounce
		}
		detail = strings.TrimSpace(e.Data.Bounce.Type + " " + e.Data.Bounce.SubType + ": " + e.Data.Bounce.Message)
	case "email.complained":
		typ = mailevent.TypeComplaint
	case "":
		return nil, malformed("the event has no type")
	default:
		return nil, nil
	}
	if len(e.Data.To) == 0 {
		return nil, malformed("%s has no data.to", e.Type)
	}
	at := e.CreatedAt
	if at.IsZero() {
		at = p.svix.now()
	}
	out := make([]mailevent.Event, 0, len(e.Data.To))
	for _, to := range e.Data.To {
		out = append(out, mailevent.Event{
			Provider: mail.ProviderResend, EventID: id, Recipient: mailevent.Key(to), Type: typ,
			MessageID: e.Data.EmailID, OccurredAt: at, Detail: mailevent.CleanDetail(detail),
		})
	}
	return out, nil
}
