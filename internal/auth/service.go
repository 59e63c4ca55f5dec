// Package auth holds accounts and access tokens: registration, login,
// password hashing with bcrypt, and HS256 JWTs that carry the user's token
// version, so that a password change revokes every token issued before it.
package auth

import (
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/crypto/bcrypt"
)

// MinSecretBytes is the shortest JWT signing key accepted: HS256 needs a key
// at least as long as its 256-bit output.
const MinSecretBytes = 32

// Options configure a Service.
type Options struct {
	// Pool is the database pool. Required.
	Pool *pgxpool.Pool
	// JWTSecret signs and verifies access tokens with HS256. At least 32
	// bytes. Required.
	JWTSecret []byte
	// TokenTTL is how long an access token lives. Defaults to 1h.
	TokenTTL time.Duration
	// BcryptCost is the bcrypt work factor for new hashes. Defaults to
	// bcrypt.DefaultCost (10); tests use bcrypt.MinCost for speed.
	BcryptCost int
	// Now is the clock used for token timestamps. Defaults to time.Now.
	Now func() time.Time
}

// Service registers users, logs them in and authenticates their tokens.
type Service struct {
	pool   *pgxpool.Pool
	secret []byte
	ttl    time.Duration
	cost   int
	now    func() time.Time

	// dummyHash is compared against when a login names no account, so that
	// an unknown email costs one bcrypt comparison, like a wrong password,
	// and response times do not reveal which addresses have accounts.
	dummyHash []byte
	// compare is bcrypt.CompareHashAndPassword; tests count its calls.
	compare func(hash, password []byte) error
}

// NewService checks o, fills its defaults and computes the dummy hash used
// to equalize login timing.
func NewService(o Options) (*Service, error) {
	if o.Pool == nil {
		return nil, errors.New("auth: Pool is required")
	}
	if len(o.JWTSecret) < MinSecretBytes {
		return nil, fmt.Errorf("auth: the JWT secret must be at least %d bytes", MinSecretBytes)
	}
	if o.TokenTTL <= 0 {
		o.TokenTTL = time.Hour
	}
	if o.BcryptCost == 0 {
		o.BcryptCost = bcrypt.DefaultCost
	}
	if o.BcryptCost < bcrypt.MinCost || o.BcryptCost > bcrypt.MaxCost {
		return nil, fmt.Errorf("auth: bcrypt cost must be between %d and %d, not %d", bcrypt.MinCost, bcrypt.MaxCost, o.BcryptCost)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	// The dummy hash hashes random bytes at the configured cost, so a
	// comparison against it takes as long as one against a real hash and
	// can never succeed.
	random := make([]byte, 32)
	_, _ = rand.Read(random)
	dummy, err := bcrypt.GenerateFromPassword(random, o.BcryptCost)
	if err != nil {
		return nil, fmt.Errorf("auth: compute the dummy hash: %w", err)
	}
	return &Service{
		pool:      o.Pool,
		secret:    append([]byte(nil), o.JWTSecret...),
		ttl:       o.TokenTTL,
		cost:      o.BcryptCost,
		now:       o.Now,
		dummyHash: dummy,
		compare:   bcrypt.CompareHashAndPassword,
	}, nil
}

// HashPassword returns pw's bcrypt hash at the service's cost. It does not
// apply the password rules; call ValidatePassword first. A password longer
// than MaxPasswordBytes is an error, never silently truncated.
func (s *Service) HashPassword(pw string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(pw), s.cost)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(h), nil
}

// TokenTTL is how long the access tokens this service issues live.
func (s *Service) TokenTTL() time.Duration { return s.ttl }
