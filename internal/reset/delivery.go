package reset

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/todoapp/resetmail/internal/mail"
	"github.com/todoapp/resetmail/internal/redact"
	appsql "github.com/todoapp/resetmail/sql"
)

// Mailer delivers one composed message; *mail.Sender implements it.
type Mailer interface {
	Send(ctx context.Context, envelopeFrom, to string, msg []byte) error
}

// DeliveryConfig holds what both email workers need.
type DeliveryConfig struct {
	// Pool is the database. Required.
	Pool *pgxpool.Pool
	// Queries are the named statements. Required.
	Queries *appsql.Queries
	// Mailer sends composed messages. Required.
	Mailer Mailer
	// Renderer renders the templates. Required.
	Renderer *mail.Renderer
	// From is SMTP_FROM, bare or with a display name. Required.
	From string
	// AppName appears in subjects and bodies. Defaults to "Todo".
	AppName string
	// Observer hears outcomes. Defaults to NopObserver.
	Observer Observer
	// Logger receives one line per outcome. Defaults to discarding.
	Logger *slog.Logger
	// UnreachableRetry is how soon a mail is tried again when the SMTP
	// server cannot be reached at all. Defaults to 5s. See send.
	UnreachableRetry time.Duration
}

// delivery is the validated DeliveryConfig plus what is derived from it
// once, such as the envelope sender.
type delivery struct {
	DeliveryConfig
	envelopeFrom string
}

func newDelivery(cfg DeliveryConfig) (*delivery, error) {
	if cfg.Pool == nil || cfg.Queries == nil || cfg.Mailer == nil || cfg.Renderer == nil {
		return nil, errors.New("reset: Pool, Queries, Mailer and Renderer are required")
	}
	envelopeFrom, err := mail.EnvelopeAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("reset: SMTP_FROM: %w", err)
	}
	if cfg.AppName == "" {
		cfg.AppName = "Todo"
	}
	if cfg.Observer == nil {
		cfg.Observer = NopObserver{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.UnreachableRetry <= 0 {
		cfg.UnreachableRetry = defaultUnreachableRetry
	}
	return &delivery{DeliveryConfig: cfg, envelopeFrom: envelopeFrom}, nil
}

// send composes and sends one rendered mail, and turns a failure into what
// River should do with the job: a permanent SMTP answer cancels it at once,
// a transient one on the last attempt says it gave up, any other transient
// one is retried. Every error names the SMTP code and text or the network
// error, with the recipient masked, so that on-call can read it in the
// dashboard.
//
// A server that cannot be reached at all is the exception. The job is
// snoozed for UnreachableRetry instead: that costs no attempt, so an outage
// of any length up to the link's expiry loses nothing, and the mail goes
// out within about UnreachableRetry (plus the sender's dial backoff) of the
// server coming back. The exponential backoff would instead grow with the
// outage: the fault drill measured mails arriving up to 75 s after a 60 s
// outage ended. After unreachableFor, normal attempts resume, so that a
// notice for a server that never comes back is eventually discarded.
func (d *delivery) send(ctx context.Context, kind string, row *rivertype.JobRow, to string, r mail.Rendered) error {
	// To carries the bare address: the account's display name is text a
	// stranger may have chosen, and security mail carries none.
	msg, err := mail.Compose(mail.NewMessage(d.From, to, r))
	if err != nil {
		d.Observer.EmailFailed(kind, ClassPermanent)
		return river.JobCancel(fmt.Errorf("cannot compose mail to %s: %w", redact.Email(to), err))
	}
	start := time.Now()
	err = d.Mailer.Send(ctx, d.envelopeFrom, to, msg)
	if err == nil {
		d.Observer.EmailSent(kind, time.Since(start), time.Since(row.CreatedAt))
		if bytes.Contains(row.Metadata, []byte(`"snoozes"`)) {
			// Replace the "still retrying" note a snooze left behind.
			_ = river.RecordOutput(ctx, waitingOutput{Status: "sent after the provider came back", At: time.Now().UTC()})
		}
		return nil
	}
	switch {
	case mail.IsPermanent(err) && isSetupStage(err):
		d.Observer.EmailFailed(kind, ClassPermanent)
		return river.JobCancel(fmt.Errorf("SMTP configuration problem, not retrying (check SMTP_* settings with `worker check-smtp`): %w", err))
	case mail.IsPermanent(err):
		d.Observer.EmailFailed(kind, ClassPermanent)
		return river.JobCancel(fmt.Errorf("provider rejected the message, not retrying: %w", err))
	case unreachable(err) && time.Since(row.CreatedAt) < unreachableFor:
		d.Observer.EmailFailed(kind, ClassTransient)
		// A snooze records no error, so say why in the job's output, which
		// the dashboard shows under Metadata: on-call must be able to tell
		// "provider down, still retrying" from a healthy scheduled job.
		_ = river.RecordOutput(ctx, waitingOutput{
			Status:    "provider down, still retrying (no attempt used)",
			LastError: err.Error(),
			At:        time.Now().UTC(),
		})
		return river.JobSnooze(jitter(d.UnreachableRetry))
	case row.Attempt >= row.MaxAttempts:
		d.Observer.EmailFailed(kind, ClassExhausted)
		return fmt.Errorf("gave up after %d attempts: %w", row.Attempt, err)
	default:
		d.Observer.EmailFailed(kind, ClassTransient)
		return fmt.Errorf("provider unavailable, will retry (attempt %d of %d): %w", row.Attempt, row.MaxAttempts, err)
	}
}

const (
	// defaultUnreachableRetry is DeliveryConfig.UnreachableRetry's default:
	// short enough that mail resumes well within 30 s of an outage ending,
	// long enough that a queue of thousands waiting for the server costs
	// only a few hundred cheap failures per second.
	defaultUnreachableRetry = 5 * time.Second
	// unreachableFor is how long after its insertion a job is snoozed
	// rather than failed while the server cannot be reached. With the
	// default RESET_TOKEN_TTL of 1h a reset link expires within it anyway
	// (the worker then cancels the job); with a longer TTL the remaining
	// attempts and their backoff take over after the first hour.
	unreachableFor = time.Hour
)

// unreachable reports whether err means no connection to the SMTP server
// could be opened: refused, timed out, closed before the greeting, or held
// back by the sender's dial backoff after such a failure. Nothing of the
// message reached the server, so trying again later cannot duplicate it.
func unreachable(err error) bool {
	var se *mail.SendError
	return errors.As(err, &se) && se.Temporary && se.Stage == mail.StageDial
}

// jitter spreads d by ±20%, so that a queue that waited for the server
// together does not retry in lock-step.
func jitter(d time.Duration) time.Duration {
	return d + time.Duration(float64(d)*0.4*(rand.Float64()-0.5))
}

// waitingOutput is what a snoozed job records for the dashboard.
type waitingOutput struct {
	Status    string    `json:"status"`
	LastError string    `json:"last_error,omitempty"`
	At        time.Time `json:"at"`
}

// isSnooze reports whether err asks River to run the job again later
// without counting an attempt.
func isSnooze(err error) bool {
	var snooze *river.JobSnoozeError
	return errors.As(err, &snooze)
}

// isSetupStage reports whether err happened before any message was offered
// (dial, TLS, EHLO, AUTH): a permanent failure there is our configuration,
// not the recipient, and on-call fixes it differently.
func isSetupStage(err error) bool {
	var se *mail.SendError
	if !errors.As(err, &se) {
		return false
	}
	switch se.Stage {
	case mail.StageMail, mail.StageRcpt, mail.StageData, mail.StageBody:
		return false
	}
	return true
}
