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
	// Locale is the language preference stored at sign-up (BCP 47 tags in
	// order, see package locale), or "" when none was given. Mail falls
	// back to it, and so does the web app.
	Locale string
}

// newUser is a users row as a User; UserByID and UserCreate return the same
// columns in two row types, and this is their one conversion.
func newUser(id int64, email, name string, createdAt time.Time, tokenVersion int32, locale *string) User {
	u := User{ID: id, Email: email, Name: name, CreatedAt: createdAt, TokenVersion: int(tokenVersion)}
	if locale != nil {
		u.Locale = *locale
	}
	return u
}
