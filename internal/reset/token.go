package reset

import (
	"github.com/google/uuid"

	"github.com/todoapp/resetmail/internal/linktoken"
)

// tokenContext separates these HMACs from any other use of the same key
// (signup.DeriveToken has its own).
const tokenContext = "todo-password-reset-v1:"

// DeriveToken returns the reset token for a request (linktoken.Derive under
// the reset context). The database stores linktoken.Hash of it.
func DeriveToken(key []byte, requestID uuid.UUID) string {
	return linktoken.Derive(key, tokenContext, requestID)
}
