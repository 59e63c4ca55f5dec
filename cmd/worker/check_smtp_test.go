package main

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/boot"
	"github.com/todoapp/resetmail/internal/smtptest"
	"github.com/todoapp/resetmail/internal/testutil"
)

func smtpEnv(srv *smtptest.Server, password string) map[string]string {
	return map[string]string{
		"SMTP_HOST":     srv.Host(),
		"SMTP_PORT":     strconv.Itoa(srv.Port()),
		"SMTP_TLS":      "none",
		"SMTP_USERNAME": "mailer",
		"SMTP_PASSWORD": password,
		"SMTP_FROM":     "Todo <no-reply@example.com>",
	}
}

func TestCheckSMTPReportsEachStepAndSends(t *testing.T) {
	t.Parallel()
	password := testutil.Secret("check-smtp-pw", 20)
	srv := smtptest.NewT(t, smtptest.Options{AuthUser: "mailer", AuthPass: password})

	var out testutil.LogBuffer
	err := run(context.Background(), []string{"worker", "check-smtp", "--send-to", "ops@example.com"}, testutil.Env(smtpEnv(srv, password)), &out, &out)
	require.NoError(t, err, out.String())
	for _, step := range []string{"connect", "auth", "quit"} {
		require.Regexp(t, `(?m)^`+step+`.*ok`, strings.ToLower(out.String()))
	}
	require.NotContains(t, out.String(), password)
	require.NotContains(t, out.String(), "ops@example.com")
	require.Equal(t, 1, srv.Count())
}

func TestCheckSMTPNamesTheFailingStep(t *testing.T) {
	t.Parallel()
	srv := smtptest.NewT(t, smtptest.Options{AuthUser: "mailer", AuthPass: "the-right-one"})

	var out testutil.LogBuffer
	err := run(context.Background(), []string{"worker", "check-smtp"}, testutil.Env(smtpEnv(srv, "the-wrong-one")), &out, &out)
	require.Error(t, err)
	require.Contains(t, strings.ToLower(err.Error()), "auth")
	require.Contains(t, out.String(), "FAILED")
	require.NotContains(t, out.String(), "the-wrong-one")
	require.Equal(t, 1, boot.ExitCode(err))
}

func TestCheckSMTPRejectsBadSettings(t *testing.T) {
	t.Parallel()

	err := run(context.Background(), []string{"worker", "check-smtp"}, testutil.Env(map[string]string{"SMTP_TLS": "ssl", "SMTP_PORT": "0"}), &testutil.LogBuffer{}, &testutil.LogBuffer{})
	require.Error(t, err)
	require.Contains(t, err.Error(), "SMTP_TLS")
	require.Contains(t, err.Error(), "SMTP_HOST is required")
	require.Equal(t, 2, boot.ExitCode(err))
}
