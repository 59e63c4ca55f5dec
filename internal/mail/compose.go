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

	"github.com/todoapp/resetmail/internal/mail/addr"
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

	// from is From parsed once, when NewMessage built the message.
	from From
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
	data, _, err := ComposeEnvelope(m)
	return data, err
}

// Envelope is the SMTP envelope of a composed message: the bare sender and
// recipient that Compose checked, so that the transport need not check
// them again.
type Envelope struct {
	From, To string
	// MessageID is the Message-ID header the message carries, in angle
	// brackets: Message.MessageID, or the one Compose generated.
	MessageID string
}

// ComposeEnvelope is Compose that also returns the envelope.
func ComposeEnvelope(m Message) ([]byte, Envelope, error) {
	f, err := m.Fields()
	if err != nil {
		return nil, Envelope{}, err
	}
	e := email.NewEmail()
	e.From = f.From
	e.To = []string{f.To}
	e.Subject = f.Subject
	e.Text = []byte(f.Text)
	e.HTML = []byte(f.HTML)
	for _, h := range f.Headers {
		e.Headers.Set(h.Name, h.Value)
	}
	id, err := messageID(m.MessageID, f.FromBare)
	if err != nil {
		return nil, Envelope{}, err
	}
	e.Headers.Set("Message-Id", id)
	date := m.Date
	if date.IsZero() {
		date = time.Now()
	}
	e.Headers.Set("Date", date.Format(time.RFC1123Z))

	out, err := e.Bytes()
	if err != nil {
		return nil, Envelope{}, fmt.Errorf("mail: compose: %w", err)
	}
	return stabilize(out, m), Envelope{From: f.FromBare, To: f.ToBare, MessageID: id}, nil
}

// Rendered is one rendered email, ready for NewMessage; package templates renders it.
type Rendered struct {
	// Lang is the language the templates were in (BCP 47), which the
	// Content-Language header names.
	Lang string
	// Subject is a single line without control characters.
	Subject string
	// Text is the text/plain body.
	Text string
	// HTML is the text/html body.
	HTML string
}

// NewMessage is the message that carries a rendered mail from from to to.
// The worker's jobs, `worker preview` and `worker check-mail` all build
// their message here, so that a preview is byte for byte the mail (apart
// from Date and Message-ID). To carries the bare address: the account's
// display name is text a stranger may have chosen, and security mail carries
// none.
func NewMessage(from From, to string, r Rendered) Message {
	return Message{
		From: from.raw, from: from, To: to,
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

// stabilize makes the bytes jordan-wright/email wrote the same for the same
// mail, apart from Date and Message-ID, so that a preview can be compared
// with what a server received. It does two things in one copy of the
// message, since Compose runs once per mail on the worker's hot path:
//
//   - It writes the header fields in a fixed order (headerOrder, then by
//     name). The library writes them in map order, which differs from one
//     call to the next.
//   - It replaces the random MIME boundary the library picks with one
//     derived from the content. The random boundary is 60 hex digits, so it
//     occurs nowhere but in its own lines and header; the new one is 64 hex
//     digits of a SHA-256 of the parts, which cannot occur in them either
//     without a hash collision.
func stabilize(out []byte, m Message) []byte {
	end := bytes.Index(out, []byte("\r\n\r\n"))
	if end < 0 {
		return out
	}
	oldBoundary := findBoundary(out[:end])
	var newBoundary []byte
	if len(oldBoundary) > 0 {
		h := sha256.New()
		for _, part := range []string{m.Subject, m.Text, m.HTML, m.Language} {
			h.Write([]byte(part))
			h.Write([]byte{0})
		}
		newBoundary = hex.AppendEncode(make([]byte, 0, hex.EncodedLen(sha256.Size)), h.Sum(nil))
	}

	// Each field is a slice of out: its first line and any folded lines
	// after it, which follow it directly.
	type field struct {
		order int
		name  string
		text  []byte
	}
	fields := make([]field, 0, 16)
	header := out[:end]
	for pos := 0; pos < len(header); {
		next := bytes.Index(header[pos:], []byte("\r\n"))
		if next < 0 {
			next = len(header)
		} else {
			next += pos
		}
		line := header[pos:next]
		if len(fields) > 0 && len(line) > 0 && (line[0] == ' ' || line[0] == '\t') {
			f := &fields[len(fields)-1]
			f.text = header[next-len(line)-len(f.text)-2 : next]
		} else {
			name := string(line)
			if i := bytes.IndexByte(line, ':'); i >= 0 {
				name = string(line[:i])
			}
			fields = append(fields, field{order: headerOrder(name), name: name, text: line})
		}
		pos = next + 2
	}
	slices.SortStableFunc(fields, func(a, b field) int {
		if c := cmp.Compare(a.order, b.order); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})

	body := out[end+2:]
	grow := 0
	if len(oldBoundary) > 0 {
		grow = (bytes.Count(out, oldBoundary)) * (len(newBoundary) - len(oldBoundary))
	}
	stable := make([]byte, 0, len(out)+grow)
	for _, f := range fields {
		stable = appendReplacing(stable, f.text, oldBoundary, newBoundary)
		stable = append(stable, '\r', '\n')
	}
	return appendReplacing(stable, body, oldBoundary, newBoundary)
}

// findBoundary returns the value of the boundary parameter in header, or
// nil when the message is not multipart.
func findBoundary(header []byte) []byte {
	const marker = "boundary="
	i := bytes.Index(header, []byte(marker))
	if i < 0 {
		return nil
	}
	start := i + len(marker)
	end := start
	for end < len(header) && header[end] != '\r' && header[end] != '\n' && header[end] != ';' {
		end++
	}
	return header[start:end]
}

// appendReplacing appends src to dst with every old replaced by new; an
// empty old appends src as it is.
func appendReplacing(dst, src, old, new []byte) []byte {
	if len(old) == 0 {
		return append(dst, src...)
	}
	for {
		i := bytes.Index(src, old)
		if i < 0 {
			return append(dst, src...)
		}
		dst = append(append(dst, src[:i]...), new...)
		src = src[i+len(old):]
	}
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
		if id == "" || strings.ContainsAny(id, " <>") || addr.HasControl(id) || !strings.Contains(id, "@") {
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
