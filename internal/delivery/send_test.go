package delivery

import (
	"context"
	"io"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/mail"
	"github.com/todoapp/resetmail/internal/mail/templates"
)

// failingMailer fails every send with err.
type failingMailer struct{ err error }

func (m failingMailer) Send(context.Context, mail.Outgoing) (mail.Receipt, error) {
	return mail.Receipt{}, m.err
}

// TestUnreachableServerSnoozesWithoutUsingAnAttempt pins down the rule the
// outage drills (internal/tools/chaos) rely on: a provider that cannot be
// reached, refuses everything (421, 503), throttles (429) or refuses our
// configuration is snoozed, even on the last attempt; every failure of one
// message that may have reached the provider keeps the attempt budget and
// the backoff, and a rejected message is cancelled.
func TestUnreachableServerSnoozesWithoutUsingAnAttempt(t *testing.T) {
	t.Parallel()
	// Nothing here touches the database; the pool only satisfies New.
	pool, err := pgxpool.New(context.Background(), "postgres://nobody@127.0.0.1:1/none")
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	renderer, err := templates.NewRenderer(templates.RendererConfig{})
	require.NoError(t, err)

	for _, tc := range []struct {
		name   string
		err    error
		snooze bool
	}{
		{"connection refused", &mail.SendError{Provider: "smtp", Class: mail.ClassOutage, Temporary: true, Stage: mail.StageDial, Err: syscall.ECONNREFUSED}, true},
		{"held back by the Gateway's pause", &mail.SendError{Provider: "smtp", Class: mail.ClassOutage, Temporary: true, Stage: mail.StageDial, Text: "holding back 2s after: connection refused"}, true},
		{"421 at MAIL", &mail.SendError{Provider: "smtp", Class: mail.ClassOutage, Temporary: true, Code: 421, Stage: mail.StageMail}, true},
		{"451 at RCPT", &mail.SendError{Provider: "smtp", Class: mail.ClassTransient, Temporary: true, Code: 451, Stage: mail.StageRcpt}, false},
		{"dropped mid-body", &mail.SendError{Provider: "smtp", Class: mail.ClassTransient, Temporary: true, Stage: mail.StageBody, Err: io.EOF}, false},
		{"certificate fails at dial", &mail.SendError{Provider: "smtp", Class: mail.ClassConfig, Stage: mail.StageDial, Text: "certificate signed by unknown authority"}, true},
		{"535 at AUTH", &mail.SendError{Provider: "smtp", Class: mail.ClassConfig, Code: 535, Stage: mail.StageAuth, Text: "authentication failed"}, true},
		{"HTTP 503", &mail.SendError{Provider: "resend", Class: mail.ClassOutage, Code: 503, Stage: mail.StageAPI}, true},
		{"HTTP 429", &mail.SendError{Provider: "resend", Class: mail.ClassThrottled, Code: 429, Stage: mail.StageAPI, RetryAfter: time.Second}, true},
		{"HTTP 401", &mail.SendError{Provider: "resend", Class: mail.ClassConfig, Code: 401, Stage: mail.StageAPI}, true},
		{"HTTP 500", &mail.SendError{Provider: "resend", Class: mail.ClassTransient, Code: 500, Stage: mail.StageAPI}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d, err := New(Config{
				Pool: pool, Renderer: renderer, Mailer: failingMailer{tc.err},
				From: "Todo <no-reply@example.com>",
			})
			require.NoError(t, err)
			r := mail.Rendered{Subject: "Reset", Text: "text", HTML: "<p>html</p>"}
			last := &rivertype.JobRow{Attempt: 12, MaxAttempts: 12, CreatedAt: time.Now()}
			_, err = d.Send(context.Background(), "password_reset_email", last, "key", "ada@example.com", r)
			require.Error(t, err)
			require.Equal(t, tc.snooze, isSnooze(err), "%v", err)

			// After unreachableFor, attempts count again, so that a job for a
			// server that never comes back ends.
			old := &rivertype.JobRow{Attempt: 12, MaxAttempts: 12, CreatedAt: time.Now().Add(-unreachableFor - time.Minute)}
			_, err = d.Send(context.Background(), "password_reset_email", old, "key", "ada@example.com", r)
			require.False(t, isSnooze(err), "%v", err)
		})
	}
}

func TestJitterStaysWithinTwentyPercent(t *testing.T) {
	t.Parallel()
	for range 1000 {
		d := jitter(5 * time.Second)
		require.GreaterOrEqual(t, d, 4*time.Second)
		require.LessOrEqual(t, d, 6*time.Second)
	}
}
