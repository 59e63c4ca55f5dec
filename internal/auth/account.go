package auth

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/todoapp/resetmail/internal/apperr"
	"github.com/todoapp/resetmail/internal/locale"
	"github.com/todoapp/resetmail/internal/postgres/dbsqlc"
)

// NewAccount is a registration that passed the rules, with its password
// already hashed, so that it is never stored in clear: what Register
// creates at once, and what package signup keeps until the address is
// verified.
type NewAccount struct {
	// Email is the normalized address.
	Email string
	// Name is the validated display name.
	Name string
	// PasswordHash is the bcrypt hash of the chosen password.
	PasswordHash string
	// Locale is the language preference for mail (BCP 47). "" has none.
	Locale string
}

// PrepareAccount validates r and hashes its password. Invalid input is a
// validation_failed error naming each bad field.
func (s *Service) PrepareAccount(r Registration) (NewAccount, error) {
	email, name, pref, err := validateRegistration(r)
	if err != nil {
		return NewAccount{}, err
	}
	hash, err := s.HashPassword(r.Password)
	if err != nil {
		return NewAccount{}, err
	}
	return NewAccount{Email: email, Name: name, PasswordHash: hash, Locale: pref}, nil
}

// PasswordMatches reports whether password is the one hash was made from.
// Sign-up's confirmation page uses it: the account opens only with the
// password chosen at sign-up, typed again by whoever holds the mailbox.
func (s *Service) PasswordMatches(hash, password string) bool {
	if len(password) > MaxPasswordBytes {
		// Registration refuses such a password, so it is no one's; bcrypt
		// would compare only its first 72 bytes.
		return false
	}
	return s.compare([]byte(hash), []byte(password)) == nil
}

// CreateAccount creates the account a inside the caller's transaction db,
// unless the address has one already, in any letter case: then ok is false.
func CreateAccount(ctx context.Context, db dbsqlc.DBTX, a NewAccount) (u User, ok bool, err error) {
	var loc *string
	if a.Locale != "" {
		loc = &a.Locale
	}
	row, err := dbsqlc.New().UserCreate(ctx, db, dbsqlc.UserCreateParams{Email: a.Email, Name: a.Name, PasswordHash: a.PasswordHash, Locale: loc})
	if errors.Is(err, pgx.ErrNoRows) {
		return User{}, false, nil
	}
	if err != nil {
		return User{}, false, fmt.Errorf("create user: %w", err)
	}
	return newUser(row.ID, row.Email, row.Name, row.CreatedAt, row.TokenVersion, row.Locale), true, nil
}

// validateRegistration checks r and returns the normalized email and name
// and the language preference, or a validation_failed error naming each
// bad field.
func validateRegistration(r Registration) (email, name, pref string, err error) {
	fields := map[string]string{}
	email, emailErr := NormalizeEmail(r.Email)
	if emailErr != nil {
		fields["email"] = emailErr.Error()
	}
	if msg := ValidatePassword(r.Password); msg != "" {
		fields["password"] = msg
	}
	name, msg := normalizeName(r.Name)
	if msg != "" {
		fields["name"] = msg
	}
	pref, locErr := locale.Request{Explicit: r.Locale, AcceptLanguage: r.AcceptLanguage}.Preference()
	if locErr != nil {
		fields["locale"] = locErr.Error()
	}
	if len(fields) > 0 {
		return "", "", "", apperr.Validation(fields)
	}
	return email, name, pref, nil
}
