package config

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// httpsWorkerEnv is a worker on an HTTPS provider: no SMTP_* at all.
func httpsWorkerEnv(kv ...string) map[string]string {
	env := with(validWorkerEnv(), "MAIL_PROVIDER", "resend", "MAIL_API_KEY", "re_secret_key_value", "MAIL_FROM", "Todo <no-reply@example.com>")
	delete(env, "SMTP_HOST")
	delete(env, "SMTP_FROM")
	return with(env, kv...)
}

func TestHTTPSProviderNeedsNoSMTPSettings(t *testing.T) {
	t.Parallel()
	cfg, err := LoadWorker(httpsWorkerEnv())
	require.NoError(t, err)
	require.Equal(t, MailProviderResend, cfg.MailProvider)
	require.Equal(t, "outbound", cfg.PostmarkMessageStream)
	require.Zero(t, cfg.MailRateLimit)
}

func TestMailSettingsProblems(t *testing.T) {
	t.Parallel()
	_, err := LoadWorker(httpsWorkerEnv("MAIL_API_KEY", "", "MAIL_API_URL", "http://api.resend.example.com", "MAIL_RATE_LIMIT", "-1", "MAIL_RATE_BURST", "-2"))
	require.Error(t, err)
	for _, want := range []string{"MAIL_API_KEY is required with MAIL_PROVIDER=resend", "MAIL_API_URL must use https", "MAIL_RATE_LIMIT", "MAIL_RATE_BURST"} {
		require.Contains(t, err.Error(), want)
	}
	_, err = LoadWorker(httpsWorkerEnv("MAIL_PROVIDER", "sendgrid"))
	require.ErrorContains(t, err, `MAIL_PROVIDER must be smtp, resend, postmark or ses, not "sendgrid"`)

	_, err = LoadWorker(httpsWorkerEnv("MAIL_API_URL", "http://127.0.0.1:8025"))
	require.NoError(t, err, "plain http is fine on loopback")
}

func TestSMTPFromIsAnAliasOfMailFrom(t *testing.T) {
	t.Parallel()
	cfg, err := LoadWorker(with(validWorkerEnv(), "SMTP_FROM", "Old <old@example.com>"))
	require.NoError(t, err)
	require.Equal(t, "Old <old@example.com>", cfg.MailFrom)

	_, err = LoadWorker(with(validWorkerEnv(), "SMTP_FROM", "a@example.com", "MAIL_FROM", "b@example.com"))
	require.ErrorContains(t, err, "MAIL_FROM and SMTP_FROM")

	env := httpsWorkerEnv()
	delete(env, "MAIL_FROM")
	_, err = LoadWorker(env)
	require.ErrorContains(t, err, "MAIL_FROM is required")
}
