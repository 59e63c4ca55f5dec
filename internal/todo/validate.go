package todo

import "github.com/todoapp/resetmail/internal/textfield"

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
	return textfield.Rule{
		MaxChars:       MaxTitleChars,
		ControlMessage: "must be a single line without control characters",
	}.Required(title)
}

// checkDescription returns "" or a message for the description field.
// Descriptions may span lines, so tab, CR and LF are allowed; other control
// characters are refused.
func checkDescription(d string) string {
	return textfield.Rule{
		MaxChars:       MaxDescriptionChars,
		Multiline:      true,
		ControlMessage: "must not contain control characters other than tabs and line breaks",
	}.Check(d)
}
