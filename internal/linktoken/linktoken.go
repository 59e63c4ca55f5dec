// Package linktoken holds what every token a mailed link carries shares:
// its derivation (Derive), its stored form (Hash) and the shape check
// (WellFormed) that refuses anything else before database work. Each kind
// of link derives its tokens under its own context (reset.DeriveToken,
// signup.DeriveToken).
package linktoken

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Derive returns the token of a request: 256 bits of HMAC-SHA256(key,
// context ‖ request ID), unpredictable without the key, and the same on
// every attempt so that a mail sent twice carries two working copies of one
// link. The database stores Hash of it. context separates the kinds of link
// that derive from the same key: a request ID never yields the same token
// for two kinds. Only the worker calls it (through the kinds' DeriveToken):
// TestOnlyTheWorkerBinaryDerivesResetTokens finds it by this symbol.
func Derive(key []byte, context string, requestID uuid.UUID) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(context))
	mac.Write(requestID[:])
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// Len is the length of a token: 32 bytes of HMAC-SHA256 in unpadded
// base64url.
const Len = 43

// Hash is what the database stores and looks tokens up by. A leaked table
// therefore yields no usable link.
func Hash(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// WellFormed rejects input that cannot be a token before any database work.
func WellFormed(token string) bool {
	if len(token) != Len {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(token)
	return err == nil
}

// Expiry says until when token works, spending nothing. lookup is the
// kind's statement that finds the open request whose token has this Hash,
// and its expiry; pgx.ErrNoRows is none. A malformed token (refused before
// any database work) and one no open request has are both invalid(), so
// that a caller learns nothing about which; any other failure is wrapped
// with what.
func Expiry(ctx context.Context, token string, lookup func(ctx context.Context, hash []byte) (time.Time, error), invalid func() error, what string) (time.Time, error) {
	if !WellFormed(token) {
		return time.Time{}, invalid()
	}
	expiresAt, err := lookup(ctx, Hash(token))
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, invalid()
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("%s: %w", what, err)
	}
	return expiresAt, nil
}
