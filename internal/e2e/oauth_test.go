package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/mail/oauth"
	"github.com/todoapp/resetmail/internal/providertest"
	"github.com/todoapp/resetmail/internal/smtptest"
)

const (
	oauthClientID = "11112222-bbbb-3333-cccc-4444dddd5555"
	oauthSecret   = "e2e-oauth-client-secret-value"
	oauthMailbox  = "no-reply@example.com"
)

// oauthEnv points the worker at a token endpoint with the client
// credentials, and takes the SMTP password away.
func oauthEnv(ts *providertest.TokenServer, kv ...string) []string {
	return append([]string{"SMTP_PASSWORD", "", "SMTP_OAUTH_TOKEN_URL", ts.URL, "SMTP_OAUTH_CLIENT_ID", oauthClientID, "SMTP_OAUTH_CLIENT_SECRET", oauthSecret}, kv...)
}

// requestResets registers each address and asks for its reset.
func (b *testBundle) requestResets(t *testing.T, emails ...string) {
	t.Helper()
	for _, email := range emails {
		b.register(t, email, "a fine password", "User")
		r := b.do(t, http.MethodPost, "/api/auth/forgot-password", "", map[string]string{"email": email})
		require.Equal(t, http.StatusAccepted, r.status)
	}
}

// noJobUsedAnAttempt: every reset job that waited (for a token, for the
// provider) did so by snoozing: none recorded an error, none was
// cancelled or discarded.
func (b *testBundle) noJobUsedAnAttempt(t *testing.T) {
	t.Helper()
	jobs, err := b.db.Fixtures.JobArgs(context.Background(), b.db.Pool, "password_reset_email")
	require.NoError(t, err)
	for _, j := range jobs {
		require.Contains(t, []string{"", "null", "[]"}, j.Errors, "job %s used an attempt", j.State)
	}
	require.Zero(t, b.jobsIn(t, "cancelled", "discarded"))
}

// TestXOAuth2WithExpiringTokensAndARevokedSecret runs the real worker
// against an SMTP server that offers only XOAUTH2 (answering a bad token
// as Exchange Online does) and a token endpoint whose tokens live three
// seconds: mail flows while tokens expire and are fetched again; a revoked
// client secret holds mail with /readyz 503 naming the variable; once the
// endpoint accepts the secret again the held mail goes out, with the same
// worker process, no restart.
func TestXOAuth2WithExpiringTokensAndARevokedSecret(t *testing.T) {
	t.Parallel()
	ts := providertest.NewTokenServer(t, providertest.TokenOptions{ClientID: oauthClientID, ClientSecret: oauthSecret, Scope: oauth.ScopeOutlookSMTP, Lifetime: 3 * time.Second})
	b := setup(t, bundleOpts{
		smtp: smtptest.Options{
			AuthUser: oauthMailbox, AuthMechanisms: []string{smtptest.XOAuth2}, XOAuth2Microsoft: true,
			XOAuth2: func(token string) bool { return ts.Valid(token, oauth.ScopeOutlookSMTP, "") },
			// Exchange closes idle sessions; here after a second, so that
			// new connections authenticate as tokens come and go.
			IdleTimeout: time.Second,
		},
		extra: oauthEnv(ts, "SMTP_AUTH", "xoauth2", "SMTP_USERNAME", oauthMailbox),
	})

	// Deliveries spread over about ten seconds: three token lifetimes.
	const spread = 7
	for i := range spread {
		b.requestResets(t, fmt.Sprintf("user%d@example.com", i))
		require.Eventually(t, func() bool { return b.smtp.Count() >= i+1 }, 20*time.Second, 20*time.Millisecond)
		time.Sleep(1500 * time.Millisecond)
	}
	require.GreaterOrEqual(t, ts.Granted(), int64(3), "the token endpoint is asked again as tokens expire")
	require.Less(t, ts.Granted(), int64(spread+1), "one token serves several connections")
	t.Logf("%d mails over %d tokens of 3 s each", b.smtp.Count(), ts.Granted())

	// The secret is revoked (a new one was made in Entra, the old deleted).
	ts.SetClientSecret("")
	time.Sleep(3 * time.Second) // the cached token expires
	b.requestResets(t, "held1@example.com", "held2@example.com", "held3@example.com")
	body := b.waitNotReady(t, "invalid_client")
	require.Contains(t, body, "SMTP_OAUTH_CLIENT_SECRET")
	require.Contains(t, body, "resumes by itself")
	require.Equal(t, spread, b.smtp.Count())
	b.noJobUsedAnAttempt(t)

	// The endpoint accepts the secret again; the same process delivers.
	ts.SetClientSecret(oauthSecret)
	fixed := time.Now()
	require.Eventually(t, func() bool { return b.smtp.Count() >= spread+3 }, 60*time.Second, 50*time.Millisecond,
		"held mail goes out once the token endpoint accepts again, without a restart")
	t.Logf("3 held mails delivered %s after the token endpoint accepted again", time.Since(fixed).Round(100*time.Millisecond))
	b.noJobUsedAnAttempt(t)
	require.Eventually(t, func() bool {
		status, _ := get(t, "http://"+b.worker.Addr+"/readyz")
		return status == http.StatusOK
	}, 10*time.Second, 100*time.Millisecond)

	out := b.worker.Output()
	require.NotContains(t, out, oauthSecret)
	require.NotContains(t, out, "tok-", "no access token in the logs")
}

