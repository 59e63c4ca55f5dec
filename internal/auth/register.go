package auth

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/todoapp/resetmail/internal/apperr"
	"github.com/todoapp/resetmail/internal/postgres/dbsqlc"
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

// emailIndex is the unique index that makes addresses case-insensitively
// unique (sql/migrations/0001_users.sql).
const emailIndex = "users_email_lower_key"

// Register validates r, hashes the password and creates the account at
// once (SIGNUP_VERIFICATION=off; RequestSignup is the default). Invalid
// input is a validation_failed error naming each bad field; an address
// already registered, in any letter case, is a conflict.
func (s *Service) Register(ctx context.Context, r Registration) (User, error) {
	email, name, pref, err := validateRegistration(r)
	if err != nil {
		return User{}, err
	}

	hash, err := s.HashPassword(r.Password)
	if err != nil {
		return User{}, err
	}
	row, err := s.queries.UserInsert(ctx, s.pool, dbsqlc.UserInsertParams{Email: email, Name: name, PasswordHash: hash, Locale: pref})
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == pgerrcode.UniqueViolation && pgErr.ConstraintName == emailIndex {
		return User{}, &apperr.Error{
			Code:    apperr.CodeConflict,
			Message: "An account with this email address already exists.",
			Details: map[string]any{"fields": map[string]string{"email": "is already registered"}},
		}
	}
	if err != nil {
		return User{}, fmt.Errorf("insert user: %w", err)
	}
	return User{ID: row.ID, Email: row.Email, Name: row.Name, CreatedAt: row.CreatedAt, TokenVersion: int(row.TokenVersion)}, nil
}
