package signup

import (
	"context"
	"errors"
	"log/slog"
	"net/url"

	"github.com/google/uuid"

	"github.com/todoapp/resetmail/internal/delivery"
	"github.com/todoapp/resetmail/internal/mail"
	"github.com/todoapp/resetmail/internal/mail/templates"
	"github.com/todoapp/resetmail/internal/postgres"
	"github.com/todoapp/resetmail/internal/postgres/dbsqlc"
)

// ErrExpired is the cancellation reason for a sign-up request whose link
// expired before it could be delivered.
var ErrExpired = errors.New("sign-up request expired before delivery")

// Outcomes of a sign-up request, as pending_signups.outcome records them.
const (
	// Sent is a verification link mailed to a new address.
	Sent = "sent"
	// AccountExists is the notice mailed to an address that has an
	// account.
	AccountExists = "account_exists"
	// Throttled is a mail not sent because the account's slot (for the
	// notice) or the address's (for a verification link) was taken within
	// RESET_EMAIL_INTERVAL. Its request gets no working token.
	Throttled = delivery.OutcomeThrottled
	// Suppressed is a request for an address on the suppression list: no
	// mail, and the API answered as for any address.
	Suppressed = delivery.OutcomeSuppressed
)

// Worker answers sign-up requests by mail: a verification link for an
// address without an account (FrontendURL/verify-email?token=…), and for
// one with an account a notice that someone tried to sign up with it,
// throttled like reset mails. It shares the reset mails' queue, send
// policy, key and job skeleton (package delivery).
type Worker = delivery.LinkWorker[Args, dbsqlc.SignupPrepareRow, signupMail]

// NewWorker builds the sign-up mails' worker on cfg.
func NewWorker(cfg delivery.LinkConfig) *Worker {
	return delivery.NewLinkWorker[Args, dbsqlc.SignupPrepareRow, signupMail](cfg,
		delivery.LinkKind{Request: "sign-up", Idempotency: "signup", Expired: ErrExpired, Token: DeriveToken})
}

// signupMail is the sign-up request's own steps of delivery.SendLink.
type signupMail struct{ *delivery.Link }

// Load implements delivery.LinkMail with signup_prepare, which reserves the
// account's slot or, for an address without one, the address's.
func (m signupMail) Load(ctx context.Context, id uuid.UUID, tokenHash []byte) (dbsqlc.SignupPrepareRow, delivery.LinkState, error) {
	p, err := dbsqlc.New().SignupPrepare(ctx, m.Prepare, dbsqlc.SignupPrepareParams{ID: id, TokenHash: tokenHash, ThrottleSecs: m.ThrottleInterval.Seconds()})
	return p, delivery.LinkState{SentAt: p.SentAt, Outcome: p.Outcome, ExpiresAt: p.ExpiresAt, Suppressed: p.Suppressed, Throttled: p.Throttled}, err
}

// Skip implements delivery.LinkMail: a sign-up has no reason of its own to
// send nothing, and (Skipped) counts none apart from the mail outcomes.
func (signupMail) Skip(dbsqlc.SignupPrepareRow) string { return "" }

// Skipped implements delivery.LinkMail.
func (signupMail) Skipped(string) {}

// Render implements delivery.LinkMail. A new address gets the language it
// asked for; an account's owner gets theirs first, not the one a stranger's
// request named.
func (m signupMail) Render(_ Args, p dbsqlc.SignupPrepareRow, token string) (to, outcome string, rendered mail.Rendered, err error) {
	if p.UserID != nil {
		rendered, err = m.Renderer.SignupExists(templates.SignupExistsData{
			Lang:       m.Renderer.Pick(postgres.Text(p.UserLocale), postgres.Text(p.Locale)),
			AppName:    m.AppName,
			SignInLink: m.FrontendURL + "/sign-in",
			ResetLink:  m.FrontendURL + "/forgot-password",
		})
		return *p.UserEmail, AccountExists, rendered, err
	}
	rendered, err = m.Renderer.SignupVerify(templates.SignupVerifyData{
		Lang:      m.Renderer.Pick(postgres.Text(p.Locale)),
		AppName:   m.AppName,
		Link:      m.FrontendURL + "/verify-email?token=" + url.QueryEscape(token),
		ExpiresAt: p.ExpiresAt,
	})
	return p.Email, Sent, rendered, err
}

// Release implements delivery.LinkMail: it frees the slot request id
// reserved and will not use: the account's, or for an address without one,
// the address's.
func (m signupMail) Release(ctx context.Context, p dbsqlc.SignupPrepareRow, id uuid.UUID) {
	if p.UserID != nil {
		m.ReleaseSlot(ctx, delivery.SlotSignupExists, p.UserID, id)
		return
	}
	err := dbsqlc.New().SignupAddressSlotRelease(context.WithoutCancel(ctx), m.Pool, dbsqlc.SignupAddressSlotReleaseParams{Email: p.Email, Holder: id})
	if err != nil {
		m.Logger.WarnContext(ctx, "could not release the address's mail slot", slog.String("request_id", id.String()), slog.Any("error", err))
	}
}

// Mark implements delivery.LinkMail.
func (m signupMail) Mark(ctx context.Context, id uuid.UUID, outcome string) error {
	return dbsqlc.New().SignupMarkOutcome(ctx, m.Pool, dbsqlc.SignupMarkOutcomeParams{ID: id, Outcome: outcome})
}

// Sent implements delivery.LinkMail with signup_mark_sent, which records
// which of the two mails went out.
func (m signupMail) Sent(ctx context.Context, id uuid.UUID, outcome string, provider, messageID *string) error {
	return dbsqlc.New().SignupMarkSent(ctx, m.MarkSent, dbsqlc.SignupMarkSentParams{ID: id, Outcome: outcome, Provider: provider, ProviderMessageID: messageID})
}
