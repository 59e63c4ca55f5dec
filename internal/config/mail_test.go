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
	require.ErrorContains(t, err, `MAIL_PROVIDER must be smtp, resend, postmark, ses or graph, not "sendgrid"`)

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

func TestXOAuth2Settings(t *testing.T) {
	t.Parallel()
	ms := with(validWorkerEnv(), "SMTP_HOST", "smtp.office365.com", "SMTP_AUTH", "xoauth2", "SMTP_USERNAME", "no-reply@example.com", "SMTP_PASSWORD", "",
		"SMTP_OAUTH_TOKEN_URL", "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token",
		"SMTP_OAUTH_CLIENT_ID", "11112222-bbbb-3333-cccc-4444dddd5555", "SMTP_OAUTH_CLIENT_SECRET", "the-client-secret-value")
	cfg, err := LoadWorker(ms)
	require.NoError(t, err)
	require.Equal(t, "xoauth2", cfg.SMTPAuth)

	_, err = LoadWorker(with(ms, "SMTP_PASSWORD", "a-password"))
	require.ErrorContains(t, err, "SMTP_AUTH=xoauth2 sends a token, not SMTP_PASSWORD")
	_, err = LoadWorker(with(ms, "SMTP_OAUTH_CLIENT_SECRET", ""))
	require.ErrorContains(t, err, "needs one way of getting tokens")
	_, err = LoadWorker(with(ms, "SMTP_OAUTH_SERVICE_ACCOUNT_FILE", "/run/secrets/key.json"))
	require.ErrorContains(t, err, "set one way of getting tokens")
	_, err = LoadWorker(with(ms, "SMTP_OAUTH_TOKEN_URL", "http://login.example.com/token"))
	require.ErrorContains(t, err, "SMTP_OAUTH_TOKEN_URL must use https")
	require.NotContains(t, err.Error(), "the-client-secret-value")
	_, err = LoadWorker(with(ms, "SMTP_AUTH", "cram-md5"))
	require.ErrorContains(t, err, `SMTP_AUTH must be auto, plain, login or xoauth2, not "cram-md5"`)
	_, err = LoadWorker(with(ms, "SMTP_AUTH", "auto", "SMTP_PASSWORD", "pw"))
	require.ErrorContains(t, err, "SMTP_OAUTH_* settings are set but SMTP_AUTH is not xoauth2")
	_, err = LoadWorker(with(ms, "SMTP_TLS", "none"))
	require.ErrorContains(t, err, "would send the OAuth token in clear text")

	// A Google refresh token (installed app: client ID and secret) and a
	// service account alone are each one way.
	_, err = LoadWorker(with(ms, "SMTP_OAUTH_REFRESH_TOKEN", "1//refresh", "SMTP_OAUTH_TOKEN_URL", "https://oauth2.googleapis.com/token"))
	require.NoError(t, err)
	_, err = LoadWorker(with(ms, "SMTP_OAUTH_SERVICE_ACCOUNT_FILE", "/run/secrets/key.json", "SMTP_OAUTH_CLIENT_SECRET", "", "SMTP_OAUTH_TOKEN_URL", "", "SMTP_OAUTH_CLIENT_ID", ""))
	require.NoError(t, err)
}

func TestGraphNeedsClientCredentials(t *testing.T) {
	t.Parallel()
	g := httpsWorkerEnv("MAIL_PROVIDER", "graph", "MAIL_API_KEY", "",
		"SMTP_OAUTH_TOKEN_URL", "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token",
		"SMTP_OAUTH_CLIENT_ID", "11112222-bbbb-3333-cccc-4444dddd5555", "SMTP_OAUTH_CLIENT_SECRET", "the-client-secret-value")
	cfg, err := LoadWorker(g)
	require.NoError(t, err)
	require.Equal(t, MailProviderGraph, cfg.MailProvider)

	_, err = LoadWorker(with(g, "SMTP_OAUTH_CLIENT_SECRET", "", "SMTP_OAUTH_CLIENT_ID", ""))
	require.ErrorContains(t, err, "SMTP_OAUTH_CLIENT_SECRET is required with MAIL_PROVIDER=graph")
	require.ErrorContains(t, err, "SMTP_OAUTH_CLIENT_ID is required with MAIL_PROVIDER=graph")
	_, err = LoadWorker(with(g, "SMTP_OAUTH_REFRESH_TOKEN", "1//x"))
	require.ErrorContains(t, err, "uses the client-credentials grant")
}