// TestGraphProviderEndToEnd: MAIL_PROVIDER=graph through the real worker
// against a Graph fake and a token endpoint: delivery with both parts and
// a working link; 429 with Retry-After and 503 wait without using an
// attempt; 403 (Mail.Send not granted) holds mail with /readyz 503 and
// delivers once Graph accepts, without a restart.
func TestGraphProviderEndToEnd(t *testing.T) {
	t.Parallel()
	ts := providertest.NewTokenServer(t, providertest.TokenOptions{ClientID: oauthClientID, ClientSecret: oauthSecret, Scope: oauth.ScopeGraph})
	srv := providertest.New(t, providertest.Options{Kind: providertest.Graph, Tokens: ts, Mailbox: oauthMailbox})
	b := setup(t, bundleOpts{extra: oauthEnv(ts, "MAIL_PROVIDER", "graph", "MAIL_API_URL", srv.URL, "MAIL_FROM", "Todo <"+oauthMailbox+">",
		"SMTP_HOST", "", "SMTP_FROM", "", "SMTP_USERNAME", "", "SMTP_PORT", "", "SMTP_TLS", "")})

	b.requestResets(t, "ada@example.com")
	m := waitProviderMail(t, srv, 1)
	require.Equal(t, "ada@example.com", m.To)
	require.Contains(t, m.From, oauthMailbox)
	require.NotEmpty(t, m.HTML)
	token := tokenFrom(t, m.Text)
	r := b.do(t, http.MethodPost, "/api/auth/reset-password", "", map[string]string{"token": token, "new_password": "new password 2"})
	require.Equal(t, http.StatusOK, r.status, string(r.raw))

	// Throttled, then down: both wait and keep the attempt.
	var calls atomic.Int64
	srv.SetFault(func(int64, *http.Request) *providertest.Reply {
		switch calls.Add(1) {
		case 1:
			rep := srv.Throttle(2 * time.Second)
			return &rep
		case 2:
			rep := srv.Unavailable()
			return &rep
		}
		return nil
	})
	b.requestResets(t, "bob@example.com")
	waitProviderMail(t, srv, 2)
	require.GreaterOrEqual(t, calls.Load(), int64(3))
	b.noJobUsedAnAttempt(t)

	// 403: the app lost Mail.Send. Held, /readyz says so; Graph accepts
	// again (consent restored) and the mail goes out, same process.
	srv.SetFault(providertest.Always(srv.Forbidden()))
	b.requestResets(t, "carol@example.com")
	body := b.waitNotReady(t, "graph 403")
	require.Contains(t, body, "Mail.Send")
	b.noJobUsedAnAttempt(t)
	srv.SetFault(nil)
	waitProviderMailWithin(t, srv, 3, 60*time.Second)
	b.noJobUsedAnAttempt(t)
	require.EqualValues(t, 1, ts.Granted(), "one token for every call")
	require.NotContains(t, b.worker.Output(), oauthSecret)
}

func waitProviderMailWithin(t *testing.T, srv *providertest.Server, n int, d time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	require.NoError(t, srv.WaitForCount(ctx, n))
}

// waitNotReady waits for the worker's /readyz to answer 503 with problem
// in its body, and returns the body.
func (b *testBundle) waitNotReady(t *testing.T, problem string) string {
	t.Helper()
	var body string
	require.Eventually(t, func() bool {
		var status int
		status, body = get(t, "http://"+b.worker.Addr+"/readyz")
		return status == http.StatusServiceUnavailable && strings.Contains(body, problem)
	}, 30*time.Second, 100*time.Millisecond, "readyz: %s", body)
	return body
}
