package auth

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxNameChars is the longest display name accepted, in characters.
const MaxNameChars = 100

// normalizeName trims name and checks it. It returns the trimmed name and ""
// or a message for the name field. Control characters, CR and LF above all,
// are refused because the name is printed in email bodies and could
// otherwise forge extra lines there; HTML such as "<script>" is accepted and
// escaped wherever it is rendered.
func normalizeName(name string) (string, string) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", "is required"
	case !utf8.ValidString(name):
		return "", "must be valid UTF-8"
	case utf8.RuneCountInString(name) > MaxNameChars:
		return "", fmt.Sprintf("must be at most %d characters", MaxNameChars)
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return "", "must not contain control characters such as line breaks"
	}
	return name, ""
}
