package signup

import (
	"github.com/google/uuid"

	"github.com/todoapp/resetmail/internal/linktoken"
)

// tokenContext separates sign-up verification tokens from reset tokens,
// which derive from the same key: a request ID never yields the same token
// for both.
const tokenContext = "todo-signup-verify-v1:"

// DeriveToken returns the verification token of a sign-up request
// (linktoken.Derive under the sign-up context).
func DeriveToken(key []byte, requestID uuid.UUID) string {
	return linktoken.Derive(key, tokenContext, requestID)
}
