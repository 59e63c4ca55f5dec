// Package addr is the one rule for what an email address is in this
// product: the API checks sign-up and reset addresses with it, and the mail
// pipeline checks senders and recipients with it. It is a leaf, so that
// both auth and mail can use it.
package addr

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Check rejects bare addresses that are legal in RFC 5322 but unsafe in the
// mail pipeline. Quoted local parts with commas or spaces would be split by
// jordan-wright/email's header writer, and angle brackets or line breaks
// could break out of "MAIL FROM:<...>" in the SMTP envelope. A reset service
// never needs such addresses.
func Check(a string) error {
	at := strings.LastIndexByte(a, '@')
	if at <= 0 || at == len(a)-1 {
		return errors.New("address needs a local part and a domain")
	}
	if strings.ContainsAny(a, " ,;<>\"\\") || HasControl(a) {
		return errors.New("address contains characters that are not allowed here")
	}
	return nil
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
