package webhook

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/todoapp/resetmail/internal/mail"
	"github.com/todoapp/resetmail/internal/mailevent"
)

// Postmark reads Postmark's webhooks. Postmark signs nothing; it sends the
// user name and password put in the webhook's URL as HTTP basic auth, so
// that is what proves the request is Postmark's. It carries no timestamp:
// a replayed record is caught by its identity (the bounce ID, or the
// message ID and recipient of a delivery), which the store keeps.
type Postmark struct {
	user, pass [sha256.Size]byte
	now        func() time.Time
}

// NewPostmark takes POSTMARK_WEBHOOK_USERNAME and POSTMARK_WEBHOOK_PASSWORD.
func NewPostmark(username, password string, now func() time.Time) *Postmark {
	if now == nil {
		now = time.Now
	}
	// Comparing hashes keeps the comparison constant-time whatever the
	// lengths.
	return &Postmark{user: sha256.Sum256([]byte(username)), pass: sha256.Sum256([]byte(password)), now: now}
}

// postmarkHardTypes are the bounce types after which Postmark itself stops
// sending to the address: an unknown mailbox, a malformed address, an
// address deactivated by hand. The soft ones (Transient, SoftBounce,
// DnsError, AutoResponder, …) are recorded and never suppress. Inactive
// true, Postmark's own "we deactivated this address", suppresses whatever
// the type.
var postmarkHardTypes = map[string]bool{"HardBounce": true, "BadEmailAddress": true, "ManuallyDeactivated": true}

// postmarkRecord is the part of Postmark's Delivery, Bounce and
// SpamComplaint records we read. The fields have Postmark's own names, so
// encoding/json matches them without tags.
type postmarkRecord struct {
	RecordType string
	// ID is the bounce's ID (Bounce, SpamComplaint), a 64-bit number that
	// must not pass through a float.
	ID          json.Number
	Type        string
	MessageID   string
	Email       string
	Recipient   string
	Description string
	Details     string
	Inactive    bool
	BouncedAt   time.Time
	DeliveredAt time.Time
}

// Read checks the basic auth and returns the record's event; none for a
// record type we do not use (Open, Click, SubscriptionChange, …).
func (p *Postmark) Read(h http.Header, body []byte) ([]mailevent.Event, error) {
	user, pass, ok := (&http.Request{Header: h}).BasicAuth()
	if !ok {
		return nil, unauthorized("basic auth is required")
	}
	u, pw := sha256.Sum256([]byte(user)), sha256.Sum256([]byte(pass))
	if subtle.ConstantTimeCompare(u[:], p.user[:])&subtle.ConstantTimeCompare(pw[:], p.pass[:]) != 1 {
		return nil, unauthorized("wrong basic auth credentials")
	}
	var r postmarkRecord
	if err := decodeStrict(body, &r); err != nil {
		return nil, err
	}
	e := mailevent.Event{Provider: mail.ProviderPostmark, MessageID: r.MessageID}
	switch r.RecordType {
	case "Delivery":
		if r.MessageID == "" {
			return nil, malformed("Delivery has no MessageID")
		}
		// A delivery has no ID of its own; a message is delivered to a
		// recipient once.
		e.Type, e.EventID, e.Recipient, e.OccurredAt = mailevent.TypeDelivered, "delivery:"+r.MessageID, r.Recipient, r.DeliveredAt
		e.Detail = r.Details
	case "Bounce", "SpamComplaint":
		if r.ID == "" {
			return nil, malformed("%s has no ID", r.RecordType)
		}
		e.EventID, e.Recipient, e.OccurredAt = "bounce:"+r.ID.String(), r.Email, r.BouncedAt
		e.Detail = strings.TrimSpace(r.Type + ": " + r.Description + " " + r.Details)
		switch {
		case r.RecordType == "SpamComplaint" || r.Type == "SpamComplaint":
			e.Type = mailevent.TypeComplaint
		case postmarkHardTypes[r.Type] || r.Inactive:
			e.Type = mailevent.TypeHardBounce
		default:
			e.Type = mailevent.TypeSoftBounce
		}
	case "":
		return nil, malformed("the record has no RecordType")
	default:
		return nil, nil
	}
	if strings.TrimSpace(e.Recipient) == "" {
		return nil, malformed("%s has no recipient", r.RecordType)
	}
	e.Recipient = mailevent.Key(e.Recipient)
	e.Detail = mailevent.CleanDetail(e.Detail)
	if e.OccurredAt.IsZero() {
		e.OccurredAt = p.now()
	}
	return []mailevent.Event{e}, nil
}
