package signup

import (
	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/todoapp/resetmail/internal/delivery"
)

// Args is the job that answers one sign-up request by mail: a
// verification link for a new address, a notice for one that has an
// account. Both are one kind, so that neither the dashboard's list nor the
// metrics say which. Like reset.SendResetArgs it holds no secret: no
// password, no hash, no token.
type Args struct {
	// RequestID identifies the pending_signups row.
	RequestID uuid.UUID `json:"request_id"`
	// EmailMasked is the address as on-call may see it.
	EmailMasked string `json:"email_masked"`
}

// Kind implements river.JobArgs.
func (Args) Kind() string { return "signup_email" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (Args) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: delivery.QueueEmail}
}

// Request implements delivery.LinkArgs.
func (a Args) Request() uuid.UUID { return a.RequestID }
