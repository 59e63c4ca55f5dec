package delivery

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
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
