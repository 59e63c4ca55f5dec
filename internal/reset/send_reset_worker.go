package reset

import (
	"context"
	"errors"
	"net/url"

	"github.com/google/uuid"

	"github.com/todoapp/resetmail/internal/delivery"
	"github.com/todoapp/resetmail/internal/mail"
	"github.com/todoapp/resetmail/internal/mail/templates"
	"github.com/todoapp/resetmail/internal/postgres"
	"github.com/todoapp/resetmail/internal/postgres/dbsqlc"
)

// ErrExpired is the cancellation reason for a request whose link expired
// before it could be delivered: sending it then would only frustrate.
var ErrExpired = errors.New("reset request expired before delivery")

// SendResetWorker delivers reset mails; its links are
// FrontendURL/reset-password?token=….
type SendResetWorker = delivery.LinkWorker[SendResetArgs, dbsqlc.ResetPrepareRow, resetMail]

// NewSendResetWorker builds the reset mails' worker on cfg.
func NewSendResetWorker(cfg delivery.LinkConfig) *SendResetWorker {
	return delivery.NewLinkWorker[SendResetArgs, dbsqlc.ResetPrepareRow, resetMail](cfg,
		delivery.LinkKind{Request: "reset", Idempotency: "password-reset", Expired: ErrExpired, Token: DeriveToken})
}

// resetMail is the reset request's own steps of delivery.SendLink: its
// statements, its reasons to send nothing and its template.
type resetMail struct{ *delivery.Link }

// Load implements delivery.LinkMail with reset_prepare, which also resolves
// the account and says whether a password change superseded the request.
func (m resetMail) Load(ctx context.Context, id uuid.UUID, tokenHash []byte) (dbsqlc.ResetPrepareRow, delivery.LinkState, error) {
	p, err := dbsqlc.New().ResetPrepare(ctx, m.Prepare, dbsqlc.ResetPrepareParams{ID: id, TokenHash: tokenHash, ThrottleSecs: m.ThrottleInterval.Seconds()})
	return p, delivery.LinkState{SentAt: p.SentAt, Outcome: p.Outcome, ExpiresAt: p.ExpiresAt, Suppressed: p.Suppressed, Throttled: p.Throttled}, err
}

// Skip implements delivery.LinkMail: no account, or a password changed
// since the request, ends it without a mail, even once expired.
func (resetMail) Skip(p dbsqlc.ResetPrepareRow) string {
	switch {
	case p.UserID == nil:
		return SkipNoAccount
	case p.Superseded:
		return SkipSuperseded
	}
	return ""
}

// Skipped implements delivery.LinkMail: reset outcomes without a mail are
// counted by reason.
func (m resetMail) Skipped(outcome string) { m.Observer.ResetSkipped(outcome) }

// Render implements delivery.LinkMail. The mail goes to the account's
// address; reset_mark_sent records the outcome "sent" itself.
func (m resetMail) Render(args SendResetArgs, p dbsqlc.ResetPrepareRow, token string) (string, string, mail.Rendered, error) {
	rendered, err := m.Renderer.Reset(templates.ResetData{
		// The request's language, else the one stored at sign-up, else
		// DEFAULT_LOCALE.
		Lang:      m.Renderer.Pick(args.Locale, postgres.Text(p.UserLocale)),
		AppName:   m.AppName,
		Link:      m.FrontendURL + "/reset-password?token=" + url.QueryEscape(token),
		ExpiresAt: p.ExpiresAt,
	})
	return postgres.Text(p.UserEmail), "", rendered, err
}

// Release implements delivery.LinkMail: a reset holds its account's slot.
func (m resetMail) Release(ctx context.Context, p dbsqlc.ResetPrepareRow, id uuid.UUID) {
	m.ReleaseSlot(ctx, delivery.SlotReset, p.UserID, id)
}

// Mark implements delivery.LinkMail.
func (m resetMail) Mark(ctx context.Context, id uuid.UUID, outcome string) error {
	return dbsqlc.New().ResetMarkOutcome(ctx, m.Pool, dbsqlc.ResetMarkOutcomeParams{ID: id, Outcome: outcome})
}

// Sent implements delivery.LinkMail with reset_mark_sent.
func (m resetMail) Sent(ctx context.Context, id uuid.UUID, _ string, provider, messageID *string) error {
	return dbsqlc.New().ResetMarkSent(ctx, m.MarkSent, dbsqlc.ResetMarkSentParams{ID: id, Provider: provider, ProviderMessageID: messageID})
}
