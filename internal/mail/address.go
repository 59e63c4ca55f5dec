package mail

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/todoapp/resetmail/internal/mail/addr"
	"github.com/todoapp/resetmail/internal/redact"
)

// From is a sender (MAIL_FROM) parsed, checked and formatted once, so that
// sending a mail does not parse it again. NewMessage takes it.
type From struct {
	raw       string // as configured, Message.From
	bare      string // the envelope sender, for MAIL FROM
	formatted string // the From header, display name cleaned
}

// NewFrom is the one reading of a sender, given bare
// ("no-reply@example.com") or with a display name ("Todo
// <no-reply@example.com>"). It is meant to run at start, so that a bad
// MAIL_FROM fails fast instead of failing every job.
func NewFrom(from string) (From, error) {
	trimmed := strings.TrimSpace(from)
	if trimmed == "" {
		return From{}, errors.New("mail: from address is empty")
	}
	if addr.HasControl(trimmed) {
		return From{}, errors.New("mail: from address contains control characters")
	}
	a, err := mail.ParseAddress(trimmed)
	if err != nil {
		return From{}, fmt.Errorf("mail: from address %s is not valid: %w", redact.Email(trimmed), stripInput(err))
	}
	if err := addr.Check(a.Address); err != nil {
		return From{}, fmt.Errorf("mail: from address %s %w", redact.Email(a.Address), err)
	}
	return From{raw: from, bare: a.Address, formatted: formatAddress(displayName(a.Name), a.Address)}, nil
}

// String is the sender as configured.
func (f From) String() string { return f.raw }

// Address is the bare envelope sender (MAIL FROM), without the display
// name.
func (f From) Address() string { return f.bare }

// parseRecipient checks a recipient with the product's one address rule
// (addr.Parse, which the API applied when the address was registered).
func parseRecipient(to string) (string, error) {
	a, err := addr.Parse(to)
	switch {
	case errors.Is(err, addr.ErrRequired):
		return "", errors.New("mail: recipient address is empty")
	case err != nil:
		return "", fmt.Errorf("mail: recipient address %s %w", redact.Email(strings.TrimSpace(to)), err)
	}
	return a, nil
}

// stripInput keeps net/mail's reason but not the input it sometimes quotes
// back ("expected single address, got \"...\""), which may contain the full
// address.
func stripInput(err error) error {
	msg := err.Error()
	if i := strings.IndexAny(msg, "\"'"); i >= 0 {
		msg = strings.TrimRight(msg[:i], " :,")
	}
	return errors.New(maskAddresses(msg))
}

// displayName cleans a display name for a header. net/mail writes a
// non-ASCII name holding a backslash as an RFC 2047 word with the backslash
// left raw, which no parser (net/mail included) reads back, and
// jordan-wright/email re-renders every address through net/mail. For such
// names the backslash becomes a slash; any name that still does not survive
// a round trip is reduced to its letters, digits and spaces.
func displayName(name string) string {
	name = CleanHeaderValue(name)
	// An ASCII name is written as a quoted string, which always reads back.
	if addr.IsASCII(name) || roundTrips(name) {
		return name
	}
	name = strings.ReplaceAll(name, `\`, "/")
	if roundTrips(name) {
		return name
	}
	return strings.Join(strings.FieldsFunc(name, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}), " ")
}

// roundTrips reports whether net/mail reads back the name it writes.
func roundTrips(name string) bool {
	a, err := mail.ParseAddress((&mail.Address{Name: name, Address: "a@example.com"}).String())
	return err == nil && a.Name == name
}

// formatAddress renders a header address from a display name that has
// already been cleaned by displayName. net/mail quotes or encodes the name, and encodes
// non-ASCII names with specials so they hold no comma. The one case left is
// an ASCII name with a comma, which net/mail leaves as a quoted string:
// jordan-wright/email splits To and From on commas before re-parsing them,
// so "Eve <x@evil.com>, Bob" would come out as two addresses, one of them
// the attacker's. Such a name is sent to the library as RFC 2047 encoded
// words, which contain no comma; the library decodes and re-quotes it.
func formatAddress(name, address string) string {
	if name == "" {
		return address
	}
	formatted := (&mail.Address{Name: name, Address: address}).String()
	if strings.Contains(formatted, ",") {
		return encodeWords(name) + " <" + address + ">"
	}
	return formatted
}

// encodeWords B-encodes s as RFC 2047 encoded words of at most 75
// characters each, splitting on character boundaries.
func encodeWords(s string) string {
	const maxRaw = 45 // 60 base64 characters plus "=?utf-8?b?" and "?="
	var words []string
	for len(s) > 0 {
		n := min(len(s), maxRaw)
		for n < len(s) && !utf8.RuneStart(s[n]) {
			n--
		}
		words = append(words, "=?utf-8?b?"+base64.StdEncoding.EncodeToString([]byte(s[:n]))+"?=")
		s = s[n:]
	}
	return strings.Join(words, " ")
}

// CleanHeaderValue makes a value safe for a single header line: invalid
// UTF-8 is replaced, every control character (CR and LF included) becomes a
// space, and runs of whitespace collapse. This is what makes header injection
// through a user's name or a subject impossible.
func CleanHeaderValue(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if !addr.HasControl(s) && !strings.Contains(s, "  ") && strings.TrimSpace(s) == s {
		return s
	}
	s = strings.Map(func(r rune) rune {
		if addr.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}
