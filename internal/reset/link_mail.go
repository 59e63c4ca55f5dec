package reset

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/todoapp/resetmail/internal/postgres"
	"github.com/todoapp/resetmail/internal/postgres/dbsqlc"
)

// linkMail is what the two workers that mail a link (SendResetWorker and
// SendSignupWorker) share: the delivery, the key their tokens derive from,
// the front end their links point to, the per-account throttle, and a
// Coalescer for each of their two hot statements.
type linkMail struct {
	d                *delivery
	key              []byte
	frontendURL      string
	throttleInterval time.Duration
	// prepare and markSent share round trips and commits between
	// concurrent jobs; see postgres.Coalescer.
	prepare  *postgres.Coalescer
	markSent *postgres.Coalescer
}

// newLinkMail validates cfg.
func newLinkMail(cfg SendResetConfig) (linkMail, error) {
	d, err := newDelivery(cfg.DeliveryConfig)
	if err != nil {
		return linkMail{}, err
	}
	if len(cfg.Key) < 32 {
		return linkMail{}, errors.New("reset: Key must be at least 32 bytes")
	}
	if cfg.FrontendURL == "" {
		return linkMail{}, errors.New("reset: FrontendURL is required")
	}
	return linkMail{
		d: d, key: cfg.Key, frontendURL: cfg.FrontendURL, throttleInterval: cfg.ThrottleInterval,
		prepare:  postgres.NewCoalescer(d.Pool),
		markSent: postgres.NewCoalescer(d.Pool),
	}, nil
}

// sendFailed decides what a failed send of a request's mail means, and
// returns the error for River. When sendCtx, bounded by the link's expiry,
// ran out first, the request expired: settle("expired") and cancel the job
// with expired. When River will not run the job again, settle("failed").
// A snoozed job will run again without using an attempt, even on its last
// one, so it has not failed. settle frees the request's send slot and
// records the outcome.
func (l *linkMail) sendFailed(ctx, sendCtx context.Context, kind string, job *rivertype.JobRow, err, expired error, settle func(outcome string)) error {
	if errors.Is(sendCtx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
		l.d.Observer.EmailFailed(kind, ClassExpired)
		settle("expired")
		return river.JobCancel(expired)
	}
	if isFinal(err) || (job.Attempt >= job.MaxAttempts && !isSnooze(err)) {
		settle("failed")
	}
	return err
}

// The kinds of mail_slots, one per kind of mail the flood limit covers.
const (
	slotReset        = "reset"
	slotSignupExists = "signup_exists"
)

// releaseSlot frees the send slot of kind that request id reserved for a
// mail that will never go out, so that the account's next request is not
// throttled by it. A request without an account (userID nil) holds none.
// On error the slot simply lapses after the throttle interval.
func (l *linkMail) releaseSlot(ctx context.Context, kind string, userID *int64, id uuid.UUID) {
	if userID == nil {
		return
	}
	err := l.d.queries.MailSlotRelease(context.WithoutCancel(ctx), l.d.Pool, dbsqlc.MailSlotReleaseParams{UserID: *userID, Kind: kind, Holder: id})
	if err != nil {
		l.d.Logger.WarnContext(ctx, "could not release the mail slot", slog.String("kind", kind), slog.String("request_id", id.String()), slog.Any("error", err))
	}
}
