package reset

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/todoapp/resetmail/internal/delivery"
	"github.com/todoapp/resetmail/internal/mail/templates"
	"github.com/todoapp/resetmail/internal/postgres"
	"github.com/todoapp/resetmail/internal/postgres/dbsqlc"
)

// PasswordChangedWorker tells a user that their password was changed, so
// that someone who did not ask for it can react. It goes through the same
// queue and transport as reset mails.
type PasswordChangedWorker struct {
	river.WorkerDefaults[PasswordChangedArgs]

	d            *delivery.Delivery
	forgotLink   string
	supportEmail string
}

// PasswordChangedConfig is what the notice needs beyond sending.
type PasswordChangedConfig struct {
	*delivery.Delivery
	// FrontendURL is the web app's base URL: the notice links to its
	// forgot-password page, for a reader who did not make the change.
	// Empty leaves the link out.
	FrontendURL string
	// SupportEmail is SUPPORT_EMAIL, the address the notice names. Empty
	// says "contact our support team" without one.
	SupportEmail string
}

// NewPasswordChangedWorker builds the notice's worker on cfg.
func NewPasswordChangedWorker(cfg PasswordChangedConfig) *PasswordChangedWorker {
	w := &PasswordChangedWorker{d: cfg.Delivery, supportEmail: cfg.SupportEmail}
	if cfg.FrontendURL != "" {
		w.forgotLink = strings.TrimRight(cfg.FrontendURL, "/") + "/forgot-password"
	}
	return w
}

// Work implements river.Worker.
func (w *PasswordChangedWorker) Work(ctx context.Context, job *river.Job[PasswordChangedArgs]) error {
	u, err := dbsqlc.New().ResetLoadUserForNotice(ctx, w.d.Pool, job.Args.UserID)
	if errors.Is(err, pgx.ErrNoRows) {
		// The account was deleted since: nobody to tell.
		return nil
	}
	if err != nil {
		return fmt.Errorf("load user for password-changed notice: %w", err)
	}
	data := templates.PasswordChangedData{
		AppName: w.d.AppName, Lang: w.d.Renderer.Pick(job.Args.Locale, postgres.Text(u.Locale)),
		ForgotLink: w.forgotLink, SupportEmail: w.supportEmail,
	}
	if u.PasswordChangedAt != nil {
		data.ChangedAt = *u.PasswordChangedAt
	}
	rendered, err := w.d.Renderer.PasswordChanged(data)
	if err != nil {
		return river.JobCancel(fmt.Errorf("render password-changed mail: %w", err))
	}
	// A notice has no send record to keep the receipt in.
	_, err = w.d.Send(ctx, job.Kind, job.JobRow, delivery.IdempotencyKey("password-changed", strconv.FormatInt(job.ID, 10)), u.Email, rendered)
	return err
}
