// Package linktoken holds what every token a mailed link carries shares:
// its stored form (Hash) and the shape check (WellFormed) that refuses
// anything else before database work. Each kind of link derives its own
// token under its own context (reset.DeriveToken, signup.DeriveToken).
package linktoken

import (
	"crypto/sha256"
	"encoding/base64"
)

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
