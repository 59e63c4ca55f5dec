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

// PendingSignup is a sign-up request as the API records it: the password
// is already hashed, so it is never stored in clear, and none of it goes
// into a job's arguments.
type PendingSignup struct {
	// Email is the normalized address. Required.
	Email string
	// Name is the validated display name. Required.
	Name string
	// PasswordHash is the bcrypt hash of the chosen password. Required.
	PasswordHash string
	// Locale is the language preference for the mail and the account.
	// Default "" has none.
	Locale string
}

// SignupQueue records a pending sign-up and enqueues its mail in one
// transaction; *reset.Service implements it.
type SignupQueue interface {
	RequestSignup(ctx context.Context, p PendingSignup) error
}

// RequestSignup is sign-up as a request (SIGNUP_VERIFICATION=required). It
// validates r like Register, hashes the password and records the request,
// and does exactly that whether or not the address has an account: the
// worker decides later, off the request's path, whether to mail a
// verification link or a "someone tried to sign up with your address"
// notice. So the answer and its timing reveal nothing. Only invalid input
// is an error a caller can see. queue records the request (the reset
// service, which also needs this service to hash passwords, so it is
// passed here rather than at construction).
func (s *Service) RequestSignup(ctx context.Context, queue SignupQueue, r Registration) error {
	email, name, pref, err := validateRegistration(r)
	if err != nil {
		return err
	}
	hash, err := s.HashPassword(r.Password)
	if err != nil {
		return err
	}
	return queue.RequestSignup(ctx, PendingSignup{Email: email, Name: name, PasswordHash: hash, Locale: pref})
}

// CreateVerifiedUser creates the account of a verified sign-up inside the
// caller's transaction db, unless the address has one already: then ok is
// false, because another sign-up for it was verified first. The caller has
// validated and hashed everything at request time (RequestSignup); locale
// is the request's language preference, nil for none.
func CreateVerifiedUser(ctx context.Context, db dbsqlc.DBTX, email, name, hash string, locale *string) (u User, ok bool, err error) {
	return createUser(ctx, db, email, name, hash, locale)
}

// createUser creates the account unless the address has one already, in
// any letter case: then ok is false.
func createUser(ctx context.Context, db dbsqlc.DBTX, email, name, hash string, locale *string) (u User, ok bool, err error) {
	row, err := dbsqlc.New().UserCreate(ctx, db, dbsqlc.UserCreateParams{Email: email, Name: name, PasswordHash: hash, Locale: locale})
	if errors.Is(err, pgx.ErrNoRows) {
		return User{}, false, nil
	}
	if err != nil {
		return User{}, false, fmt.Errorf("create user: %w", err)
	}
	return User{ID: row.ID, Email: row.Email, Name: row.Name, CreatedAt: row.CreatedAt, TokenVersion: int(row.TokenVersion)}, true, nil
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
