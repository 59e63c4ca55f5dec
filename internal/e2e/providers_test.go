package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/providertest"
	"github.com/todoapp/resetmail/internal/testdb/testdbsqlc"
)

const sesAccessKey = "AKIDE2EPROVIDERS"

// providerEnv points the worker at a fake provider of kind, accepting key,
// and takes every SMTP_* setting away: an HTTPS provider needs none.
func providerEnv(srv *providertest.Server, kind, key string) []string {
	extra := []string{"MAIL_PROVIDER", kind, "MAIL_FROM", "Todo <no-reply@example.com>",
		"SMTP_HOST", "", "SMTP_FROM", "", "SMTP_USERNAME", "", "SMTP_PASSWORD", "", "SMTP_PORT", "", "SMTP_TLS", ""}
	if kind == providertest.SES {
		return append(extra, "AWS_REGION", "eu-west-1", "AWS_ENDPOINT_URL_SESV2", srv.URL,
			"AWS_ACCESS_KEY_ID", key, "AWS_SECRET_ACCESS_KEY", "e2e-ses-secret", "AWS_EC2_METADATA_DISABLED", "true")
	}
	return append(extra, "MAIL_API_KEY", key, "MAIL_API_URL", srv.URL)
}

func newProviderServer(t *testing.T, kind, key string) *providertest.Server {
	return providertest.New(t, providertest.Options{Kind: kind, Key: key})
}

func providerKey(kind string) string {
	if kind == providertest.SES {
		return sesAccessKey
	}
	return "e2e-" + kind + "-key-0123456789"
}

// TestResetFlowThroughEachHTTPSProvider: forgot-password, the provider's
// API, and the link in the sent text resets the password.
func TestResetFlowThroughEachHTTPSProvider(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{providertest.Resend, providertest.Postmark, providertest.SES} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			key := providerKey(kind)
			srv := newProviderServer(t, kind, key)
			b := setup(t, bundleOpts{extra: providerEnv(srv, kind, key)})
			b.register(t, "ada@example.com", "old password 1", "Ada")

			r := b.do(t, http.MethodPost, "/api/auth/forgot-password", "", map[string]string{"email": "ada@example.com"})
			require.Equal(t, http.StatusAccepted, r.status)
			m := waitProviderMail(t, srv, 1)
			require.Equal(t, "ada@example.com", m.To)
			require.Contains(t, m.From, "no-reply@example.com")
			require.NotEmpty(t, m.HTML)
			token := tokenFrom(t, m.Text)

			r = b.do(t, http.MethodPost, "/api/auth/reset-password", "", map[string]string{"token": token, "new_password": "new password 2"})
			require.Equal(t, http.StatusOK, r.status, string(r.raw))
			status, _ := b.login(t, "ada@example.com", "new password 2")
			require.Equal(t, http.StatusOK, status)
			if kind == providertest.Resend {
				require.True(t, strings.HasPrefix(m.IdempotencyKey, "resetmail/password-reset/"), m.IdempotencyKey)
			}
			if kind == providertest.SES {
				require.Regexp(t, `^AWS4-HMAC-SHA256 Credential=`+sesAccessKey+`/\d{8}/eu-west-1/ses/aws4_request, SignedHeaders=.*, Signature=[0-9a-f]{64}$`, srv.Authorizations()[0])
			}
			require.NotContains(t, b.worker.Output(), key)
		})
	}
}

func waitProviderMail(t *testing.T, srv *providertest.Server, n int) providertest.Mail {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	require.NoError(t, srv.WaitForCount(ctx, n))
	return srv.Mails()[n-1]
}

