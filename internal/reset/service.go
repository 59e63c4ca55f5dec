package reset

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
	"github.com/todoapp/resetmail/internal/locale"
	"github.com/todoapp/resetmail/internal/postgres/dbsqlc"
	"github.com/todoapp/resetmail/internal/redact"
)

// PasswordHasher hashes a new password with the same rules as registration.
type PasswordHasher func(password string) (string, error)

// ServiceConfig configures a Service.
type ServiceConfig struct {
	// LinkRequests is the outbox and the TTL, RESET_TOKEN_TTL, which
	// defaults to 1h.
	delivery.LinkRequests
	// HashPassword hashes the new password. Required.
	HashPassword PasswordHasher
}

// Service is the API's side of the reset flow.
type Service struct {
	cfg ServiceConfig
}

// NewService validates cfg and fills its defaults.
func NewService(cfg ServiceConfig) (*Service, error) {
	if err := cfg.Valid("reset", time.Hour); err != nil {
		return nil, err
	}
	if cfg.HashPassword == nil {
		return nil, errors.New("reset: HashPassword is required")
	}
	return &Service{cfg: cfg}, nil
}

// RequestReset records a forgot-password request and enqueues its mail in
// the same transaction. An address that auth.NormalizeEmail refuses is a
// validation_failed error; any other is normalized first. It does the same work whether
// or not an account exists and never says which: the worker looks the
// account up later, off the request's path. lang, if given, is where the
// request says which language it wants; an ill-formed locale is a
// validation_failed error too, and the preference travels to the worker in
// the job args.
func (s *Service) RequestReset(ctx context.Context, email string, lang ...locale.Request) (uuid.UUID, error) {
	fields := map[string]string{}
	email, err := auth.NormalizeEmail(email)
	if err != nil {
		fields["email"] = err.Error()
	}
	pref, err := preference(lang)
	if err != nil {
		fields["locale"] = err.Error()
	}
	if len(fields) > 0 {
		return uuid.Nil, apperr.Validation(fields)
	}
	id, err := uuid.NewRandom()
	if err != nil {
		return uuid.Nil, fmt.Errorf("new request id: %w", err)
	}
	err = s.cfg.Record(ctx, "reset", func(tx pgx.Tx) error {
		return dbsqlc.New().ResetInsertRequest(ctx, tx, dbsqlc.ResetInsertRequestParams{ID: id, Email: email, TtlSecs: s.cfg.TTL.Seconds()})
	}, SendResetArgs{RequestID: id, EmailMasked: redact.Email(email), Locale: pref})
	if err != nil {
		return uuid.Nil, err
	}
	return id, nil
}

// errInvalidToken is the one answer for an unknown, expired, used or voided
// token, so that a caller learns nothing about which.
func errInvalidToken() error {
	return apperr.New(apperr.CodeInvalidToken, "This reset link is invalid or has expired. Ask for a new one.")
}

// Verify reports whether token is usable now, and until when, without
// consuming it.
func (s *Service) Verify(ctx context.Context, token string) (time.Time, error) {
	return linktoken.Expiry(ctx, token, func(ctx context.Context, hash []byte) (time.Time, error) {
		return dbsqlc.New().ResetVerify(ctx, s.cfg.Pool, hash)
	}, errInvalidToken, "verify reset token")
}

// Reset sets a new password with a token. A missing token, or a password
// that breaks the registration rules, is a validation_failed error. In one
// transaction it consumes the token, sets the password through auth (which
// revokes every earlier JWT), voids the user's other open tokens, and
// enqueues a "password changed" notice. It does not log the user in: OWASP
// advises against it. lang, if given, chooses the notice's language. It
// returns the account's address, which the reset page hands to the sign-in
// page: whoever holds the token may know it, since the link was mailed there.
func (s *Service) Reset(ctx context.Context, token, newPassword string, lang ...locale.Request) (email string, err error) {
	if token == "" {
		return "", apperr.Validation(map[string]string{"token": "is required"})
	}
	if msg := auth.ValidatePassword(newPassword); msg != "" {
		return "", apperr.Validation(map[string]string{"new_password": msg})
	}
	pref, err := preference(lang)
	if err != nil {
		return "", apperr.Validation(map[string]string{"locale": err.Error()})
	}
	// Check first, so that a bad token does not cost a password hash.
	if _, err := s.Verify(ctx, token); err != nil {
		return "", err
	}
	hash, err := s.cfg.HashPassword(newPassword)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	err = s.cfg.Commit(ctx, func(tx pgx.Tx) error {
		// The user first, then the requests: one lock order for every
		// reset of an account, so two of its links never deadlock.
		if err := dbsqlc.New().ResetLockUser(ctx, tx, linktoken.Hash(token)); err != nil {
			return fmt.Errorf("lock the token's account: %w", err)
		}
		consumed, err := dbsqlc.New().ResetConsume(ctx, tx, linktoken.Hash(token))
		if errors.Is(err, pgx.ErrNoRows) {
			// Used or expired between the check and now.
			return errInvalidToken()
		}
		if err != nil {
			return fmt.Errorf("consume reset token: %w", err)
		}
		// The query only consumes requests with a user.
		userID := *consumed.UserID
		email, err = auth.SetPassword(ctx, tx, userID, hash)
		if err != nil {
			return err
		}
		err = dbsqlc.New().ResetVoidOthers(ctx, tx, dbsqlc.ResetVoidOthersParams{UserID: userID, UsedRequestID: consumed.ID})
		if err != nil {
			return fmt.Errorf("void other reset tokens: %w", err)
		}
		return s.cfg.Enqueue(ctx, tx,
			PasswordChangedArgs{UserID: userID, EmailMasked: redact.Email(email), Locale: pref},
			"password-changed notice")
	})
	if err != nil {
		return "", err
	}
	return email, nil
}

// preference is the language preference of the optional lang argument, or
// "".
func preference(lang []locale.Request) (string, error) {
	if len(lang) == 0 {
		return "", nil
	}
	return lang[0].Preference()
}
