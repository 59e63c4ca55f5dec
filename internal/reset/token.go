package reset

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"

	"github.com/google/uuid"
)

// tokenContext separates these HMACs from any other use of the same key.
const tokenContext = "todo-password-reset-v1:"

// signupTokenContext separates sign-up verification tokens from reset
// tokens: a request ID never yields the same token for both.
const signupTokenContext = "todo-signup-verify-v1:"

// tokenLen is the length of a token: 32 bytes in unpadded base64url.
const tokenLen = 43

// DeriveToken returns the reset token for a request: 256 bits of
// HMAC-SHA256(key, request ID), unpredictable without the key, and the same on
// every attempt so that a mail sent twice carries two working copies of one
// link.
func DeriveToken(key []byte, requestID uuid.UUID) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(tokenContext))
	mac.Write(requestID[:])
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// DeriveSignupToken returns the verification token of a sign-up request,
// built like DeriveToken but with its own context. (Each keeps its own body
// rather than sharing a helper, so that neither is inlined away and
// TestOnlyTheWorkerBinaryDerivesResetTokens can find them by symbol.)
func DeriveSignupToken(key []byte, requestID uuid.UUID) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(signupTokenContext))
	mac.Write(requestID[:])
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// HashToken is what the database stores and looks tokens up by. A leaked
// table therefore yields no usable link.
func HashToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// wellFormed rejects input that cannot be a token before any database work.
func wellFormed(token string) bool {
	if len(token) != tokenLen {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(token)
	return err == nil
}
