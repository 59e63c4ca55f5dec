package reset

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"

	"github.com/google/uuid"
)

// tokenContext separates these HMACs from any other use of the same key
// (signup.DeriveToken has its own).
const tokenContext = "todo-password-reset-v1:"

// DeriveToken returns the reset token for a request: 256 bits of
// HMAC-SHA256(key, request ID), unpredictable without the key, and the same on
// every attempt so that a mail sent twice carries two working copies of one
// link. The database stores linktoken.Hash of it. (signup.DeriveToken keeps
// its own body rather than sharing a helper, so that neither is inlined
// away and TestOnlyTheWorkerBinaryDerivesResetTokens can find both by
// symbol.)
func DeriveToken(key []byte, requestID uuid.UUID) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(tokenContext))
	mac.Write(requestID[:])
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}
