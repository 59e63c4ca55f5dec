package auth

import (
	"context"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/todoapp/resetmail/internal/apperr"
	"github.com/todoapp/resetmail/internal/testdb"
	"github.com/todoapp/resetmail/internal/testutil"
)

type testBundle struct {
	db      *testdb.DB
	svc     *Service
	secret  []byte
	now     *atomic.Pointer[time.Time]
	compare *atomic.Int64
}

// setup builds a Service over a fresh database with a settable clock and a
// counter of bcrypt comparisons.
func setup(t *testing.T) *testBundle {
	t.Helper()
	db := testdb.New(t)
	b := &testBundle{db: db, secret: []byte(testutil.Secret("jwt", 40)), now: &atomic.Pointer[time.Time]{}, compare: &atomic.Int64{}}
	start := time.Now()
	b.now.Store(&start)
	svc, err := NewService(Options{Pool: db.Pool, JWTSecret: b.secret, BcryptCost: bcrypt.MinCost,
		Now: func() time.Time { return *b.now.Load() }})
	require.NoError(t, err)
	svc.compare = func(hash, pw []byte) error {
		b.compare.Add(1)
		return bcrypt.CompareHashAndPassword(hash, pw)
	}
	b.svc = svc
	return b
}

// testPassword is the password of the accounts the tests register.
const testPassword = "correct horse battery"

// register signs email up with testPassword under name.
func (b *testBundle) register(email, name string) (User, error) {
	return b.svc.Register(context.Background(), Registration{Email: email, Password: testPassword, Name: name})
}

// newAccount registers email, named Ada, and requires that it worked.
func (b *testBundle) newAccount(t *testing.T, email string) User {
	t.Helper()
	u, err := b.register(email, "Ada")
	require.NoError(t, err)
	return u
}

func (b *testBundle) advance(d time.Duration) {
	next := b.now.Load().Add(d)
	b.now.Store(&next)
}

func TestNewServiceChecksOptions(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	secret := []byte(testutil.Secret("jwt", 40))

	_, err := NewService(Options{JWTSecret: secret})
	require.ErrorContains(t, err, "required")
	_, err = NewService(Options{Pool: db.Pool, JWTSecret: secret[:31]})
	require.ErrorContains(t, err, "at least 32 bytes")
	_, err = NewService(Options{Pool: db.Pool, JWTSecret: secret, BcryptCost: 99})
	require.ErrorContains(t, err, "bcrypt cost")

	svc, err := NewService(Options{Pool: db.Pool, JWTSecret: secret})
	require.NoError(t, err)
	require.Equal(t, time.Hour, svc.TokenTTL())
	require.Equal(t, bcrypt.DefaultCost, svc.cost)
	cost, err := bcrypt.Cost(svc.dummyHash)
	require.NoError(t, err)
	require.Equal(t, bcrypt.DefaultCost, cost, "the dummy hash costs as much as a real one")
}

func TestHashPassword(t *testing.T) {
	t.Parallel()
	b := setup(t)

	h, err := b.svc.HashPassword(testPassword)
	require.NoError(t, err)
	require.NoError(t, bcrypt.CompareHashAndPassword([]byte(h), []byte(testPassword)))
	cost, err := bcrypt.Cost([]byte(h))
	require.NoError(t, err)
	require.Equal(t, bcrypt.MinCost, cost)

	_, err = b.svc.HashPassword(strings.Repeat("x", 73))
	require.ErrorIs(t, err, bcrypt.ErrPasswordTooLong)
}

func TestLoginDoesTheSameWorkForUnknownEmails(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	b.newAccount(t, "ada@example.com")

	for _, tc := range []struct{ email, password string }{
		{"ada@example.com", "wrong password"},
		{"nobody@example.com", "wrong password"},
		{"not an address", "wrong password"},
		{"ada@example.com", strings.Repeat("x", 100)},
	} {
		before := b.compare.Load()
		_, err := b.svc.Login(ctx, tc.email, tc.password)
		require.Equal(t, apperr.CodeUnauthorized, apperr.CodeOf(err))
		require.Equal(t, "The email address or password is incorrect.", err.(*apperr.Error).Message)
		require.Equal(t, int64(1), b.compare.Load()-before, "exactly one bcrypt comparison for %+v", tc)
	}

}

func TestLoginIsCaseInsensitive(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	b.newAccount(t, "Ada@Example.com")
	for _, email := range []string{"Ada@Example.com", "ada@example.com", "ADA@EXAMPLE.COM"} {
		_, err := b.svc.Login(ctx, email, testPassword)
		require.NoError(t, err, email)
	}
}

