package main

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/boot"
	"github.com/todoapp/resetmail/internal/providertest"
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

func apiEnv(kind, url, key string) map[string]string {
	return map[string]string{
		"MAIL_PROVIDER": kind,
		"MAIL_API_KEY":  key,
		"MAIL_API_URL":  url,
		"MAIL_FROM":     "Todo <no-reply@example.com>",
	}
}

func TestCheckMailProvesTheKeyWithoutSendingAndSendsOnRequest(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{providertest.Resend, providertest.Postmark} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			key := testutil.Secret("check-mail-key-"+kind, 24)
			srv := providertest.New(t, providertest.Options{Kind: kind, Key: key})
			env := testutil.Env(apiEnv(kind, srv.URL, key))

			var out testutil.LogBuffer
			require.NoError(t, run(context.Background(), []string{"worker", "check-mail"}, env, &out, &out), out.String())
			require.Contains(t, out.String(), "ok")
			require.Equal(t, 0, srv.Count(), "the key check sends nothing")

			out = testutil.LogBuffer{}
			require.NoError(t, run(context.Background(), []string{"worker", "check-mail", "--send-to", "ops@example.com"}, env, &out, &out), out.String())
			require.Equal(t, 1, srv.Count())
			require.NotContains(t, out.String(), key)
			require.NotContains(t, out.String(), "ops@example.com")

			// SMTP settings are not needed with an HTTPS provider.
			require.NotContains(t, out.String(), "SMTP_HOST")
		})
	}
}

func TestCheckMailNamesARevokedKey(t *testing.T) {
	t.Parallel()
	srv := providertest.New(t, providertest.Options{Kind: providertest.Resend, Key: "the-new-key"})
	var out testutil.LogBuffer
	err := run(context.Background(), []string{"worker", "check-mail"}, testutil.Env(apiEnv("resend", srv.URL, "the-revoked-key")), &out, &out)
	require.Error(t, err)
	require.Contains(t, out.String(), "FAILED")
	require.Contains(t, out.String(), "401")
	require.Contains(t, out.String(), "[config]")
	require.NotContains(t, out.String(), "the-revoked-key")
	require.Equal(t, 1, boot.ExitCode(err))
}

// TestCheckMailPrintsSESAccountStatus goes through the real AWS SDK, which
// reads credentials from the process environment, so it cannot run in
// parallel.
func TestCheckMailPrintsSESAccountStatus(t *testing.T) {
	srv := providertest.New(t, providertest.Options{Kind: providertest.SES, Key: "AKIDCHECKMAIL"})
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDCHECKMAIL")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "check-mail-secret")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	env := testutil.Env(map[string]string{
		"MAIL_PROVIDER":          "ses",
		"AWS_REGION":             "eu-west-1",
		"AWS_ENDPOINT_URL_SESV2": srv.URL,
		"MAIL_FROM":              "Todo <no-reply@example.com>",
	})
	var out testutil.LogBuffer
	require.NoError(t, run(context.Background(), []string{"worker", "check-mail"}, env, &out, &out), out.String())
	require.Contains(t, out.String(), "SANDBOX")
	require.Contains(t, out.String(), "quota 200/24h")
	require.Equal(t, 0, srv.Count())
	require.NotContains(t, out.String(), "check-mail-secret")
}

// TestCheckMailShowsTheOAuthTokenFirst: with SMTP_AUTH=xoauth2 and with
// MAIL_PROVIDER=graph, check-mail gets a token and prints it (obtained,
// expiry, scopes, never its value) before the SMTP or Graph steps.
func TestCheckMailShowsTheOAuthTokenFirst(t *testing.T) {
	t.Parallel()
	const id, secret, mailbox = "11112222-bbbb-3333-cccc-4444dddd5555", "check-mail-oauth-secret", "no-reply@example.com"
	ts := providertest.NewTokenServer(t, providertest.TokenOptions{ClientID: id, ClientSecret: secret})
	oauthEnv := map[string]string{"SMTP_OAUTH_TOKEN_URL": ts.URL, "SMTP_OAUTH_CLIENT_ID": id, "SMTP_OAUTH_CLIENT_SECRET": secret}

	srv := smtptest.NewT(t, smtptest.Options{AuthUser: mailbox, AuthMechanisms: []string{smtptest.XOAuth2},
		XOAuth2: func(token string) bool { return ts.Valid(token, "https://outlook.office365.com/.default", "") }})
	env := smtpEnv(srv, "")
	env["SMTP_USERNAME"], env["SMTP_AUTH"] = mailbox, "xoauth2"
	for k, v := range oauthEnv {
		env[k] = v
	}
	var out testutil.LogBuffer
	err := run(context.Background(), []string{"worker", "check-mail", "--send-to", "ops@example.com"}, testutil.Env(env), &out, &out)
	require.NoError(t, err, out.String())
	require.Regexp(t, `(?s)oauth token \.\.\. ok \([^)]*\) obtained \(client_credentials from 127\.0\.0\.1:\d+\), expires in \d+ s, scopes https://outlook\.office365\.com/\.default\nconnect .*auth as n\*\*\*@example\.com \.\.\. ok \([^)]*\) XOAUTH2`, out.String())
	require.Equal(t, 1, srv.Count())
	require.NotContains(t, out.String(), secret)
	require.NotContains(t, out.String(), "tok-")

	g := providertest.New(t, providertest.Options{Kind: providertest.Graph, Tokens: ts, Mailbox: mailbox})
	env = map[string]string{"MAIL_PROVIDER": "graph", "MAIL_API_URL": g.URL, "MAIL_FROM": "Todo <" + mailbox + ">"}
	for k, v := range oauthEnv {
		env[k] = v
	}
	out = testutil.LogBuffer{}
	err = run(context.Background(), []string{"worker", "check-mail", "--send-to", "ops@example.com"}, testutil.Env(env), &out, &out)
	require.NoError(t, err, out.String())
	require.Regexp(t, `(?s)^config provider=graph .*\noauth token \.\.\. ok \([^)]*\) obtained \(client_credentials from 127\.0\.0\.1:\d+\), expires in \d+ s, scopes https://graph\.microsoft\.com/\.default.*\nsend to o\*\*\*@example\.com \.\.\. ok`, out.String())
	require.Equal(t, 1, g.Count())
	require.NotContains(t, out.String(), secret)

	// A revoked secret fails the token step, naming the variable.
	ts.SetClientSecret("")
	out = testutil.LogBuffer{}
	err = run(context.Background(), []string{"worker", "check-mail"}, testutil.Env(env), &out, &out)
	require.Error(t, err)
	require.Contains(t, out.String(), "oauth token ... FAILED")
	require.Contains(t, out.String(), "SMTP_OAUTH_CLIENT_SECRET")
	require.NotContains(t, out.String(), secret)
}
