package delivery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/todoapp/resetmail/internal/linktoken"
	"github.com/todoapp/resetmail/internal/mail"
)

// Outcomes every link request may end with, as its row's outcome column
// records them (SendFailed settles "expired" and "failed" too).
const (
	OutcomeExpired    = "expired"
	OutcomeSuppressed = "suppressed"
	OutcomeThrottled  = "throttled"
	// OutcomeAlreadySent is a retried or rescued job whose request already
	// has its outcome: counted (LinkMail.Skipped), never recorded again.
	OutcomeAlreadySent = "already_sent"
)

// LinkState is what SendLink reads of a request as its kind's prepare
// statement found it.
type LinkState struct {
	// SentAt is when the request's mail went out, nil if it has not.
	SentAt *time.Time
	// Outcome is the request's outcome column, "pending" until settled.
	Outcome string
	// ExpiresAt is when the request's link expires; nothing is sent after.
	ExpiresAt time.Time
	// Suppressed is an address on the suppression list.
	Suppressed bool
	// Throttled is a request that did not win its mail slot.
	Throttled bool
}

// settled is a request whose mail went out or that already has an outcome:
// a retried or rescued job, which must not send again.
func (st LinkState) settled() bool { return st.SentAt != nil || st.Outcome != "pending" }

// LinkKind names one kind of link mail.
type LinkKind struct {
	// Request names the request in log lines: "reset", "sign-up".
	Request string
	// Idempotency is the kind IdempotencyKey names the mail by.
	Idempotency string
	// Expired is the cancellation reason of a request whose link expired
	// before it could be delivered.
	Expired error
	// Token derives a request's token from the link key under the kind's
	// own context (reset.DeriveToken, signup.DeriveToken).
	Token func(key []byte, requestID uuid.UUID) string
}

// LinkArgs are the args of a link mail job, which name its request.
type LinkArgs interface {
	river.JobArgs
	// Request is the ID of the request the mail answers.
	Request() uuid.UUID
}

// LinkMail is what one kind of link mail (reset.SendResetWorker,
// signup.Worker) does in its own way: its token, its typed statements, its
// reasons to send nothing and its templates. SendLink runs these steps in
// the order every link mail shares and names the kind in their errors. J is
// the job's args, P the request as the kind's prepare statement returns it.
type LinkMail[J LinkArgs, P any] interface {
	// Load is the kind's one prepare statement (on Link.Prepare): it loads
	// request id, records tokenHash and reserves the mail slot.
	// pgx.ErrNoRows, wrapped or not, is a request that no longer exists.
	Load(ctx context.Context, id uuid.UUID, tokenHash []byte) (P, LinkState, error)
	// Skip is the outcome of a request that sends nothing for a reason of
	// its kind, checked before expiry; "" goes on.
	Skip(p P) string
	// Skipped hears an outcome that sends nothing, before it is recorded.
	Skipped(outcome string)
	// Render renders p's mail, and says to whom it goes and which outcome
	// Sent records. An error cancels the job: retrying cannot fix a template.
	Render(args J, p P, token string) (to, outcome string, r mail.Rendered, err error)
	// Release frees the mail slot p reserved for request id.
	Release(ctx context.Context, p P, id uuid.UUID)
	// Mark records outcome for request id.
	Mark(ctx context.Context, id uuid.UUID, outcome string) error
	// Sent records request id's mail as sent (on Link.MarkSent), with its
	// outcome and the provider's receipt. ctx outlives the job's deadline.
	Sent(ctx context.Context, id uuid.UUID, outcome string, provider, messageID *string) error
}

// LinkWorker is the River worker of one kind of link mail: SendLink over
// that kind's steps, M. reset.SendResetWorker and signup.Worker are two.
type LinkWorker[J LinkArgs, P any, M LinkMail[J, P]] struct {
	river.WorkerDefaults[J]
	link *Link
	kind LinkKind
	mail M
}

// LinkSteps is a kind's steps as every kind writes them: a struct that
// is only its Link, with the LinkMail methods.
type LinkSteps[J LinkArgs, P any] interface {
	~struct{ *Link }
	LinkMail[J, P]
}

