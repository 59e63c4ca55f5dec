package delivery

import (
	"context"
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

// Enqueue inserts a mail job inside the caller's transaction tx, so that
// the job exists exactly when the request it answers does: on the email
// queue, with maxAttempts (EMAIL_MAX_ATTEMPTS) stamped on it. what names
// the mail in the error.
func Enqueue(ctx context.Context, jobs Inserter, tx pgx.Tx, args river.JobArgs, maxAttempts int, what string) error {
	_, err := jobs.InsertTx(ctx, tx, args, &river.InsertOpts{Queue: QueueEmail, MaxAttempts: maxAttempts})
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
// transaction on pool and, once it has committed, calls w.Wake, so that a
// sleeping worker starts at once instead of at its next sweep. Never before
// the commit: a woken worker must find the job. w may be nil.
func Commit(ctx context.Context, pool *pgxpool.Pool, w Waker, fn func(pgx.Tx) error) error {
	if err := pgx.BeginFunc(ctx, pool, fn); err != nil {
		return err
	}
	if w != nil {
		w.Wake()
	}
	return nil
}
