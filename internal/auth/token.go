package auth

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// MaxTokenBytes bounds the tokens Authenticate will parse. Ours are about
// 200 bytes; refusing far longer input keeps a hostile header from costing
// base64 and JSON work.
const MaxTokenBytes = 2048

// signingAlg is the only algorithm issued and the only one accepted. Pinning
// it on verification stops "alg":"none" and key-confusion attacks that
// present an RS256 or other header.
const signingAlg = "HS256"

// claims are an access token's payload: sub (the user ID as a string), iat,
// exp, and ver, the user's token_version when the token was issued.
type claims struct {
	jwt.RegisteredClaims
	Version int `json:"ver"`
}

// AccessToken is a signed JWT and its lifetime.
type AccessToken struct {
	// Token is the compact JWT to send as "Authorization: Bearer <Token>".
	Token string
	// ExpiresIn is how long the token is valid from now.
	ExpiresIn time.Duration
}

// issue signs a token for user id at token version ver.
func (s *Service) issue(id int64, ver int) (AccessToken, error) {
	now := s.now()
	c := claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:   strconv.FormatInt(id, 10),
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(s.ttl)),
		},
		Version: ver,
	}
	signed, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(s.secret)
	if err != nil {
		return AccessToken{}, fmt.Errorf("sign access token: %w", err)
	}
	return AccessToken{Token: signed, ExpiresIn: s.ttl}, nil
}

// errBadToken is any reason a token is not acceptable. The reasons are not
// told apart to clients: each gets the same 401.
var errBadToken = errors.New("invalid access token")

// parse verifies raw's signature, algorithm and expiry and returns the user
// ID and token version it carries. It does not consult the database.
func (s *Service) parse(raw string) (id int64, ver int, err error) {
	if raw == "" || len(raw) > MaxTokenBytes {
		return 0, 0, errBadToken
	}
	var c claims
	_, err = jwt.ParseWithClaims(raw, &c,
		func(*jwt.Token) (any, error) { return s.secret, nil },
		jwt.WithValidMethods([]string{signingAlg}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(s.now),
	)
	if err != nil {
		return 0, 0, fmt.Errorf("%w: %w", errBadToken, err)
	}
	id, err = strconv.ParseInt(c.Subject, 10, 64)
	if err != nil || id <= 0 || c.Version < 1 {
		return 0, 0, errBadToken
	}
	return id, c.Version, nil
}

// NewAccessToken signs in u, an account just created: by register with
// SIGNUP_VERIFICATION=off, or by verify-email.
func (s *Service) NewAccessToken(u User) (AccessToken, error) {
	return s.issue(u.ID, u.TokenVersion)
}
