package reset

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/todoapp/resetmail/internal/mail"
)

// PasswordChangedWorker tells a user that their password was changed, so
// that someone who did not ask for it can react. It goes through the same
// queue and transport as reset mails.
type PasswordChangedWorker struct {
	river.WorkerDefaults[PasswordChangedArgs]

	d *delivery
}

// NewPasswordChangedWorker validates cfg.
func NewPasswordChangedWorker(cfg DeliveryConfig) (*PasswordChangedWorker, error) {
	d, err := newDelivery(cfg)
	if err != nil {
		return nil, err
	}
	return &PasswordChangedWorker{d: d}, nil
}

// Work implements river.Worker.
func (w *PasswordChangedWorker) Work(ctx context.Context, job *river.Job[PasswordChangedArgs]) error {
	var email string
	var changedAt *time.Time
	err := w.d.Pool.QueryRow(ctx, w.d.Queries.Get("reset_load_user_for_notice"), job.Args.UserID).Scan(&email, &changedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		// The account was deleted since: nobody to tell.
		return nil
	}
	if err != nil {
		return fmt.Errorf("load user for password-changed notice: %w", err)
	}
	data := mail.PasswordChangedData{AppName: w.d.AppName}
	if changedAt != nil {
		data.ChangedAt = *changedAt
	}
	rendered, err := w.d.Renderer.PasswordChanged(data)
	if err != nil {
		return river.JobCancel(fmt.Errorf("render password-changed mail: %w", err))
	}
	return w.d.send(ctx, job.Kind, job.JobRow, idempotencyKey("password-changed", strconv.FormatInt(job.ID, 10)), email, rendered)
}
