package auth

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/todoapp/resetmail/internal/apperr"
	"github.com/todoapp/resetmail/internal/postgres/dbsqlc"
)

// errBadCredentials is the one answer to every failed login, whether the
// address has no account or the password is wrong, so that the response
// does not reveal which addresses are registered.
func errBadCredentials() *apperr.Error {
	return apperr.New(apperr.CodeUnauthorized, "The email address or password is incorrect.")
}

// Login checks email and password and issues an access token. A missing
// field is a validation error; any other failure is the same unauthorized
// error after the same work: one database lookup and one bcrypt comparison,
// against a dummy hash when there is no account.
func (s *Service) Login(ctx context.Context, email, password string) (AccessToken, error) {
	if err := apperr.Required(apperr.Field{Name: "email", Value: email}, apperr.Field{Name: "password", Value: password}); err != nil {
		return AccessToken{}, err
	}

	var (
		cred  dbsqlc.UserCredentialsByEmailRow
		found bool
	)
	if normalized, err := NormalizeEmail(email); err == nil {
		cred, err = dbsqlc.New().UserCredentialsByEmail(ctx, s.pool, normalized)
		switch {
		case err == nil:
			found = true
		case !errors.Is(err, pgx.ErrNoRows):
			return AccessToken{}, fmt.Errorf("look up credentials: %w", err)
		}
	}
	candidate := s.dummyHash
	if found {
		candidate = []byte(cred.PasswordHash)
	}
	// bcrypt reads at most 72 bytes. A longer password cannot be anyone's
	// (registration refuses it), but it is still compared, truncated, so
	// that it takes the same time as any other wrong password.
	pw := []byte(password)
	if len(pw) > MaxPasswordBytes {
		pw = pw[:MaxPasswordBytes]
	}
	match := s.compare(candidate, pw) == nil
	if !found || !match || len(password) > MaxPasswordBytes {
		return AccessToken{}, errBadCredentials()
	}
	return s.issue(cred.ID, int(cred.TokenVersion))
}
