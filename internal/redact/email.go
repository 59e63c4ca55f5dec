// Package redact hides personal data and secrets before they reach logs,
// job args or errors that on-call reads.
package redact

import (
	"regexp"
	"strings"
)

// Email masks an address as "j***@example.com": the first character of the
// local part and the whole domain survive, which is enough for on-call to tell
// providers apart without learning who the user is. Input without an "@" is
// masked entirely, because it may be a secret pasted into the wrong field.
func Email(addr string) string {
	addr = strings.TrimSpace(addr)
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 || at == len(addr)-1 {
		return "***"
	}
	local, domain := addr[:at], addr[at+1:]
	first := firstRune(local)
	return first + "***@" + strings.ToLower(domain)
}

// firstRune returns the first UTF-8 character of s so that masking never
// splits a multi-byte character into invalid UTF-8.
func firstRune(s string) string {
	for _, r := range s {
		return string(r)
	}
	return ""
}

// addressPattern finds email-looking substrings in free text. Sign-up
// accepts international addresses, so local parts and domains are letters,
// marks and digits of any script (SMTPUTF8, IDN), not only ASCII; a domain
// need not have a dot ("root@localhost" is still someone's address). It is
// compiled once and never modified.
var addressPattern = regexp.MustCompile(`[\p{L}\p{M}\p{N}._%+\-]+@[\p{L}\p{M}\p{N}\-]+(?:\.[\p{L}\p{M}\p{N}\-]+)*`)

// Addresses masks, with Email, every email-looking substring of s, such as
// an SMTP reply that echoes the recipient or an error quoting its input. It
// is the one masking function for free text: the log redactor and mail
// errors both use it.
func Addresses(s string) string {
	if strings.IndexByte(s, '@') < 0 {
		return s
	}
	return addressPattern.ReplaceAllStringFunc(s, Email)
}
