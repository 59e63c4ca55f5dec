package reset_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/mail/ses"
	"github.com/todoapp/resetmail/internal/providertest"
	"github.com/todoapp/resetmail/internal/testdb"
	"github.com/todoapp/resetmail/internal/testutil"
)

const providerKey = "provider-test-key-0123456789"

// setupProvider is setup with an HTTPS provider's fake instead of SMTP.
func setupProvider(t *testing.T, kind string, opts ...workerOpts) (*testBundle, *providertest.Server) {
	t.Helper()
	srv := providertest.New(t, providertest.Options{Kind: kind, Key: providerKey})
	var o workerOpts
	if len(opts) > 0 {
		o = opts[0]
	}
	o.env = providerEnv(kind, srv.URL)
	if kind == providertest.SES {
		// The SDK reads its credentials from the process's environment,
		// which parallel tests cannot set: the one stand-in no setting
		// reaches.
		p, err := ses.New(context.Background(), ses.Config{
			Region: "eu-west-1", Endpoint: srv.URL,
			Credentials: credentials.NewStaticCredentialsProvider(providerKey, "secret", ""),
		})
		require.NoError(t, err)
		o.provider = p
	}
	db := testdb.New(t)
	key := []byte(testutil.Secret("reset-key", 40))
	obs := &recordingObserver{}
	client := startWorkerWith(t, db, key, obs, 0, o)
	svc := newService(t, db, 0, 0)
	return &testBundle{db: db, client: client, svc: svc, key: key, obs: obs}, srv
}

// providerEnv selects the HTTPS provider kind, reached at url.
func providerEnv(kind, url string) map[string]string {
	env := map[string]string{"MAIL_PROVIDER": kind, "MAIL_API_URL": url, "MAIL_API_KEY": providerKey}
	if kind == providertest.SES {
		env = map[string]string{"MAIL_PROVIDER": kind, "AWS_REGION": "eu-west-1", "AWS_ENDPOINT_URL_SESV2": url}
	}
	return env
}

var providerKinds = []string{providertest.Resend, providertest.Postmark, providertest.SES}

// forEachProvider runs test, in parallel, against a worker of each HTTPS
// provider kind and that provider's fake.
func forEachProvider(t *testing.T, test func(t *testing.T, kind string, b *testBundle, srv *providertest.Server)) {
	t.Helper()
	t.Parallel()
	for _, kind := range providerKinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			b, srv := setupProvider(t, kind)
			test(t, kind, b, srv)
		})
	}
}

// TestFlakyProviderDeliversEveryMailExactlyOnce: 20 % 429 with Retry-After
// and 5 % 500, every mail arrives once.
func TestFlakyProviderDeliversEveryMailExactlyOnce(t *testing.T) {
	forEachProvider(t, func(t *testing.T, _ string, b *testBundle, srv *providertest.Server) {
		srv.SetFault(providertest.Weighted(42,
			providertest.Choice{P: 0.20, Reply: srv.Throttle(time.Second)},
			providertest.Choice{P: 0.05, Reply: srv.InternalError()},
		))
		const n = 40
		for i := range n {
			b.addUser(t, fmt.Sprintf("flaky%02d@example.com", i), "User")
			_, err := b.svc.RequestReset(context.Background(), fmt.Sprintf("flaky%02d@example.com", i))
			require.NoError(t, err)
		}
		rows := b.waitJob(t, "password_reset_email", n)
		per := map[string]int{}
		for _, m := range srv.Mails() {
			per[m.To]++
		}
		require.Len(t, per, n)
		for to, c := range per {
			require.Equal(t, 1, c, "%s got %d mails", to, c)
		}
		for _, r := range rows {
			require.Equal(t, "completed", r.State, r.Errors)
		}
		require.Greater(t, srv.Calls(), int64(n), "faults were injected")
	})
}

// TestRejectedRecipientIsCancelledOnTheFirstAttempt: Resend 422, Postmark
// 406, SES MessageRejected end the job at once, readable in the dashboard.
func TestRejectedRecipientIsCancelledOnTheFirstAttempt(t *testing.T) {
	forEachProvider(t, func(t *testing.T, kind string, b *testBundle, srv *providertest.Server) {
		srv.SetFault(providertest.Always(srv.RejectRecipient()))
		_, job := b.resetOne(t, "bounced@example.com", "Bounced")
		require.Equal(t, "cancelled", job.State)
		require.Equal(t, int64(1), srv.Calls(), "one attempt")
		require.Contains(t, job.Errors, "provider rejected the message, not retrying")
		require.Contains(t, job.Errors, kind+" ")
		require.Contains(t, job.Errors, map[string]string{"resend": "422", "postmark": "406", "ses": "MessageRejected"}[kind])
		require.NotContains(t, strings.ReplaceAll(job.Errors, `\u0026`, "&"), "bounced@example.com")
		require.Contains(t, job.Errors, "b***@example.com")
	})
}

// TestHTTP503OnEveryCallThenRecovery is the outage test for the HTTPS
// providers: 12 s of 503 to every call, production timings.
func TestHTTP503OnEveryCallThenRecovery(t *testing.T) {
	t.Parallel()
	b, srv := setupProvider(t, providertest.Postmark, productionTimings)
	srv.SetFault(providertest.Always(srv.Unavailable()))
	const n = 30
	for i := range n {
		b.addUser(t, fmt.Sprintf("down%02d@example.com", i), "User")
		_, err := b.svc.RequestReset(context.Background(), fmt.Sprintf("down%02d@example.com", i))
		require.NoError(t, err)
	}
	time.Sleep(12 * time.Second)
	refused := srv.Calls()
	srv.SetFault(nil)
	recovered := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, srv.WaitForCount(ctx, n))
	var last time.Time
	per := map[string]int{}
	for _, m := range srv.Mails() {
		per[m.To]++
		if m.At.After(last) {
			last = m.At
		}
	}
	t.Logf("FIGURE 503 outage: %d mails, 12s of HTTP 503, %d calls refused; last mail %.1fs after recovery", n, refused, last.Sub(recovered).Seconds())
	require.Len(t, per, n)
	for to, c := range per {
		require.Equal(t, 1, c, to)
	}
	for _, j := range b.waitJob(t, "password_reset_email", n) {
		require.Equal(t, "completed", j.State)
		require.Contains(t, []string{"", "[]"}, j.Errors, "snoozed, no attempt used")
	}
	require.Less(t, refused, int64(n*12/3), "snoozed jobs do not each hammer the provider")
}
