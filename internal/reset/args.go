package reset

import (
	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/todoapp/resetmail/internal/delivery"
)

// SendResetArgs is the job that delivers one reset mail. It holds no secret:
// the dashboard shows args to on-call, so it carries only the request ID and
// a masked address. The token is derived from the ID at send time.
type SendResetArgs struct {
	// RequestID identifies the password_reset_requests row.
	RequestID uuid.UUID `json:"request_id"`
	// EmailMasked is the address as on-call may see it: j***@example.com.
	EmailMasked string `json:"email_masked"`
	// Locale is the request's language preference (see package locale):
	// the body's locale field, then its Accept-Language, as BCP 47 tags
	// such as "de-DE,de". A language is not secret, and on-call sees here
	// which one the user asked for. Empty falls back to the account's stored
	// locale, then DEFAULT_LOCALE.
	Locale string `json:"locale,omitempty"`
}

// Kind implements river.JobArgs.
func (SendResetArgs) Kind() string { return "password_reset_email" }

// InsertOpts implements river.JobArgsWithInsertOpts. MaxAttempts is set by
// the enqueuer from EMAIL_MAX_ATTEMPTS.
func (SendResetArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: delivery.QueueEmail}
}

// PasswordChangedArgs is the job that tells a user their password changed.
type PasswordChangedArgs struct {
	// UserID is the account whose password changed.
	UserID int64 `json:"user_id"`
	// EmailMasked is the address as on-call may see it.
	EmailMasked string `json:"email_masked"`
	// Locale is the language preference of the reset-password request
	// (its Accept-Language), as in SendResetArgs.
	Locale string `json:"locale,omitempty"`
}

// Kind implements river.JobArgs.
func (PasswordChangedArgs) Kind() string { return "password_changed_email" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (PasswordChangedArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: delivery.QueueEmail}
}

// Outcomes of a reset request that ends without a mail.
const (
	// SkipNoAccount is a request for an address with no account.
	SkipNoAccount = "no_account"
	// SkipThrottled is a request that found the user's send slot taken by
	// another request within RESET_EMAIL_INTERVAL.
	SkipThrottled = delivery.OutcomeThrottled
	// SkipSuperseded is a request made before the account's password last
	// changed: it never sends, and its token never works.
	SkipSuperseded = "superseded"
	// SkipSuppressed is a request for an address on the suppression list
	// (a hard bounce, a complaint, SMTP 5.1.1/5.1.10, an operator): no mail,
	// and the API answered as for any address.
	SkipSuppressed = delivery.OutcomeSuppressed
	// SkipAlreadySent is a retried job whose mail already went out.
	SkipAlreadySent = delivery.OutcomeAlreadySent
)

// Request implements delivery.LinkArgs.
func (a SendResetArgs) Request() uuid.UUID { return a.RequestID }
