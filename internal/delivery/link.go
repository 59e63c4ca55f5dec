package delivery

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

// LinkConfig configures a Link: the delivery, and what a mail carrying a
// link adds to it. config.LoadWorker checks the settings, with every other
// one, before anything is built from them.
type LinkConfig struct {
	*Delivery

	// Key is RESET_TOKEN_KEY, from which each kind of link derives its
	// tokens; config requires at least 32 bytes.
	Key []byte
	// FrontendURL is FRONTEND_URL; links point into it. They are built
	// from configuration only, never from a request; config requires it.
	FrontendURL string
	// ThrottleInterval is RESET_EMAIL_INTERVAL: at most one mail of a kind
	// per account per interval, through the account's mail slot. Zero turns
	// throttling off.
	ThrottleInterval time.Duration
}

// Link is what the workers that mail a link (reset.SendResetWorker and
// signup.Worker) share: the delivery, the key their tokens derive from,
// the front end their links point to, the per-account mail slot, and a
// Coalescer for each of their two hot statements.
type Link struct {
	*Delivery
	Key              []byte
	FrontendURL      string
	ThrottleInterval time.Duration
	// Prepare and MarkSent share round trips and commits between
	// concurrent jobs; see postgres.Coalescer. Each worker has its own.
	Prepare  *postgres.Coalescer
	MarkSent *postgres.Coalescer
}

// NewLink gives cfg its own Coalescers.
func NewLink(cfg LinkConfig) *Link {
	return &Link{
		Delivery: cfg.Delivery, Key: cfg.Key, FrontendURL: cfg.FrontendURL, ThrottleInterval: cfg.ThrottleInterval,
		Prepare:  postgres.NewCoalescer(cfg.Pool),
		MarkSent: postgres.NewCoalescer(cfg.Pool),
	}
}

// SendFailed decides what a failed send of a request's mail means, and
// returns the error for River. When sendCtx, bounded by the link's expiry,
// ran out first, the request expired: settle("expired") and cancel the job
// with expired. When River will not run the job again, settle("failed").
// A snoozed job will run again without using an attempt, even on its last
// one, so it has not failed. settle frees the request's mail slot and
// records the outcome.
func (l *Link) SendFailed(ctx, sendCtx context.Context, kind string, job *rivertype.JobRow, err, expired error, settle func(outcome string)) error {
	if errors.Is(sendCtx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
		l.Observer.EmailFailed(kind, ClassExpired)
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
	SlotReset        = "reset"
	SlotSignupExists = "signup_exists"
)

// ReleaseSlot frees the mail slot of kind that request id reserved for a
// mail that will never go out, so that the account's next request is not
// throttled by it. A request without an account (userID nil) holds none.
// On error the slot simply lapses after the throttle interval.
func (l *Link) ReleaseSlot(ctx context.Context, kind string, userID *int64, id uuid.UUID) {
	if userID == nil {
		return
	}
	err := dbsqlc.New().MailSlotRelease(context.WithoutCancel(ctx), l.Pool, dbsqlc.MailSlotReleaseParams{UserID: *userID, Kind: kind, Holder: id})
	if err != nil {
		l.Logger.WarnContext(ctx, "could not release the mail slot", slog.String("kind", kind), slog.String("request_id", id.String()), slog.Any("error", err))
	}
}
