package auth

import "github.com/todoapp/resetmail/internal/mail/addr"

// MaxEmailBytes is the longest address accepted (addr.MaxBytes).
const MaxEmailBytes = addr.MaxBytes

// The errors NormalizeEmail returns, those of package addr. Their text
// completes the sentence "email …", so handlers can put it straight into a
// field error.
var (
	ErrEmailRequired = addr.ErrRequired
	ErrEmailTooLong  = addr.ErrTooLong
	ErrEmailInvalid  = addr.ErrInvalid
)

// NormalizeEmail is addr.Normalize: NFKC, trimmed, lower-cased domain, after checking it
// with the product's one address rule (addr.Parse), which the mail worker
// applies too. Uniqueness is case-insensitive anyway, through the index on
// lower(email).
func NormalizeEmail(s string) (string, error) { return addr.Normalize(s) }
