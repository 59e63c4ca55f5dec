package auth

import (
	"context"

	"github.com/todoapp/resetmail/internal/apperr"
)

// Registration is what a new user submits.
type Registration struct {
	// Email is normalized with NormalizeEmail. Required.
	Email string
	// Password follows ValidatePassword's rules. Required.
	Password string
	// Name is the display name, 1 to 100 characters. Required.
	Name string
	// Locale is the language the user chose for mail (BCP 47), from the
	// request body. Default "" uses AcceptLanguage.
	Locale string
	// AcceptLanguage is the request's Accept-Language header. Default ""
	// leaves the account without a stored locale: its mail then follows
	// each request, or DEFAULT_LOCALE.
	AcceptLanguage string
}

// Register validates r, hashes the password and creates the account at
// once (SIGNUP_VERIFICATION=off; package signup handles the default).
// Invalid input is a validation_failed error naming each bad field; an
// address already registered, in any letter case, is a conflict.
func (s *Service) Register(ctx context.Context, r Registration) (User, error) {
	a, err := s.PrepareAccount(r)
	if err != nil {
		return User{}, err
	}
	u, ok, err := CreateAccount(ctx, s.pool, a)
	if err != nil {
		return User{}, err
	}
	if !ok {
		return User{}, &apperr.Error{
			Code:    apperr.CodeConflict,
			Message: "An account with this email address already exists.",
			Details: map[string]any{"fields": map[string]string{"email": "is already registered"}},
		}
	}
	return u, nil
}
