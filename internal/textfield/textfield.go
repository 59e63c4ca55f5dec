// Package textfield is the one rule for the free-text fields people type
// and the API stores (display names, task titles and descriptions): valid
// UTF-8, a length counted in characters (runes), not bytes, and no control
// characters the field cannot hold.
package textfield

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Rule is one field's limits.
type Rule struct {
	// MaxChars is the longest value accepted, in characters.
	MaxChars int
	// Multiline allows tab, CR and LF; every other control character,
	// NUL above all (Postgres text cannot hold it), is refused either way.
	Multiline bool
	// ControlMessage is the field's message for a refused control
	// character, which says what the field does allow.
	ControlMessage string
}

// Check returns "" or the message for the field.
func (r Rule) Check(s string) string {
	switch {
	case !utf8.ValidString(s):
		return "must be valid UTF-8"
	case utf8.RuneCountInString(s) > r.MaxChars:
		return fmt.Sprintf("must be at most %d characters", r.MaxChars)
	case strings.IndexFunc(s, r.refused) >= 0:
		return r.ControlMessage
	}
	return ""
}

// Required trims s and checks it as a field that must not be empty. It
// returns the trimmed value and "", or "" and the message for the field.
func (r Rule) Required(s string) (string, string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", "is required"
	}
	if msg := r.Check(s); msg != "" {
		return "", msg
	}
	return s, ""
}

func (r Rule) refused(c rune) bool {
	if r.Multiline && (c == '\n' || c == '\r' || c == '\t') {
		return false
	}
	return unicode.IsControl(c)
}
