package auth

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/todoapp/resetmail/internal/apperr"
	"github.com/todoapp/resetmail/internal/postgres/dbsqlc"
)

// errInvalidSession is the one answer to every unacceptable token: forged,
// expired, for a deleted user, or revoked by a password change.
func errInvalidSession(cause error) *apperr.Error {
	return &apperr.Error{
		Code:    apperr.CodeUnauthorized,
		Message: "Your session is invalid or has expired. Sign in again.",
		Err:     cause,
	}
}

// Authenticate verifies an access token and returns its user. Besides the
// signature, algorithm and expiry, it reads the user's current token_version
// (one primary-key lookup) and rejects a token minted under an older one, so
// a password reset signs the user out everywhere at once.
func (s *Service) Authenticate(ctx context.Context, raw string) (User, error) {
	id, ver, err := s.parse(raw)
	if err != nil {
		return User{}, errInvalidSession(err)
	}
	u, err := s.userByID(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return User{}, errInvalidSession(errors.New("user no longer exists"))
	}
	if err != nil {
		return User{}, err
	}
	if u.TokenVersion != ver {
		return User{}, errInvalidSession(errors.New("token version revoked"))
	}
	return u, nil
}

func (s *Service) userByID(ctx context.Context, id int64) (User, error) {
	row, err := dbsqlc.New().UserByID(ctx, s.pool, id)
	if err != nil {
		return User{}, fmt.Errorf("load user %d: %w", id, err)
	}
	return newUser(row.ID, row.Email, row.Name, row.CreatedAt, row.TokenVersion, row.Locale), nil
}