// TestBadCredentialsHoldMailUntilARestartWithGoodOnes covers a revoked API
// key and a wrong SMTP password: no mail is cancelled or discarded, /readyz
// answers 503 naming the problem, and a restart with good credentials
// delivers everything.
func TestBadCredentialsHoldMailUntilARestartWithGoodOnes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		bad     func(*testing.T) (*bundleOpts, func() int)
		fix     []string
		problem string
	}{
		{
			name: "revoked resend key",
			bad: func(t *testing.T) (*bundleOpts, func() int) {
				srv := newProviderServer(t, providertest.Resend, "re_new_key_after_rotation")
				return &bundleOpts{extra: providerEnv(srv, providertest.Resend, "re_revoked_key")}, srv.Count
			},
			fix:     []string{"MAIL_API_KEY", "re_new_key_after_rotation"},
			problem: "resend 401",
		},
		{
			name: "wrong smtp password",
			bad: func(*testing.T) (*bundleOpts, func() int) {
				return &bundleOpts{extra: []string{"SMTP_PASSWORD", "the-old-password"}}, nil
			},
			fix:     []string{"SMTP_PASSWORD", smtpPassword},
			problem: "smtp 535",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o, count := tc.bad(t)
			b := setup(t, *o)
			if count == nil {
				count = b.smtp.Count
			}
			const n = 3
			for _, email := range []string{"a@example.com", "b@example.com", "c@example.com"} {
				b.register(t, email, "a fine password", "User")
				r := b.do(t, http.MethodPost, "/api/auth/forgot-password", "", map[string]string{"email": email})
				require.Equal(t, http.StatusAccepted, r.status)
			}

			var body string
			require.Eventually(t, func() bool {
				var status int
				status, body = get(t, "http://"+b.worker.Addr+"/readyz")
				return status == http.StatusServiceUnavailable && strings.Contains(body, tc.problem)
			}, 20*time.Second, 100*time.Millisecond, "readyz: %s", body)
			require.Contains(t, body, `"mail"`)
			require.Zero(t, count())

			// Held, not lost: every job is still waiting, none used an
			// attempt to no purpose or was cancelled or discarded.
			time.Sleep(2 * time.Second)
			require.Zero(t, b.jobsIn(t, "cancelled", "discarded"))

			require.NoError(t, b.worker.Stop(15*time.Second))
			b.env = b.env.With(tc.fix...)
			restarted := time.Now()
			worker, err := startWorkerProcess(t, b, "worker-fixed")
			require.NoError(t, err)
			b.worker = worker
			require.Eventually(t, func() bool { return count() >= n }, 30*time.Second, 50*time.Millisecond,
				"every held mail is delivered within 30 s of the restart")
			t.Logf("%s: %d held mails delivered %s after the restart with good credentials", tc.name, n, time.Since(restarted).Round(100*time.Millisecond))
			require.Zero(t, b.jobsIn(t, "cancelled", "discarded"))
			status, _ := get(t, "http://"+b.worker.Addr+"/readyz")
			require.Equal(t, http.StatusOK, status)
		})
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw)
}

// jobsIn counts the email jobs in any of states.
func (b *testBundle) jobsIn(t *testing.T, states ...string) int {
	t.Helper()
	n, err := b.db.Fixtures.JobsInStates(context.Background(), b.db.Pool, testdbsqlc.JobsInStatesParams{Queue: "email", States: states})
	require.NoError(t, err)
	return int(n)
}

// TestResendSIGKILLMidBurstLosesNothingAndDuplicatesNothing kills a worker
// while it sends a burst through Resend, then starts another: every mail
// arrives, and Resend's idempotency key turns every repeat of a mail the
// dead worker had sent (but not recorded) into no second delivery.
func TestResendSIGKILLMidBurstLosesNothingAndDuplicatesNothing(t *testing.T) {
	t.Parallel()
	key := providerKey(providertest.Resend)
	srv := providertest.New(t, providertest.Options{Kind: providertest.Resend, Key: key, Latency: 20 * time.Millisecond})
	b := setup(t, bundleOpts{extra: append(providerEnv(srv, providertest.Resend, key),
		"JOB_TIMEOUT", "3s", "RESCUE_STUCK_JOBS_AFTER", "4s")})
	const n = 150
	for i := range n {
		b.register(t, fmt.Sprintf("kill%03d@example.com", i), "a fine password", "User")
	}
	for i := range n {
		r := b.do(t, http.MethodPost, "/api/auth/forgot-password", "", map[string]string{"email": fmt.Sprintf("kill%03d@example.com", i)})
		require.Equal(t, http.StatusAccepted, r.status)
	}
	require.Eventually(t, func() bool { return srv.Count() >= n/5 }, 30*time.Second, 5*time.Millisecond)
	require.NoError(t, b.worker.Kill())
	killedAt := srv.Count()
	worker, err := startWorkerProcess(t, b, "worker-after-kill")
	require.NoError(t, err)
	b.worker = worker
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	require.NoError(t, srv.WaitForCount(ctx, n))
	time.Sleep(2 * time.Second)
	per := map[string]int{}
	for _, m := range srv.Mails() {
		per[m.To]++
	}
	require.Len(t, per, n, "nothing lost")
	for to, c := range per {
		require.Equal(t, 1, c, "%s delivered %d times", to, c)
	}
	t.Logf("killed after %d of %d deliveries; %d calls reached Resend for %d deliveries (repeats deduplicated by Idempotency-Key)", killedAt, n, srv.Calls(), srv.Count())
}
