// Package delivery is the send policy every mail job shares: which queue
// mail jobs run on and how many attempts they get (Enqueue), what each class
// of send failure means for the job (Delivery.Send: cancel, snooze without
// an attempt, or retry), and, for mails carrying a link, the per-account
// mail slot (Link). reset and signup build their workers on it.
package delivery

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/todoapp/resetmail/internal/mail"
	"github.com/todoapp/resetmail/internal/mail/templates"
	"github.com/todoapp/resetmail/internal/mailevent"
	"github.com/todoapp/resetmail/internal/redact"
)

// Mailer delivers one rendered mail through the configured provider;
// *mail.Gateway implements it.
type Mailer interface {
	Send(ctx context.Context, m mail.Outgoing) (mail.Receipt, error)
}

// Config holds what every email worker needs.
type Config struct {
	// Pool is the database. Required.
	Pool *pgxpool.Pool
	// Mailer sends rendered mail. Required.
	Mailer Mailer
	// Renderer renders the templates. Required.
	Renderer *templates.Renderer
	// From is MAIL_FROM (or its alias SMTP_FROM), bare or with a display
	// name. Required.
	From string
	// AppName appears in subjects and bodies. Defaults to "Todo".
	AppName string
	// Observer hears outcomes. Defaults to NopObserver.
	Observer Observer
	// Logger receives one line per outcome. Defaults to discarding.
	Logger *slog.Logger
	// UnreachableRetry is how soon a mail is tried again when the provider
	// cannot be reached or refuses everything. Defaults to 3s. See Send.
	UnreachableRetry time.Duration
	// ConfigRetry is how soon a mail is tried again while the provider
	// refuses our configuration (a revoked key, AUTH refused). Defaults to
	// 10s, so that mail flows within seconds of a restart with good
	// credentials.
	ConfigRetry time.Duration
}

// Delivery is the validated Config, with its defaults filled in.
type Delivery struct {
	Config
	// from is MAIL_FROM, parsed once here rather than for every mail.
	from mail.From
}

