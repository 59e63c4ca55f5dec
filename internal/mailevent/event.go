// Package mailevent is what happens to a mail after the provider accepted
// it: the delivery events the providers' webhooks report (internal/webhook
// verifies and parses them), the suppression list that a hard bounce or a
// complaint feeds and that the worker checks before every send, and the
// story of one message (Trace) that `worker trace` and the dashboard show.
package mailevent

import (
	"errors"
	"strings"
	"time"

	"github.com/todoapp/resetmail/internal/auth"
	"github.com/todoapp/resetmail/internal/mail"
	"github.com/todoapp/resetmail/internal/redact"
)

// Event types, as stored in mail_events.type and labelled in metrics.
const (
	// TypeDelivered is the recipient's server accepting the mail.
	TypeDelivered = "delivered"
	// TypeDelayed is a temporary delivery problem; the provider keeps trying.
	TypeDelayed = "delayed"
	// TypeSoftBounce is a bounce that may not recur (mailbox full, a
	// transient refusal): recorded, never suppresses.
	TypeSoftBounce = "soft_bounce"
	// TypeHardBounce is a permanent bounce (no such mailbox, a bad domain):
	// suppresses the address.
	TypeHardBounce = "hard_bounce"
	// TypeComplaint is the recipient marking the mail as spam: suppresses
	// the address.
	TypeComplaint = "complaint"
)

// Types lists every event type, for metrics.
var Types = []string{TypeDelivered, TypeDelayed, TypeSoftBounce, TypeHardBounce, TypeComplaint}

// Suppresses reports whether an event of type t puts its recipient on the
// suppression list.
func Suppresses(t string) bool { return t == TypeHardBounce || t == TypeComplaint }

// Suppression reasons besides the two event types that suppress.
const (
	// ReasonSMTPNoSuchUser is SMTP's permanent 5.1.1 or 5.1.10 ("no such
	// user", "recipient address has null MX") at send time.
	ReasonSMTPNoSuchUser = "smtp_no_such_user"
	// ReasonManual is an operator's `worker suppression add`.
	ReasonManual = "manual"
	// SourceOperator is the source of a manual suppression.
	SourceOperator = "operator"
)

// Event is one provider event about one recipient.
type Event struct {
	// Provider is resend, postmark or ses.
	Provider string
	// EventID is the provider's identity of the event (svix-id, the SNS
	// MessageId, Postmark's bounce ID): a redelivery carries the same one,
	// so it is stored once.
	EventID string
	// Recipient is the address the event is about, as Key normalises it.
	Recipient string
	// Type is one of the Type* constants.
	Type string
	// MessageID is the provider's ID of the mail, as its send returned it;
	// empty when the event does not say.
	MessageID string
	// OccurredAt is when the provider says it happened.
	OccurredAt time.Time
	// Detail is the provider's short reason (bounce type, SMTP status),
	// one line, at most detailMax bytes, addresses masked.
	Detail string
}

const detailMax = 300

// CleanDetail makes a provider's text safe to store and show: one line,
// bounded, every address masked (a bounce's diagnostic often quotes the
// recipient).
func CleanDetail(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > detailMax {
		s = strings.ToValidUTF8(s[:detailMax], "") + "…"
	}
	return redact.Addresses(s)
}

// Key is the form in which an address is suppressed and looked up: the
// account rule's normal form (auth.NormalizeEmail), so that a suppression
// keys on exactly what the account lookup keys on; the store compares it
// case-insensitively, as users and requests are matched. An address the
// rule refuses (a provider may report one we would never send to) is kept
// trimmed, so that it still matches itself.
func Key(addr string) string {
	if n, err := auth.NormalizeEmail(addr); err == nil {
		return n
	}
	return strings.TrimSpace(addr)
}

// NoSuchUser reports whether err is an SMTP server's permanent "this
// mailbox does not exist" to our recipient: RFC 3463's 5.1.1 (bad
// destination mailbox) or RFC 7505's 5.1.10 (the domain has a null MX).
// Such an address is suppressed at send time, as a hard bounce would be.
func NoSuchUser(err error) bool {
	var se *mail.SendError
	if !errors.As(err, &se) || se.Temporary {
		return false
	}
	return se.EnhancedCode == "5.1.1" || se.EnhancedCode == "5.1.10"
}
