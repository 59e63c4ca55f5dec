package mail

import (
	"bytes"
	"cmp"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/textproto"
	"slices"
	"strings"
	"time"

	"github.com/jordan-wright/email"
	"golang.org/x/text/language"
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
	// Language is the BCP 47 tag of the text, sent as Content-Language.
	// Default "" leaves the header out.
	Language string
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
		"Message-Id", "Mime-Version", "Content-Type", "Content-Transfer-Encoding",
		"Content-Language":
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
	if m.Language != "" {
		tag, err := language.Parse(m.Language)
		if err != nil {
			return nil, fmt.Errorf("mail: language %q is not a BCP 47 tag", m.Language)
		}
		e.Headers.Set("Content-Language", tag.String())
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
	return stableHeader(stableBoundary(out, m)), nil
}

// NewMessage is the message that carries a rendered mail from from to to.
// The worker's jobs, `worker preview` and `worker check-mail` all build
// their message here, so that a preview is byte for byte the mail (apart
// from Date and Message-ID). To carries the bare address: the account's
// display name is text a stranger may have chosen, and security mail carries
// none.
func NewMessage(from, to string, r Rendered) Message {
	return Message{
		From: from, To: to,
		Subject: r.Subject, Text: r.Text, HTML: r.HTML,
		Language: r.Lang,
	}
}

// headerOrder is where stableHeader puts the headers Compose sets; others
// follow in alphabetical order.
func headerOrder(name string) int {
	switch name {
	case "From":
		return 0
	case "To":
		return 1
	case "Subject":
		return 2
	case "Date":
		return 3
	case "Message-Id":
		return 4
	case "Mime-Version":
		return 5
	case "Content-Language":
		return 6
	case "Content-Type":
		return 7
	}
	return 8
}

// stableHeader writes the header fields in a fixed order. jordan-wright/email
// writes them in map order, which differs from one call to the next, and a
// preview must be the same bytes as the mail.
func stableHeader(out []byte) []byte {
	end := bytes.Index(out, []byte("\r\n\r\n"))
	if end < 0 {
		return out
	}
	var fields [][]byte
	for line := range bytes.SplitSeq(out[:end], []byte("\r\n")) {
		if len(fields) > 0 && len(line) > 0 && (line[0] == ' ' || line[0] == '\t') {
			fields[len(fields)-1] = append(append(fields[len(fields)-1], '\r', '\n'), line...)
			continue
		}
		fields = append(fields, append([]byte(nil), line...))
	}
	name := func(f []byte) string {
		if i := bytes.IndexByte(f, ':'); i >= 0 {
			return string(f[:i])
		}
		return string(f)
	}
	slices.SortStableFunc(fields, func(a, b []byte) int {
		na, nb := name(a), name(b)
		if c := cmp.Compare(headerOrder(na), headerOrder(nb)); c != 0 {
			return c
		}
		return strings.Compare(na, nb)
	})
	sorted := make([]byte, 0, len(out))
	for _, f := range fields {
		sorted = append(append(sorted, f...), '\r', '\n')
	}
	return append(sorted, out[end+2:]...)
}

// stableBoundary replaces the random MIME boundary that
// jordan-wright/email picks with one derived from the content, so that the
// same mail composes to the same bytes apart from Date and Message-ID: a
// preview can then be compared with what a server received. The random
// boundary is 60 hex digits, so it occurs nowhere but in its own lines and
// header; the new one is 64 hex digits of a SHA-256 of the parts, which
// cannot occur in them either without a hash collision.
func stableBoundary(out []byte, m Message) []byte {
	const marker = "boundary="
	i := bytes.Index(out, []byte(marker))
	if i < 0 {
		return out
	}
	start := i + len(marker)
	end := start
	for end < len(out) && out[end] != '\r' && out[end] != '\n' && out[end] != ';' {
		end++
	}
	old := out[start:end]
	if len(old) == 0 {
		return out
	}
	h := sha256.New()
	for _, part := range []string{m.Subject, m.Text, m.HTML, m.Language} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return bytes.ReplaceAll(out, old, []byte(hex.EncodeToString(h.Sum(nil))))
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
