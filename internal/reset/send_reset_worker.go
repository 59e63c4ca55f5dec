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

	"github.com/todoapp/resetmail/internal/delivery"
	"github.com/todoapp/resetmail/internal/linktoken"
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

// Work implements river.Worker. One statement loads and prepares the
// request, the mail goes out, and one statement records it as sent, right
// after the server's 250, so that a retried or rescued job does not send
// again.
func (w *SendResetWorker) Work(ctx context.Context, job *river.Job[SendResetArgs]) error {
	kind := job.Kind
	id := job.Args.RequestID
	token := DeriveToken(w.Key, id)

	p, err := w.Queries.ResetPrepare(ctx, w.Prepare, dbsqlc.ResetPrepareParams{
		ID: id, TokenHash: linktoken.Hash(token), ThrottleSecs: w.ThrottleInterval.Seconds(),
	})
	if errors.Is(err, pgx.ErrNoRows) {
		// The cleanup job deleted it: nothing left to deliver.
		w.Logger.InfoContext(ctx, "reset request no longer exists", slog.String("request_id", id.String()))
		return nil
	}
	if err != nil {
		return fmt.Errorf("load reset request: %w", err)
	}

	switch {
	case p.SentAt != nil || p.Outcome != "pending":
		w.Observer.ResetSkipped(SkipAlreadySent)
		return nil
	case p.UserID == nil:
		return w.finish(ctx, id, SkipNoAccount)
	case p.Superseded:
		return w.finish(ctx, id, SkipSuperseded)
	case !time.Now().Before(p.ExpiresAt):
		w.Observer.EmailFailed(kind, delivery.ClassExpired)
		w.ReleaseSlot(ctx, delivery.SlotReset, p.UserID, id)
		if err := w.mark(ctx, id, "expired"); err != nil {
			return err
		}
		return river.JobCancel(ErrExpired)
	case p.Suppressed:
		// Checked before the slot: a suppressed address takes none.
		w.Suppressed(ctx, kind)
		return w.finish(ctx, id, SkipSuppressed)
	case p.Throttled:
		return w.finish(ctx, id, SkipThrottled)
	}
	// From here on this request holds the account's send slot.

	rendered, err := w.Renderer.Reset(templates.ResetData{
		// The request's language, else the one stored at sign-up, else
		// DEFAULT_LOCALE.
		Lang:      w.Renderer.Pick(job.Args.Locale, deref(p.UserLocale)),
		AppName:   w.AppName,
		Link:      w.link(token),
		ExpiresAt: p.ExpiresAt,
	})
	if err != nil {
		return river.JobCancel(fmt.Errorf("render reset mail: %w", err))
	}
	// Never send after expiry, even if the send itself is slow to start.
	sendCtx, cancel := context.WithDeadline(ctx, p.ExpiresAt)
	defer cancel()
	receipt, err := w.Send(sendCtx, kind, job.JobRow, delivery.IdempotencyKey("password-reset", id.String()), deref(p.UserEmail), rendered)
	if err != nil {
		return w.SendFailed(ctx, sendCtx, kind, job.JobRow, err, ErrExpired, func(outcome string) {
			w.ReleaseSlot(ctx, delivery.SlotReset, p.UserID, id)
			_ = w.mark(ctx, id, outcome)
		})
	}
	// The mail is out. Recording it must not be lost to the job's own
	// context running out just after the 250. The provider's message ID
	// goes with it: the provider's delivery events name the mail by it.
	provider, messageID := delivery.Recorded(receipt)
	if err := w.Queries.ResetMarkSent(context.WithoutCancel(ctx), w.MarkSent, dbsqlc.ResetMarkSentParams{
		ID: id, Provider: provider, ProviderMessageID: messageID,
	}); err != nil {
		return fmt.Errorf("record reset mail as sent: %w", err)
	}
	return nil
}

// finish records an outcome that needs no mail and completes the job.
func (w *SendResetWorker) finish(ctx context.Context, id uuid.UUID, outcome string) error {
	w.Observer.ResetSkipped(outcome)
	return w.mark(ctx, id, outcome)
}

func (w *SendResetWorker) mark(ctx context.Context, id uuid.UUID, outcome string) error {
	if err := w.Queries.ResetMarkOutcome(ctx, w.Pool, dbsqlc.ResetMarkOutcomeParams{ID: id, Outcome: outcome}); err != nil {
		return fmt.Errorf("record reset outcome %s: %w", outcome, err)
	}
	return nil
}

func (w *SendResetWorker) link(token string) string {
	return w.FrontendURL + "/reset-password?token=" + url.QueryEscape(token)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
