package mail

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/textproto"
	"strings"
	"time"

	"github.com/jordan-wright/email"
)

// Message is one email before composition. Compose cleans every field that
// ends up in a header, so values straight from user input are safe here.
type Message struct {
	// From is the author, bare ("no-reply@example.com") or with a display
	// name ("Todo <no-reply@example.com>"), usually SMTP_FROM. Required; there
	// is no default.
	From string
	// To is the recipient's bare address. Required; there is no default.
	To string
	// ToName is the recipient's display name. Control characters (CR and LF
	// included) become spaces and non-ASCII is RFC 2047 encoded. Default ""
	// means the To header carries the address alone.
	ToName string
	// Subject is the subject line, cleaned like ToName. Default "" leaves the
	// header out.
	Subject string
	// Text is the text/plain part. Default "" leaves the part out; at least
	// one of Text and HTML is required, and with both the message is
	// multipart/alternative.
	Text string
	// HTML is the text/html part. Default "" leaves the part out.
	HTML string
	// MessageID is the Message-ID header, with or without angle brackets.
	// Default "" generates a unique "<random@domain-of-From>".
	MessageID string
	// Date is the Date header. Default zero means the time of Compose.
	Date time.Time
	// Headers are extra headers such as "X-Entity-Ref-ID". Names must be
	// RFC 5322 field names and may not replace a header that Compose sets;
	// values are cleaned like ToName. Default nil adds none.
	Headers map[string]string
}

// isReservedHeader reports headers that Compose sets from Message fields.
// Accepting them in Message.Headers would let a caller bypass the cleaning of
// From and To, or add recipients (Cc, Bcc) that the envelope does not know
// about. A switch rather than a package-level map keeps the package free of
// mutable globals.
func isReservedHeader(key string) bool {
	switch key {
	case "From", "To", "Cc", "Bcc", "Reply-To", "Sender", "Subject", "Date",
		"Message-Id", "Mime-Version", "Content-Type", "Content-Transfer-Encoding":
		return true
	}
	return false
}

// Compose renders m as RFC 5322 bytes ready for Sender.Send: headers, then a
// multipart/alternative body with a quoted-printable text part and HTML part.
//
// jordan-wright/email writes a To or From value that net/mail cannot parse
// verbatim, CR and LF included, so a display name like "Eve\r\nBcc: x" would
// become a Bcc header. Compose therefore cleans and formats every header
// value before the library sees it.
func Compose(m Message) ([]byte, error) {
	from, err := ParseFrom(m.From)
	if err != nil {
		return nil, err
	}
	to, err := parseRecipient(m.To)
	if err != nil {
		return nil, err
	}
	if m.Text == "" && m.HTML == "" {
		return nil, errors.New("mail: message has neither a text nor an HTML part")
	}

	e := email.NewEmail()
	e.From = formatAddress(displayName(from.Name), from.Address)
	e.To = []string{formatAddress(displayName(m.ToName), to)}
	e.Subject = cleanHeaderValue(m.Subject)
	e.Text = []byte(m.Text)
	e.HTML = []byte(m.HTML)

	for name, value := range m.Headers {
		key, err := headerKey(name)
		if err != nil {
			return nil, err
		}
		e.Headers.Set(key, cleanHeaderValue(value))
	}

	id, err := messageID(m.MessageID, from.Address)
	if err != nil {
		return nil, err
	}
	e.Headers.Set("Message-Id", id)
	date := m.Date
	if date.IsZero() {
		date = time.Now()
	}
	e.Headers.Set("Date", date.Format(time.RFC1123Z))

	out, err := e.Bytes()
	if err != nil {
		return nil, fmt.Errorf("mail: compose: %w", err)
	}
	return out, nil
}

// headerKey validates an extra header name and returns its canonical form.
// RFC 5322 allows printable ASCII except the colon; anything else could end
// the header line early.
func headerKey(name string) (string, error) {
	if name == "" {
		return "", errors.New("mail: empty header name")
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c <= ' ' || c >= 0x7f || c == ':' {
			return "", fmt.Errorf("mail: header name %q is not a valid field name", name)
		}
	}
	key := textproto.CanonicalMIMEHeaderKey(name)
	if isReservedHeader(key) {
		return "", fmt.Errorf("mail: header %q is set by Compose; use the Message field instead", key)
	}
	return key, nil
}

// messageID returns the caller's Message-ID in angle brackets, or a new one.
// The random part is 128 bits from crypto/rand, so IDs do not collide across
// workers; the domain of From keeps the ID aligned with the sending domain,
// which some spam filters check.
func messageID(given, from string) (string, error) {
	if given != "" {
		id := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(given), "<"), ">")
		if id == "" || strings.ContainsAny(id, " <>") || hasControl(id) || !strings.Contains(id, "@") {
			return "", errors.New("mail: message ID must look like <left@right> without spaces")
		}
		return "<" + id + ">", nil
	}
	var raw [16]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", fmt.Errorf("mail: message ID: %w", err)
	}
	domain := from[strings.LastIndexByte(from, '@')+1:]
	return "<" + hex.EncodeToString(raw[:]) + "@" + domain + ">", nil
}
