// Package signup is sign-up by mailed link (SIGNUP_VERIFICATION=required),
// end to end: the API's Service records a request and enqueues its mail
// without saying whether the address has an account, the Worker mails a
// verification link or an "account exists" notice, and VerifyEmail turns a
// verified request into an account through package auth.
package signup

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/todoapp/resetmail/internal/apperr"
	"github.com/todoapp/resetmail/internal/auth"
	"github.com/todoapp/resetmail/internal/delivery"
	"github.com/todoapp/resetmail/internal/linktoken"
	"github.com/todoapp/resetmail/internal/postgres/dbsqlc"
	"github.com/todoapp/resetmail/internal/redact"
)

// ServiceConfig configures a Service.
type ServiceConfig struct {
	// LinkRequests is the outbox and the TTL, SIGNUP_TOKEN_TTL: how long
	// a sign-up request and its verification link live. Defaults to 24h.
	delivery.LinkRequests
	// Accounts validates a registration and hashes its password, and
	// creates the account once verified. Required.
	Accounts *auth.Service
}

// Service is the API's side of sign-up.
type Service struct {
	cfg ServiceConfig
}

// NewService validates cfg and fills its defaults.
func NewService(cfg ServiceConfig) (*Service, error) {
	if err := cfg.Valid("signup", 24*time.Hour); err != nil {
		return nil, err
	}
	if cfg.Accounts == nil {
		return nil, errors.New("signup: Accounts is required")
	}
	return &Service{cfg: cfg}, nil
}

// Request is sign-up as a request. It validates r like auth's Register,
// hashes the password, records the request and enqueues its mail in one
// transaction, and does exactly that whether or not the address has an
// account: the worker decides later, off the request's path, whether to
// mail a verification link or a "someone tried to sign up with your
// address" notice. So the answer and its timing reveal nothing. Only
// invalid input is an error a caller can see.
func (s *Service) Request(ctx context.Context, r auth.Registration) error {
	a, err := s.cfg.Accounts.PrepareAccount(r)
	if err != nil {
		return err
	}
	id, err := uuid.NewRandom()
	if err != nil {
		return fmt.Errorf("new sign-up id: %w", err)
	}
	var loc *string
	if a.Locale != "" {
		loc = &a.Locale
	}
	return s.cfg.Record(ctx, "sign-up", func(tx pgx.Tx) error {
		return dbsqlc.New().SignupInsertRequest(ctx, tx, dbsqlc.SignupInsertRequestParams{
			ID: id, Email: a.Email, Name: a.Name, PasswordHash: a.PasswordHash, Locale: loc, TtlSecs: s.cfg.TTL.Seconds(),
		})
	}, Args{RequestID: id, EmailMasked: redact.Email(a.Email)})
}

// errInvalidToken is the one answer for an unknown, expired or used
// verification link, and for one whose address another sign-up verified
// first.
func errInvalidToken() error {
	return apperr.New(apperr.CodeInvalidToken, "This confirmation link is invalid or has expired. Sign up again.")
}

// Check tells whether token would confirm its sign-up now, spending
// nothing, and until when: the confirmation page asks first, so that a used
// or expired link says so before the user clicks, as the reset page does.
// An unknown, used or expired token, or one whose address has an account
// meanwhile, is invalid_token, the same answer VerifyEmail would give.
func (s *Service) Check(ctx context.Context, token string) (time.Time, error) {
	if token == "" {
		return time.Time{}, apperr.Validation(map[string]string{"token": "is required"})
	}
	return linktoken.Expiry(ctx, token, func(ctx context.Context, hash []byte) (time.Time, error) {
		return dbsqlc.New().SignupCheck(ctx, s.cfg.Pool, hash)
	}, errInvalidToken, "check sign-up token")
}

// errPasswordMismatch answers a confirmation whose password is not the one
// chosen at sign-up. The link stays usable, so that its owner may try again.
func errPasswordMismatch() error {
	return apperr.Validation(map[string]string{"password": "does not match the password chosen at sign-up"})
}

// VerifyEmail turns the pending sign-up that token belongs to into an
// account, if password is the one chosen at sign-up, typed again. In one
// transaction it marks the token used, checks the password against the
// stored hash and creates the user (auth.CreateAccount), unless the address
// has an account already: then the first sign-up verified has won, and
// this token is invalid like any used one.
//
// The link alone never opens an account (issue 23, item 1): whoever
// registered chose the password, and that may be an attacker who typed
// someone else's address. Only a person who holds the mailbox AND knows
// the password opens it; the attacker has the password but not the link,
// the mailbox's owner the link but not the attacker's password. A wrong
// password changes nothing and leaves the link usable.
func (s *Service) VerifyEmail(ctx context.Context, token, password string) (auth.User, error) {
	if err := apperr.Required(apperr.Field{Name: "token", Value: token},
		apperr.Field{Name: "password", Value: password, Message: "is required: type the password you chose when you signed up"}); err != nil {
		return auth.User{}, err
	}
	if !linktoken.WellFormed(token) {
		return auth.User{}, errInvalidToken()
	}
	var u auth.User
	err := pgx.BeginFunc(ctx, s.cfg.Pool, func(tx pgx.Tx) error {
		p, err := dbsqlc.New().SignupConsume(ctx, tx, linktoken.Hash(token))
		if errors.Is(err, pgx.ErrNoRows) {
			return errInvalidToken()
		}
		if err != nil {
			return fmt.Errorf("consume sign-up token: %w", err)
		}
		// Returning an error rolls the consumption back.
		if !s.cfg.Accounts.PasswordMatches(p.PasswordHash, password) {
			return errPasswordMismatch()
		}
		a := auth.NewAccount{Email: p.Email, Name: p.Name, PasswordHash: p.PasswordHash}
		if p.Locale != nil {
			a.Locale = *p.Locale
		}
		created, ok, err := auth.CreateAccount(ctx, tx, a)
		if err != nil {
			return err
		}
		if !ok {
			return errInvalidToken()
		}
		u = created
		return nil
	})
	return u, err
}
