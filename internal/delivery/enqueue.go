package delivery

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// QueueEmail is the queue every email job runs on.
const QueueEmail = "email"

// DefaultMaxAttempts is EMAIL_MAX_ATTEMPTS's default, for a service built
// without it.
const DefaultMaxAttempts = 12

// Inserter is the part of a River client the API needs: it only inserts.
type Inserter interface {
	InsertTx(ctx context.Context, tx pgx.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
}

// Outbox is what every API service that records a mail request shares:
// the database, the job inserter, EMAIL_MAX_ATTEMPTS and the waker.
type Outbox struct {
	// Pool is the database. Required.
	Pool *pgxpool.Pool
	// Jobs inserts River jobs inside the request's transaction. Required.
	Jobs Inserter
	// MaxAttempts is EMAIL_MAX_ATTEMPTS, stamped on each job. Defaults to
	// DefaultMaxAttempts.
	MaxAttempts int
	// Waker is told after each transaction that enqueued a mail commits
	// (WORKER_WAKE_URLS). Defaults to nil: nothing is woken.
	Waker Waker
}

// Valid checks what o requires and fills its defaults.
func (o *Outbox) Valid() error {
	if o.Pool == nil || o.Jobs == nil {
		return errors.New("Pool and Jobs are required")
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	return nil
}

// Enqueue inserts a mail job inside the caller's transaction tx, so that
// the job exists exactly when the request it answers does: on the email
// queue, with MaxAttempts stamped on it. what names the mail in the error.
func (o Outbox) Enqueue(ctx context.Context, tx pgx.Tx, args river.JobArgs, what string) error {
	_, err := o.Jobs.InsertTx(ctx, tx, args, &river.InsertOpts{Queue: QueueEmail, MaxAttempts: o.MaxAttempts})
	if err != nil {
		return fmt.Errorf("enqueue %s: %w", what, err)
	}
	return nil
}

// Waker is told after the API commits a mail job; *wake.Waker implements
// it, waking hibernating workers (WORKER_WAKE_URLS). Wake must not block.
type Waker interface {
	Wake()
}

// Commit runs fn, which enqueues a mail job with Enqueue, in one
// transaction on Pool and, once it has committed, calls Waker.Wake, so that
// a sleeping worker starts at once instead of at its next sweep. Never
// before the commit: a woken worker must find the job.
func (o Outbox) Commit(ctx context.Context, fn func(pgx.Tx) error) error {
	if err := pgx.BeginFunc(ctx, o.Pool, fn); err != nil {
		return err
	}
	if o.Waker != nil {
		o.Waker.Wake()
	}
	return nil
}

// Record is the request path of every mailed link: in one transaction
// insert records a request of kind ("reset", "sign-up") and its mail, args,
// is enqueued; then Commit wakes the workers.
func (o Outbox) Record(ctx context.Context, kind string, insert func(pgx.Tx) error, args river.JobArgs) error {
	return o.Commit(ctx, func(tx pgx.Tx) error {
		if err := insert(tx); err != nil {
			return fmt.Errorf("insert %s request: %w", kind, err)
		}
		return o.Enqueue(ctx, tx, args, kind+" email")
	})
}
