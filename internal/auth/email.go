package auth

import (
	"errors"
	"net/mail"
	"strings"
	"unicode"
)

// MaxEmailBytes is the longest address accepted: RFC 5321's limit on a
// forward path, which is also what the users table allows.
const MaxEmailBytes = 254

// The errors NormalizeEmail returns. Their text completes the sentence "email
// …", so handlers can put it straight into a field error.
var (
	ErrEmailRequired = errors.New("is required")
	ErrEmailTooLong  = errors.New("must be at most 254 bytes")
	ErrEmailInvalid  = errors.New("must be a plain email address such as name@example.com")
)

// NormalizeEmail trims s and lower-cases its domain, after checking that it
// is one bare address (no display name, comment or angle brackets) whose
// domain has a dot. The local part keeps its case because RFC 5321 lets a
// server treat it as case-sensitive; uniqueness is case-insensitive anyway,
// through the index on lower(email). The error is one of ErrEmailRequired,
// ErrEmailTooLong or ErrEmailInvalid.
func NormalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", ErrEmailRequired
	case len(s) > MaxEmailBytes:
		return "", ErrEmailTooLong
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		// CR and LF would let an address inject mail headers downstream.
		return "", ErrEmailInvalid
	}
	addr, err := mail.ParseAddress(s)
	// Comparing the parsed address with the input rejects every form that
	// carries more than the address: "Ada <ada@example.com>", "<a@b.c>",
	// "a@b.c (comment)" and quoted local parts.
	if err != nil || addr.Name != "" || addr.Address != s {
		return "", ErrEmailInvalid
	}
	at := strings.LastIndexByte(s, '@')
	local, domain := s[:at], s[at+1:]
	// A deliverable domain has a dot; domain literals such as [127.0.0.1]
	// and trailing dots are legal in RFC 5322 but only ever seen in abuse.
	if local == "" || !strings.Contains(domain, ".") || strings.HasPrefix(domain, "[") || strings.HasSuffix(domain, ".") {
		return "", ErrEmailInvalid
	}
	return local + "@" + strings.ToLower(domain), nil
}