func TestTokenLifecycle(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	u := b.newAccount(t, "ada@example.com")
	require.Equal(t, 1, u.TokenVersion)

	tok, err := b.svc.Login(ctx, "ada@example.com", testPassword)
	require.NoError(t, err)
	require.Equal(t, time.Hour, tok.ExpiresIn)

	var c claims
	_, err = jwt.ParseWithClaims(tok.Token, &c, func(*jwt.Token) (any, error) { return b.secret, nil })
	require.NoError(t, err)
	require.Equal(t, strconv.FormatInt(u.ID, 10), c.Subject)
	require.Equal(t, 1, c.Version)
	require.Equal(t, b.now.Load().Unix(), c.IssuedAt.Unix())
	require.Equal(t, b.now.Load().Add(time.Hour).Unix(), c.ExpiresAt.Unix())

	got, err := b.svc.Authenticate(ctx, tok.Token)
	require.NoError(t, err)
	require.Equal(t, u, got)

	// Just before expiry it works; at expiry it does not.
	b.advance(time.Hour - time.Second)
	_, err = b.svc.Authenticate(ctx, tok.Token)
	require.NoError(t, err)
	b.advance(time.Second)
	_, err = b.svc.Authenticate(ctx, tok.Token)
	require.Equal(t, apperr.CodeUnauthorized, apperr.CodeOf(err))

	// Revocation: a new token works until the version moves on, as a new
	// password (SetPassword, what the reset calls) moves it.
	tok, err = b.svc.Login(ctx, "ada@example.com", testPassword)
	require.NoError(t, err)
	hash, err := b.svc.HashPassword(testPassword)
	require.NoError(t, err)
	_, err = SetPassword(ctx, b.db.Pool, u.ID, hash)
	require.NoError(t, err)
	_, err = b.svc.Authenticate(ctx, tok.Token)
	require.Equal(t, apperr.CodeUnauthorized, apperr.CodeOf(err))
	tok, err = b.svc.Login(ctx, "ada@example.com", testPassword)
	require.NoError(t, err)
	got, err = b.svc.Authenticate(ctx, tok.Token)
	require.NoError(t, err)
	require.Equal(t, 2, got.TokenVersion)
}

func TestParseRejectsForeignTokens(t *testing.T) {
	t.Parallel()
	b := setup(t)
	now := *b.now.Load()
	sign := func(method jwt.SigningMethod, key any, c jwt.MapClaims) string {
		s, err := jwt.NewWithClaims(method, c).SignedString(key)
		require.NoError(t, err)
		return s
	}
	good := func() jwt.MapClaims {
		return jwt.MapClaims{"sub": "1", "ver": 1, "iat": now.Unix(), "exp": now.Add(time.Minute).Unix()}
	}
	with := func(k string, v any) jwt.MapClaims { c := good(); c[k] = v; return c }
	without := func(k string) jwt.MapClaims { c := good(); delete(c, k); return c }

	_, _, err := b.svc.parse(sign(jwt.SigningMethodHS256, b.secret, good()))
	require.NoError(t, err)

	for name, tok := range map[string]string{
		"none":           sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, good()),
		"HS384":          sign(jwt.SigningMethodHS384, b.secret, good()),
		"wrong key":      sign(jwt.SigningMethodHS256, []byte(strings.Repeat("k", 32)), good()),
		"no exp":         sign(jwt.SigningMethodHS256, b.secret, without("exp")),
		"expired":        sign(jwt.SigningMethodHS256, b.secret, with("exp", now.Add(-time.Second).Unix())),
		"issued later":   sign(jwt.SigningMethodHS256, b.secret, with("iat", now.Add(time.Hour).Unix())),
		"no sub":         sign(jwt.SigningMethodHS256, b.secret, without("sub")),
		"sub not an id":  sign(jwt.SigningMethodHS256, b.secret, with("sub", "ada")),
		"sub zero":       sign(jwt.SigningMethodHS256, b.secret, with("sub", "0")),
		"no ver":         sign(jwt.SigningMethodHS256, b.secret, without("ver")),
		"ver as string":  sign(jwt.SigningMethodHS256, b.secret, with("ver", "1")),
		"empty":          "",
		"two parts":      "eyJhbGciOiJIUzI1NiJ9.e30",
		"oversized":      strings.Repeat("a", MaxTokenBytes+1),
		"alg none caps":  "eyJhbGciOiJOT05FIiwidHlwIjoiSldUIn0.eyJzdWIiOiIxIiwidmVyIjoxfQ.",
		"alg none plain": "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIiwidmVyIjoxLCJleHAiOjk5OTk5OTk5OTl9.",
	} {
		_, _, err := b.svc.parse(tok)
		require.ErrorIs(t, err, errBadToken, name)
	}
}

func TestRegisterReportsConflictsAndFields(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()

	_, err := b.svc.Register(ctx, Registration{Email: "x", Password: "short", Name: ""})
	var ae *apperr.Error
	require.ErrorAs(t, err, &ae)
	require.Equal(t, apperr.CodeValidation, ae.Code)
	require.Equal(t, map[string]string{"email": ErrEmailInvalid.Error(), "password": "must be at least 8 characters", "name": "is required"}, ae.Details["fields"])

	b.newAccount(t, "ada@example.com")
	_, err = b.register("ADA@EXAMPLE.COM", "Ada")
	require.Equal(t, apperr.CodeConflict, apperr.CodeOf(err))
}

// TestLookAlikeAddressIsTheSameAccount: "Kate@example.com" written with
// the Kelvin sign (U+212A) is Kate's address, not a second account that
// Postgres lower() would match to hers: it is stored, compared and mailed
// in its normal form (NFKC), so the look-alike finds Kate's account taken
// and an account registered with it holds the plain spelling
// (issue 23, item 3).
func TestLookAlikeAddressIsTheSameAccount(t *testing.T) {
	t.Parallel()
	b := setup(t)

	u, err := b.register("\u212Aate@example.com", "Mallory")
	require.NoError(t, err)
	require.Equal(t, "Kate@example.com", u.Email, "stored in the normal form, which mail is sent to")
	_, err = b.register("kate@example.com", "Kate")
	require.Equal(t, apperr.CodeConflict, apperr.CodeOf(err))
	// Full-width letters and the full-width @ fold the same way.
	_, err = b.register("ｋａｔｅ＠example.com", "Kate")
	require.Equal(t, apperr.CodeConflict, apperr.CodeOf(err))
}
