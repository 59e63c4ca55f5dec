package auth

import "time"

// User is an account as the rest of the application sees it; the password
// hash never leaves this package.
type User struct {
	// ID is the database identity.
	ID int64
	// Email is the normalized address (domain lower-cased).
	Email string
	// Name is the display name.
	Name string
	// CreatedAt is when the account was registered.
	CreatedAt time.Time
	// TokenVersion is embedded in every access token; bumping it revokes
	// all tokens issued before.
	TokenVersion int
}
