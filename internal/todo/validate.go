package todo

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Field limits, counted in characters (runes), not bytes.
const (
	// MaxTitleChars is the longest title accepted.
	MaxTitleChars = 200
	// MaxDescriptionChars is the longest description accepted.
	MaxDescriptionChars = 2000
)

// checkTitle trims title and returns it with "" or a message for the title
// field. Titles are one line, so every control character is refused.
func checkTitle(title string) (string, string) {
	title = strings.TrimSpace(title)
	switch {
	case title == "":
		return "", "is required"
	case !utf8.ValidString(title):
		return "", "must be valid UTF-8"
	case utf8.RuneCountInString(title) > MaxTitleChars:
		return "", fmt.Sprintf("must be at most %d characters", MaxTitleChars)
	case strings.IndexFunc(title, unicode.IsControl) >= 0:
		return "", "must be a single line without control characters"
	}
	return title, ""
}

// checkDescription returns "" or a message for the description field.
// Descriptions may span lines, so tab, CR and LF are allowed; other control
// characters, NUL above all (Postgres text cannot hold it), are refused.
func checkDescription(d string) string {
	switch {
	case !utf8.ValidString(d):
		return "must be valid UTF-8"
	case utf8.RuneCountInString(d) > MaxDescriptionChars:
		return fmt.Sprintf("must be at most %d characters", MaxDescriptionChars)
	case strings.IndexFunc(d, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' }) >= 0:
		return "must not contain control characters other than tabs and line breaks"
	}
	return ""
}
