package reset

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/todoapp/resetmail/internal/mail"
	"github.com/todoapp/resetmail/internal/postgres/dbsqlc"
)

// ErrSignupExpired is the cancellation reason for a sign-up request whose
// link expired before it could be delivered.
var ErrSignupExpired = errors.New("sign-up request expired before delivery")

// Outcomes of a sign-up request, as pending_signups.outcome records them.
const (
	// SignupSent is a verification link mailed to a new address.
	SignupSent = "sent"
	// SignupAccountExists is the notice mailed to an address that has an
	// account.
	SignupAccountExists = "account_exists"
)

// SendSignupWorker answers sign-up requests by mail: a verification link
// for an address without an account, and for one with an account a notice
// that someone tried to sign up with it, throttled like reset mails. It
// shares the reset mails' queue, transport and key.
type SendSignupWorker struct {
	river.WorkerDefaults[SendSignupArgs]
	linkMail
}

// NewSendSignupWorker validates cfg; it takes the reset worker's
// configuration because every field means the same.
func NewSendSignupWorker(cfg SendResetConfig) (*SendSignupWorker, error) {
	l, err := newLinkMail(cfg)
	if err != nil {
		return nil, err
	}
	return &SendSignupWorker{linkMail: l}, nil
}

// Work implements river.Worker. Like SendResetWorker: one statement
// prepares, the mail goes out, one statement records it right after the
// server's 250.
func (w *SendSignupWorker) Work(ctx context.Context, job *river.Job[SendSignupArgs]) error {
	kind := job.Kind
	id := job.Args.RequestID
	token := DeriveSignupToken(w.key, id)

	p, err := w.d.queries.SignupPrepare(ctx, w.prepare, dbsqlc.SignupPrepareParams{
		ID: id, TokenHash: HashToken(token), ThrottleSecs: w.throttleInterval.Seconds(),
	})
	if errors.Is(err, pgx.ErrNoRows) {
		w.d.Logger.InfoContext(ctx, "sign-up request no longer exists", slog.String("request_id", id.String()))
		return nil
	}
	if err != nil {
		return fmt.Errorf("load sign-up request: %w", err)
	}

	exists := p.UserID != nil
	switch {
	case p.SentAt != nil || p.Outcome != "pending":
		return nil
	case !time.Now().Before(p.ExpiresAt):
		w.d.Observer.EmailFailed(kind, ClassExpired)
		w.releaseSlot(ctx, slotSignupExists, p.UserID, id)
		if err := w.mark(ctx, id, "expired"); err != nil {
			return err
		}
		return river.JobCancel(ErrSignupExpired)
	case exists && p.Throttled:
		return w.mark(ctx, id, SkipThrottled)
	}

	// A new address gets the language it asked for; an account's owner
	// gets theirs first, not the one a stranger's request named.
	to, outcome := p.Email, SignupSent
	var rendered mail.Rendered
	if exists {
		to, outcome = *p.UserEmail, SignupAccountExists
		rendered, err = w.d.Renderer.SignupExists(mail.SignupExistsData{
			Lang:       w.d.Renderer.Pick(deref(p.UserLocale), deref(p.Locale)),
			AppName:    w.d.AppName,
			SignInLink: w.frontendURL + "/sign-in",
			ResetLink:  w.frontendURL + "/forgot-password",
		})
	} else {
		rendered, err = w.d.Renderer.SignupVerify(mail.SignupVerifyData{
			Lang:      w.d.Renderer.Pick(deref(p.Locale)),
			AppName:   w.d.AppName,
			Link:      w.frontendURL + "/verify-email?token=" + url.QueryEscape(token),
			ExpiresAt: p.ExpiresAt,
		})
	}
	if err != nil {
		return river.JobCancel(fmt.Errorf("render sign-up mail: %w", err))
	}
	sendCtx, cancel := context.WithDeadline(ctx, p.ExpiresAt)
	defer cancel()
	if err := w.d.send(sendCtx, kind, job.JobRow, idempotencyKey("signup", id.String()), to, rendered); err != nil {
		return w.sendFailed(ctx, sendCtx, kind, job.JobRow, err, ErrSignupExpired, func(outcome string) {
			w.releaseSlot(ctx, slotSignupExists, p.UserID, id)
			_ = w.mark(ctx, id, outcome)
		})
	}
	if err := w.d.queries.SignupMarkSent(context.WithoutCancel(ctx), w.markSent, dbsqlc.SignupMarkSentParams{ID: id, Outcome: outcome}); err != nil {
		return fmt.Errorf("record sign-up mail as sent: %w", err)
	}
	return nil
}

func (w *SendSignupWorker) mark(ctx context.Context, id uuid.UUID, outcome string) error {
	if err := w.d.queries.SignupMarkOutcome(ctx, w.d.Pool, dbsqlc.SignupMarkOutcomeParams{ID: id, Outcome: outcome}); err != nil {
		return fmt.Errorf("record sign-up outcome %s: %w", outcome, err)
	}
	return nil
}
