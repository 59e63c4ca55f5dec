// Package addr is the one rule for what an email address is in this
// product: the API checks sign-up, login and reset addresses with it, and
// the mail pipeline checks senders and recipients with it, so that an
// address the API accepts is one the worker can send to. It is a leaf, so
// that both auth and mail can use it.
package addr

import (
	"errors"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MaxBytes is the longest address accepted: RFC 5321's limit on a forward
// path, which is also what the users table allows.
const MaxBytes = 254

// The errors Parse and Normalize return. Their text completes the sentence
// "email …", so handlers can put it straight into a field error.
var (
	ErrRequired = errors.New("is required")
	ErrTooLong  = errors.New("must be at most 254 bytes")
	ErrInvalid  = errors.New("must be a plain email address such as name@example.com")
)

// Parse returns s trimmed after checking that it is one bare address: no
// display name, comment, angle brackets or quoted local part, no control
// character, a non-empty local part and a domain with a dot that is not a
// literal ([127.0.0.1]) and has no trailing dot. Those forms are legal in
// RFC 5322 but never needed here, and some are unsafe downstream: a comma
// or a space would be split by the header writer, angle brackets or a line
// break could break out of "RCPT TO:<...>". International addresses (UTF-8
// local parts, IDN domains) are accepted. The error is one of ErrRequired,
// ErrTooLong or ErrInvalid.
func Parse(s string) (string, error) {
	s = strings.TrimSpace(s)
	if err := Check(s); err != nil {
		return "", err
	}
	a, err := mail.ParseAddress(s)
	// Comparing the parsed address with the input rejects every form that
	// carries more than the address.
	if err != nil || a.Name != "" || a.Address != s {
		return "", ErrInvalid
	}
	return s, nil
}

// Check applies Parse's rule to an address that net/mail has already
// parsed out of a header value (a sender with a display name), without
// parsing it again.
func Check(s string) error {
	switch {
	case s == "":
		return ErrRequired
	case len(s) > MaxBytes:
		return ErrTooLong
	case HasControl(s), strings.ContainsAny(s, " ,;<>\"\\()[]"):
		return ErrInvalid
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 {
		return ErrInvalid
	}
	domain := s[at+1:]
	// A deliverable domain has a dot; trailing dots are legal in RFC 5322
	// but only ever seen in abuse.
	if !strings.Contains(domain, ".") || strings.HasSuffix(domain, ".") {
		return ErrInvalid
	}
	return nil
}

// Normalize is the form an address is stored, compared and mailed in:
// Unicode NFKC first, then Parse, then the domain lower-cased. NFKC folds
// look-alikes into the one spelling a mailbox has (the Kelvin sign U+212A
// is K, full-width letters and the full-width @ are ASCII), so that an
// address Postgres lower() would match to another account's is that
// account's address, and mail goes to the plain spelling, never the
// look-alike (issue 23, item 3). NFKC runs before Parse because it can
// make the characters Parse looks for (＠ becomes @). The local part keeps
// its case because RFC 5321 lets a server treat it as case-sensitive;
// accounts compare it case-insensitively (lower(email)).
func Normalize(s string) (string, error) {
	s, err := Parse(norm.NFKC.String(s))
	if err != nil {
		return "", err
	}
	at := strings.LastIndexByte(s, '@')
	return s[:at] + "@" + strings.ToLower(s[at+1:]), nil
}

// HasControl reports whether s contains a control character.
func HasControl(s string) bool {
	for _, r := range s {
		if IsControl(r) {
			return true
		}
	}
	return false
}

// IsControl covers C0, DEL, C1 and the Unicode line and paragraph
// separators, all of which some mail client may treat as a line break.
func IsControl(r rune) bool {
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029'
}

// IsASCII reports whether s is pure ASCII: an address that is not needs
// SMTPUTF8, and a display name that is not needs RFC 2047 encoding.
func IsASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
