package reset

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/todoapp/resetmail/internal/delivery"
	"github.com/todoapp/resetmail/internal/mail"
	"github.com/todoapp/resetmail/internal/mail/templates"
	"github.com/todoapp/resetmail/internal/postgres/dbsqlc"
)

// ErrExpired is the cancellation reason for a request whose link expired
// before it could be delivered: sending it then would only frustrate.
var ErrExpired = errors.New("reset request expired before delivery")

// SendResetWorker delivers reset mails; its links are
// FrontendURL/reset-password?token=….
type SendResetWorker struct {
	river.WorkerDefaults[SendResetArgs]
	*delivery.Link
}

// NewSendResetWorker validates cfg.
func NewSendResetWorker(cfg delivery.LinkConfig) (*SendResetWorker, error) {
	l, err := delivery.NewLink(cfg)
	if err != nil {
		return nil, err
	}
	return &SendResetWorker{Link: l}, nil
}

// Work implements river.Worker: delivery.SendLink's steps, with the reset
// request's own statements, reasons to send nothing and template (resetMail).
func (w *SendResetWorker) Work(ctx context.Context, job *river.Job[SendResetArgs]) error {
	kind := delivery.LinkKind{Request: "reset", Idempotency: "password-reset", Expired: ErrExpired}
	return delivery.SendLink(ctx, w.Link, (*resetMail)(w), kind, job, job.Args.RequestID)
}

// resetMail is SendResetWorker seen as delivery.LinkMail's steps, kept off
// the worker's own method set.
type resetMail SendResetWorker

// Token implements delivery.LinkMail.
func (m *resetMail) Token(id uuid.UUID) string { return DeriveToken(m.Key, id) }

// Load implements delivery.LinkMail with reset_prepare, which also resolves
// the account and says whether a password change superseded the request.
func (m *resetMail) Load(ctx context.Context, id uuid.UUID, tokenHash []byte) (dbsqlc.ResetPrepareRow, delivery.LinkState, error) {
	p, err := m.Queries.ResetPrepare(ctx, m.Link.Prepare, dbsqlc.ResetPrepareParams{
		ID: id, TokenHash: tokenHash, ThrottleSecs: m.ThrottleInterval.Seconds(),
	})
	if err != nil {
		return p, delivery.LinkState{}, fmt.Errorf("load reset request: %w", err)
	}
	return p, delivery.LinkState{
		Settled:   p.SentAt != nil || p.Outcome != "pending",
		ExpiresAt: p.ExpiresAt, Suppressed: p.Suppressed, Throttled: p.Throttled,
	}, nil
}

// Skip implements delivery.LinkMail: no account, or a password changed
// since the request, ends it without a mail, even once expired.
func (*resetMail) Skip(p dbsqlc.ResetPrepareRow) string {
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
func (m *resetMail) Skipped(outcome string) { m.Observer.ResetSkipped(outcome) }

// Render implements delivery.LinkMail.
func (m *resetMail) Render(args SendResetArgs, p dbsqlc.ResetPrepareRow, token string) (string, string, mail.Rendered, error) {
	rendered, err := m.Renderer.Reset(templates.ResetData{
		// The request's language, else the one stored at sign-up, else
		// DEFAULT_LOCALE.
		Lang:      m.Renderer.Pick(args.Locale, deref(p.UserLocale)),
		AppName:   m.AppName,
		Link:      m.FrontendURL + "/reset-password?token=" + url.QueryEscape(token),
		ExpiresAt: p.ExpiresAt,
	})
	if err != nil {
		return "", "", rendered, fmt.Errorf("render reset mail: %w", err)
	}
	// reset_mark_sent records the outcome "sent" itself.
	return deref(p.UserEmail), "", rendered, nil
}

// Release implements delivery.LinkMail: a reset holds its account's slot.
func (m *resetMail) Release(ctx context.Context, p dbsqlc.ResetPrepareRow, id uuid.UUID) {
	m.ReleaseSlot(ctx, delivery.SlotReset, p.UserID, id)
}

// Mark implements delivery.LinkMail.
func (m *resetMail) Mark(ctx context.Context, id uuid.UUID, outcome string) error {
	if err := m.Queries.ResetMarkOutcome(ctx, m.Pool, dbsqlc.ResetMarkOutcomeParams{ID: id, Outcome: outcome}); err != nil {
		return fmt.Errorf("record reset outcome %s: %w", outcome, err)
	}
	return nil
}

// Sent implements delivery.LinkMail with reset_mark_sent.
func (m *resetMail) Sent(ctx context.Context, id uuid.UUID, _ string, provider, messageID *string) error {
	if err := m.Queries.ResetMarkSent(ctx, m.MarkSent, dbsqlc.ResetMarkSentParams{
		ID: id, Provider: provider, ProviderMessageID: messageID,
	}); err != nil {
		return fmt.Errorf("record reset mail as sent: %w", err)
	}
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
