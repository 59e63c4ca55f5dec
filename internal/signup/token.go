package signup

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"

	"github.com/google/uuid"
)

// tokenContext separates sign-up verification tokens from reset tokens,
// which derive from the same key: a request ID never yields the same token
// for both.
const tokenContext = "todo-signup-verify-v1:"

// DeriveToken returns the verification token of a sign-up request, built
// like reset.DeriveToken but with its own context. (Each keeps its own
// body rather than sharing a helper, so that neither is inlined away and
// TestOnlyTheWorkerBinaryDerivesResetTokens can find both by symbol.)
func DeriveToken(key []byte, requestID uuid.UUID) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(tokenContext))
	mac.Write(requestID[:])
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}
