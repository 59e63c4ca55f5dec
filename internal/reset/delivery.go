package reset

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
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
	return &delivery{DeliveryConfig: cfg, envelopeFrom: envelopeFrom}, nil
}

// send composes and sends one rendered mail, and turns a failure into what
// River should do with the job: a permanent SMTP answer cancels it at once,
// a transient one on the last attempt says it gave up, any other transient
// one is retried. Every error names the SMTP code and text or the network
// error, with the recipient masked, so that on-call can read it in the
// dashboard.
func (d *delivery) send(ctx context.Context, kind string, row *rivertype.JobRow, to, toName string, r mail.Rendered) error {
	msg, err := mail.Compose(mail.Message{
		From: d.From, To: to, ToName: toName,
		Subject: r.Subject, Text: r.Text, HTML: r.HTML,
	})
	if err != nil {
		d.Observer.EmailFailed(kind, ClassPermanent)
		return river.JobCancel(fmt.Errorf("cannot compose mail to %s: %w", redact.Email(to), err))
	}
	start := time.Now()
	err = d.Mailer.Send(ctx, d.envelopeFrom, to, msg)
	if err == nil {
		d.Observer.EmailSent(kind, time.Since(start), time.Since(row.CreatedAt))
		return nil
	}
	switch {
	case mail.IsPermanent(err) && isSetupStage(err):
		d.Observer.EmailFailed(kind, ClassPermanent)
		return river.JobCancel(fmt.Errorf("SMTP configuration problem, not retrying (check SMTP_* settings with `worker check-smtp`): %w", err))
	case mail.IsPermanent(err):
		d.Observer.EmailFailed(kind, ClassPermanent)
		return river.JobCancel(fmt.Errorf("provider rejected the message, not retrying: %w", err))
	case row.Attempt >= row.MaxAttempts:
		d.Observer.EmailFailed(kind, ClassExhausted)
		return fmt.Errorf("gave up after %d attempts: %w", row.Attempt, err)
	default:
		d.Observer.EmailFailed(kind, ClassTransient)
		return fmt.Errorf("provider unavailable, will retry (attempt %d of %d): %w", row.Attempt, row.MaxAttempts, err)
	}
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
