package auth

import (
	"fmt"
	"unicode/utf8"
)

// Password rules, shared by registration and the password reset.
const (
	// MinPasswordChars is the shortest password accepted, counted in
	// characters (runes), as NIST SP 800-63B recommends.
	MinPasswordChars = 8
	// MaxPasswordBytes is bcrypt's input limit: it ignores anything past 72
	// bytes, so a longer password would be silently truncated. Rejecting it
	// is honest with the user.
	MaxPasswordBytes = 72
)

// ValidatePassword returns "" when pw is acceptable, or a message for the
// password field that completes the sentence "password …", such as "must be
// at least 8 characters".
func ValidatePassword(pw string) string {
	switch {
	case pw == "":
		return "is required"
	case utf8.RuneCountInString(pw) < MinPasswordChars:
		return fmt.Sprintf("must be at least %d characters", MinPasswordChars)
	case len(pw) > MaxPasswordBytes:
		return fmt.Sprintf("must be at most %d bytes (bcrypt's limit; multi-byte characters count more than once)", MaxPasswordBytes)
	}
	return ""
}
