package auth

import "github.com/todoapp/resetmail/internal/textfield"

// MaxNameChars is the longest display name accepted, in characters.
const MaxNameChars = 100

// normalizeName trims name and checks it. It returns the trimmed name and ""
// or a message for the name field. Control characters, CR and LF above all,
// are refused because the name is printed in email bodies and could
// otherwise forge extra lines there; HTML such as "<script>" is accepted and
// escaped wherever it is rendered.
func normalizeName(name string) (string, string) {
	return textfield.Rule{
		MaxChars:       MaxNameChars,
		ControlMessage: "must not contain control characters such as line breaks",
	}.Required(name)
}