// NewLinkWorker builds the kind's steps, M, on a Link of its own.
func NewLinkWorker[J LinkArgs, P any, M LinkSteps[J, P]](cfg LinkConfig, kind LinkKind) *LinkWorker[J, P, M] {
	l := NewLink(cfg)
	return &LinkWorker[J, P, M]{link: l, kind: kind, mail: M{l}}
}

// Work implements river.Worker.
func (w *LinkWorker[J, P, M]) Work(ctx context.Context, job *river.Job[J]) error {
	return SendLink(ctx, w.link, w.mail, w.kind, job)
}

// SendLink is the one skeleton of a link mail job: one statement loads and
// prepares the job's request, the mail goes out, and one statement records
// it as sent, right after the provider's answer, so that a retried or
// rescued job does not send again. It adds no statement and no allocation
// to what the steps of m do.
func SendLink[J LinkArgs, P any, M LinkMail[J, P]](ctx context.Context, l *Link, m M, kind LinkKind, job *river.Job[J]) error {
	id := job.Args.Request()
	token := kind.Token(l.Key, id)
	p, st, err := m.Load(ctx, id, linktoken.Hash(token))
	if errors.Is(err, pgx.ErrNoRows) {
		// The cleanup job deleted it: nothing left to deliver.
		l.Logger.InfoContext(ctx, kind.Request+" request no longer exists", slog.String("request_id", id.String()))
		return nil
	}
	if err != nil {
		return fmt.Errorf("load %s request: %w", kind.Request, err)
	}
	if st.settled() {
		m.Skipped(OutcomeAlreadySent)
		return nil
	}
	if outcome := m.Skip(p); outcome != "" {
		return finishLink[J, P](ctx, m, kind, id, outcome)
	}
	switch {
	case !time.Now().Before(st.ExpiresAt):
		l.Observer.EmailFailed(job.Kind, ClassExpired)
		m.Release(ctx, p, id)
		if err := markLink[J, P](ctx, m, kind, id, OutcomeExpired); err != nil {
			return err
		}
		return river.JobCancel(kind.Expired)
	case st.Suppressed:
		// Checked before the slot: a suppressed address takes none.
		l.Suppressed(ctx, job.Kind)
		return finishLink[J, P](ctx, m, kind, id, OutcomeSuppressed)
	case st.Throttled:
		// Another request for this account (or address) mailed within the
		// interval. The API's answer was the same either way.
		return finishLink[J, P](ctx, m, kind, id, OutcomeThrottled)
	}
	// From here on this request holds its mail slot.

	to, outcome, rendered, err := m.Render(job.Args, p, token)
	if err != nil {
		return river.JobCancel(fmt.Errorf("render %s mail: %w", kind.Request, err))
	}
	// Never send after expiry, even if the send itself is slow to start.
	sendCtx, cancel := context.WithDeadline(ctx, st.ExpiresAt)
	defer cancel()
	receipt, err := l.Send(sendCtx, job.Kind, job.JobRow, IdempotencyKey(kind.Idempotency, id.String()), to, rendered)
	if err != nil {
		return l.SendFailed(ctx, sendCtx, job.Kind, job.JobRow, err, kind.Expired, func(outcome string) {
			m.Release(ctx, p, id)
			_ = m.Mark(ctx, id, outcome)
		})
	}
	// The mail is out. Recording it must not be lost to the job's own
	// context running out just after the provider's answer. The provider's
	// message ID goes with it: its delivery events name the mail by it.
	provider, messageID := Recorded(receipt)
	if err := m.Sent(context.WithoutCancel(ctx), id, outcome, provider, messageID); err != nil {
		return fmt.Errorf("record %s mail as sent: %w", kind.Request, err)
	}
	return nil
}

// finishLink records an outcome that needs no mail and completes the job.
func finishLink[J LinkArgs, P any, M LinkMail[J, P]](ctx context.Context, m M, kind LinkKind, id uuid.UUID, outcome string) error {
	m.Skipped(outcome)
	return markLink[J, P](ctx, m, kind, id, outcome)
}

// markLink records outcome for request id.
func markLink[J LinkArgs, P any, M LinkMail[J, P]](ctx context.Context, m M, kind LinkKind, id uuid.UUID, outcome string) error {
	if err := m.Mark(ctx, id, outcome); err != nil {
		return fmt.Errorf("record %s outcome %s: %w", kind.Request, outcome, err)
	}
	return nil
}
