package signup

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

	"github.com/todoapp/resetmail/internal/delivery"
	"github.com/todoapp/resetmail/internal/linktoken"
	"github.com/todoapp/resetmail/internal/mail"
	"github.com/todoapp/resetmail/internal/mail/templates"
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
	Throttled = "throttled"
	// Suppressed is a request for an address on the suppression list: no
	// mail, and the API answered as for any address.
	Suppressed = "suppressed"
)

// Worker answers sign-up requests by mail: a verification link for an
// address without an account (FrontendURL/verify-email?token=…), and for
// one with an account a notice that someone tried to sign up with it,
// throttled like reset mails. It shares the reset mails' queue, send
// policy and key (package delivery).
type Worker struct {
	river.WorkerDefaults[Args]
	*delivery.Link
}

// NewWorker validates cfg.
func NewWorker(cfg delivery.LinkConfig) (*Worker, error) {
	l, err := delivery.NewLink(cfg)
	if err != nil {
		return nil, err
	}
	return &Worker{Link: l}, nil
}

// Work implements river.Worker. Like reset.SendResetWorker: one statement
// prepares, the mail goes out, one statement records it right after the
// server's 250.
func (w *Worker) Work(ctx context.Context, job *river.Job[Args]) error {
	kind := job.Kind
	id := job.Args.RequestID
	token := DeriveToken(w.Key, id)

	p, err := w.Queries.SignupPrepare(ctx, w.Prepare, dbsqlc.SignupPrepareParams{
		ID: id, TokenHash: linktoken.Hash(token), ThrottleSecs: w.ThrottleInterval.Seconds(),
	})
	if errors.Is(err, pgx.ErrNoRows) {
		w.Logger.InfoContext(ctx, "sign-up request no longer exists", slog.String("request_id", id.String()))
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
		w.Observer.EmailFailed(kind, delivery.ClassExpired)
		w.releaseSlot(ctx, p, id)
		if err := w.mark(ctx, id, "expired"); err != nil {
			return err
		}
		return river.JobCancel(ErrExpired)
	case p.Suppressed:
		w.Suppressed(ctx, kind)
		return w.mark(ctx, id, Suppressed)
	case p.Throttled:
		// Another request for this account, or this address, mailed within
		// the interval. The answer was the same 202 either way.
		return w.mark(ctx, id, Throttled)
	}

	// A new address gets the language it asked for; an account's owner
	// gets theirs first, not the one a stranger's request named.
	to, outcome := p.Email, Sent
	var rendered mail.Rendered
	if exists {
		to, outcome = *p.UserEmail, AccountExists
		rendered, err = w.Renderer.SignupExists(templates.SignupExistsData{
			Lang:       w.Renderer.Pick(deref(p.UserLocale), deref(p.Locale)),
			AppName:    w.AppName,
			SignInLink: w.FrontendURL + "/sign-in",
			ResetLink:  w.FrontendURL + "/forgot-password",
		})
	} else {
		rendered, err = w.Renderer.SignupVerify(templates.SignupVerifyData{
			Lang:      w.Renderer.Pick(deref(p.Locale)),
			AppName:   w.AppName,
			Link:      w.FrontendURL + "/verify-email?token=" + url.QueryEscape(token),
			ExpiresAt: p.ExpiresAt,
		})
	}
	if err != nil {
		return river.JobCancel(fmt.Errorf("render sign-up mail: %w", err))
	}
	sendCtx, cancel := context.WithDeadline(ctx, p.ExpiresAt)
	defer cancel()
	receipt, err := w.Send(sendCtx, kind, job.JobRow, delivery.IdempotencyKey("signup", id.String()), to, rendered)
	if err != nil {
		return w.SendFailed(ctx, sendCtx, kind, job.JobRow, err, ErrExpired, func(outcome string) {
			w.releaseSlot(ctx, p, id)
			_ = w.mark(ctx, id, outcome)
		})
	}
	provider, messageID := delivery.Recorded(receipt)
	if err := w.Queries.SignupMarkSent(context.WithoutCancel(ctx), w.MarkSent, dbsqlc.SignupMarkSentParams{
		ID: id, Outcome: outcome, Provider: provider, ProviderMessageID: messageID,
	}); err != nil {
		return fmt.Errorf("record sign-up mail as sent: %w", err)
	}
	return nil
}

// releaseSlot frees the slot request id reserved and will not use: the
// account's, or for an address without one, the address's.
func (w *Worker) releaseSlot(ctx context.Context, p dbsqlc.SignupPrepareRow, id uuid.UUID) {
	if p.UserID != nil {
		w.ReleaseSlot(ctx, delivery.SlotSignupExists, p.UserID, id)
		return
	}
	err := w.Queries.SignupAddressSlotRelease(context.WithoutCancel(ctx), w.Pool, dbsqlc.SignupAddressSlotReleaseParams{Email: p.Email, Holder: id})
	if err != nil {
		w.Logger.WarnContext(ctx, "could not release the address's mail slot", slog.String("request_id", id.String()), slog.Any("error", err))
	}
}

func (w *Worker) mark(ctx context.Context, id uuid.UUID, outcome string) error {
	if err := w.Queries.SignupMarkOutcome(ctx, w.Pool, dbsqlc.SignupMarkOutcomeParams{ID: id, Outcome: outcome}); err != nil {
		return fmt.Errorf("record sign-up outcome %s: %w", outcome, err)
	}
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