// New validates cfg and fills its defaults.
func New(cfg Config) (*Delivery, error) {
	if cfg.Pool == nil || cfg.Mailer == nil || cfg.Renderer == nil {
		return nil, errors.New("delivery: Pool, Mailer and Renderer are required")
	}
	// Parsed here, once, so that a bad MAIL_FROM stops the worker at start
	// and no mail parses it again.
	from, err := mail.NewFrom(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("delivery: MAIL_FROM: %w", err)
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
	if cfg.ConfigRetry <= 0 {
		cfg.ConfigRetry = defaultConfigRetry
	}
	return &Delivery{Config: cfg, from: from}, nil
}

// Send sends one rendered mail and turns a failure into what River should
// do with the job, by the failure's class (mail.Classify). Every error names
// the provider, its code and message, with the recipient masked, so that
// on-call can read it in the dashboard.
//
//   - rejected (an invalid or inactive recipient, a message the provider
//     refuses): cancelled at once, retrying cannot help.
//   - config (a revoked key, SMTP AUTH refused, an unverified sender, a
//     certificate that fails): not this message's fault. Snoozed for
//     ConfigRetry, which uses no attempt, so nothing is cancelled or
//     discarded while on-call fixes the settings; the worker's /readyz
//     names the problem meanwhile.
//   - outage (unreachable, SMTP 421, HTTP 503) and throttled (HTTP 429):
//     snoozed for UnreachableRetry or the provider's Retry-After, no
//     attempt used, so an outage of any length up to the link's expiry
//     loses nothing and mail resumes within seconds of recovery. The
//     Gateway's shared pause keeps snoozed jobs from hammering the
//     provider meanwhile.
//   - transient (one message failing: a timeout, SMTP 4xx, HTTP 5xx):
//     retried with the job's backoff, using an attempt.
//
// After unreachableFor, snoozes stop and attempts count again, so that a
// notice for a provider that never comes back is eventually discarded.
//
// On success it returns the provider's receipt, whose message ID the
// caller records with the send.
func (d *Delivery) Send(ctx context.Context, kind string, row *rivertype.JobRow, key, to string, r mail.Rendered) (mail.Receipt, error) {
	start := time.Now()
	// To carries the bare address: the account's display name is text a
	// stranger may have chosen, and security mail carries none.
	receipt, err := d.Mailer.Send(ctx, mail.Outgoing{Message: mail.NewMessage(d.from, to, r), IdempotencyKey: key})
	if err != nil {
		return mail.Receipt{}, d.failed(ctx, kind, row, to, err)
	}
	d.Observer.EmailSent(kind, time.Since(start), time.Since(row.CreatedAt))
	if bytes.Contains(row.Metadata, []byte(`"snoozes"`)) {
		// Replace the "still retrying" note a snooze left behind.
		_ = river.RecordOutput(ctx, waitingOutput{Status: "sent after the provider came back", At: time.Now().UTC()})
	}
	return receipt, nil
}

// failed turns a send's error into what River should do with the job, as
// Send describes.
func (d *Delivery) failed(ctx context.Context, kind string, row *rivertype.JobRow, to string, err error) error {
	class := mail.Classify(err)
	waiting := time.Since(row.CreatedAt) < unreachableFor
	switch {
	case class == mail.ClassRejected:
		d.Observer.EmailFailed(kind, ClassPermanent)
		d.logGivenUp(ctx, slog.LevelWarn, "mail refused by the provider; job cancelled, not retried", kind, row, to, err)
		if mailevent.NoSuchUser(err) {
			d.suppressUnknown(ctx, to)
		}
		return river.JobCancel(fmt.Errorf("provider rejected the message, not retrying: %w", err))
	case class == mail.ClassConfig && waiting:
		return d.snooze(ctx, kind, ClassConfig, err,
			"mail configuration problem, held until fixed (no attempt used); check with `worker check-mail`",
			d.ConfigRetry)
	case class == mail.ClassOutage && waiting:
		return d.snooze(ctx, kind, ClassTransient, err, "provider down, still retrying (no attempt used)",
			max(d.UnreachableRetry, mail.RetryAfter(err)))
	case class == mail.ClassThrottled && waiting:
		// The provider said when; the Gateway holds every send till then.
		return d.snooze(ctx, kind, ClassTransient, err, "provider rate limit, waiting (no attempt used)",
			max(mail.RetryAfter(err), 500*time.Millisecond))
	case row.Attempt >= row.MaxAttempts:
		d.Observer.EmailFailed(kind, ClassExhausted)
		d.logGivenUp(ctx, slog.LevelError, "mail not sent after the last attempt; job discarded", kind, row, to, err)
		return fmt.Errorf("gave up after %d attempts: %w", row.Attempt, err)
	default:
		d.Observer.EmailFailed(kind, ClassTransient)
		return fmt.Errorf("provider unavailable, will retry (attempt %d of %d): %w", row.Attempt, row.MaxAttempts, err)
	}
}

// logGivenUp writes the one line on-call reads when a mail will never be
// sent: the metrics count it, but they are hidden without METRICS_TOKEN and
// name no job. The line carries the masked recipient, the provider's code
// (SMTP reply or HTTP status, and the enhanced code or the provider's error
// name such as MessageRejected), the job and the request it answers;
// the error text names the recipient masked too (mail.SendError).
func (d *Delivery) logGivenUp(ctx context.Context, level slog.Level, msg, kind string, row *rivertype.JobRow, to string, err error) {
	attrs := []slog.Attr{
		slog.String("kind", kind),
		slog.Int64("job_id", row.ID),
		slog.String("request_id", requestID(row)),
		slog.String("to", redact.Email(to)),
		slog.Int("attempt", row.Attempt),
		slog.Int("max_attempts", row.MaxAttempts),
	}
	var se *mail.SendError
	if errors.As(err, &se) {
		attrs = append(attrs, slog.Int("code", se.Code), slog.String("code_detail", se.EnhancedCode),
			slog.String("provider", cmp.Or(se.Provider, "smtp")))
	}
	attrs = append(attrs, slog.String("error", err.Error()))
	d.Logger.LogAttrs(ctx, level, msg, attrs...)
}

// requestID is the request a mail job answers (its args' request_id: a
// reset or a sign-up), or "" for a notice, which the job ID names alone.
func requestID(row *rivertype.JobRow) string {
	var args struct {
		RequestID string `json:"request_id"`
	}
	_ = json.Unmarshal(row.EncodedArgs, &args)
	return args.RequestID
}

// snooze counts the failure as class and runs the job again after about
// wait without using an attempt. A snooze records no error, so it says why
// in the job's output, which the dashboard shows under Metadata: on-call
// must be able to tell "provider down, still retrying" from a healthy
// scheduled job.
func (d *Delivery) snooze(ctx context.Context, kind, class string, err error, status string, wait time.Duration) error {
	d.Observer.EmailFailed(kind, class)
	_ = river.RecordOutput(ctx, waitingOutput{Status: status, LastError: err.Error(), At: time.Now().UTC()})
	return river.JobSnooze(jitter(wait))
}

const (
	// defaultUnreachableRetry is Config.UnreachableRetry's default:
	// short enough that mail resumes well within 30 s of an outage ending,
	// long enough that a queue of thousands waiting for the server costs
	// only a few hundred cheap failures per second.
	defaultUnreachableRetry = 3 * time.Second
	// defaultConfigRetry is Config.ConfigRetry's default: a restart
	// with good credentials finds every held mail due within about 12s.
	defaultConfigRetry = 10 * time.Second
	// unreachableFor is how long after its insertion a job is snoozed
	// rather than failed while the server cannot be reached. With the
	// default RESET_TOKEN_TTL of 1h a reset link expires within it anyway
	// (the worker then cancels the job); with a longer TTL the remaining
	// attempts and their backoff take over after the first hour.
	unreachableFor = time.Hour
)

// IdempotencyKey names one mail across attempts and workers, so that a
// provider with idempotency keys (Resend) sends it once even when a worker
// crashes between the provider's answer and our record of it. It is built
// from the request ID (or, for notices, the job ID), never from a secret.
func IdempotencyKey(kind, id string) string {
	return "resetmail/" + kind + "/" + id
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

// isFinal reports whether River will not run the job again after err.
func isFinal(err error) bool {
	var cancel *river.JobCancelError
	return errors.As(err, &cancel)
}

// suppressUnknown puts an address the SMTP server called unknown (5.1.1,
// 5.1.10) on the suppression list, so that the next request for it sends
// nothing. It runs after the failure, with a context the job's deadline
// cannot cancel; a failure to record it only costs one more rejected send.
func (d *Delivery) suppressUnknown(ctx context.Context, to string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if _, err := mailevent.NewStore(d.Pool).Suppress(ctx, to, mailevent.ReasonSMTPNoSuchUser, mail.ProviderSMTP, ""); err != nil {
		d.Logger.WarnContext(ctx, "could not suppress an unknown recipient", slog.Any("err", err))
	}
}

// suppressedOutput is what a job for a suppressed address records for the
// dashboard.
type suppressedOutput struct {
	Status string    `json:"status"`
	Note   string    `json:"note"`
	At     time.Time `json:"at"`
}

// Suppressed ends a job whose address is on the suppression list without
// a mail: the outcome is counted and written to the job's output, where the
// dashboard shows it; the API answered as it always does.
func (d *Delivery) Suppressed(ctx context.Context, kind string) {
	d.Observer.EmailSuppressed(kind)
	_ = river.RecordOutput(ctx, suppressedOutput{
		Status: "suppressed",
		Note:   "the address is on the suppression list (`worker trace <request-id>` says why); no mail sent",
		At:     time.Now().UTC(),
	})
}

// Recorded is a receipt as the send record's nullable columns (provider,
// provider_message_id), which `worker trace` joins to the provider's
// delivery events.
func Recorded(r mail.Receipt) (provider, messageID *string) {
	if r.Provider != "" {
		provider = &r.Provider
	}
	if r.MessageID != "" {
		messageID = &r.MessageID
	}
	return provider, messageID
}
