package e2e

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/reset"
	"github.com/todoapp/resetmail/internal/smtptest"
	"github.com/todoapp/resetmail/internal/testdb/testdbsqlc"
)

// floodEnv is the review's set-up for issue 13, item 1: per-IP limits on,
// the proxy at 127.0.0.1 trusted, so that every request can come from its
// own client IP through X-Forwarded-For, and a one-hour send interval.
var floodEnv = []string{
	"RATE_LIMIT_ENABLED", "true",
	"TRUSTED_PROXIES", "127.0.0.1",
	"RESET_EMAIL_INTERVAL", "1h",
}

// TestFloodLimitSendsOneMailPerInterval: with an SMTP server that answers in
// 700 ms, requests for one address that run at the same time, or one after
// the other faster than the server answers, give exactly one mail per
// RESET_EMAIL_INTERVAL (issue 13, item 1). The send slot is reserved before
// sending; counting sent mails was too late.
func TestFloodLimitSendsOneMailPerInterval(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		n          int
		concurrent bool
	}{
		{"8 concurrent", 8, true},
		{"20 sequential 3ms apart", 20, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, bundleOpts{smtp: smtptest.Options{Latency: 700 * time.Millisecond}, extra: floodEnv})
			b.register(t, "target@example.com", "a fine password", "Target")

			forgot := func(i int) {
				r := b.doFrom(t, fmt.Sprintf("198.51.100.%d", i+1), http.MethodPost, "/api/auth/forgot-password", map[string]string{"email": "target@example.com"})
				require.Equal(t, http.StatusAccepted, r.status, string(r.raw))
			}
			if tc.concurrent {
				var wg sync.WaitGroup
				for i := range tc.n {
					wg.Go(func() { forgot(i) })
				}
				wg.Wait()
			} else {
				for i := range tc.n {
					forgot(i)
					time.Sleep(3 * time.Millisecond)
				}
			}

			outcomes := b.waitResetOutcomes(t, "target@example.com", tc.n)
			// Give a stray second mail time to arrive before counting.
			time.Sleep(time.Second)
			require.Equal(t, 1, b.smtp.Count(), "mails sent")
			require.Equal(t, map[string]int{"sent": 1, "throttled": tc.n - 1}, outcomes)
		})
	}
}

// TestSlotHolderRetriesStillSend: the request that reserved the slot keeps
// it through transient failures, so a flood limit never costs the real mail.
func TestSlotHolderRetriesStillSend(t *testing.T) {
	t.Parallel()
	b := setup(t, bundleOpts{smtp: smtptest.Options{Fault: smtptest.TempFailFirst(2)}, extra: floodEnv})
	b.register(t, "unlucky@example.com", "a fine password", "Unlucky")

	r := b.doFrom(t, "198.51.100.1", http.MethodPost, "/api/auth/forgot-password", map[string]string{"email": "unlucky@example.com"})
	require.Equal(t, http.StatusAccepted, r.status)
	b.waitMail(t, 1)
	for i := range 3 {
		r := b.doFrom(t, fmt.Sprintf("198.51.100.%d", i+2), http.MethodPost, "/api/auth/forgot-password", map[string]string{"email": "unlucky@example.com"})
		require.Equal(t, http.StatusAccepted, r.status)
	}
	outcomes := b.waitResetOutcomes(t, "unlucky@example.com", 4)
	require.Equal(t, map[string]int{"sent": 1, "throttled": 3}, outcomes)
	require.Equal(t, 1, b.smtp.Count())
}

// TestRequestQueuedBeforeResetIsSuperseded: a reset request made before the
// password last changed never sends and never consumes (issue 13, item 4).
// The worker is stopped, R2 is requested, the password is reset with R1's
// token, then the worker starts: R2 completes as superseded, without a mail,
// and its token cannot reset the password.
func TestRequestQueuedBeforeResetIsSuperseded(t *testing.T) {
	t.Parallel()
	b := setup(t, bundleOpts{})
	b.register(t, "ada@example.com", "first password", "Ada")

	r := b.do(t, http.MethodPost, "/api/auth/forgot-password", "", map[string]string{"email": "ada@example.com"})
	require.Equal(t, http.StatusAccepted, r.status)
	_, first := b.waitMail(t, 1)
	t1 := tokenFrom(t, first.Text)

	require.NoError(t, b.worker.Stop(15*time.Second))
	r = b.do(t, http.MethodPost, "/api/auth/forgot-password", "", map[string]string{"email": "ada@example.com"})
	require.Equal(t, http.StatusAccepted, r.status)
	r = b.do(t, http.MethodPost, "/api/auth/reset-password", "", map[string]string{"token": t1, "new_password": "second password"})
	require.Equal(t, http.StatusOK, r.status, string(r.raw))

	_, err := startWorkerProcess(t, b, "worker-2")
	require.NoError(t, err)

	reqs := b.resetRequests(t, "ada@example.com")
	require.Len(t, reqs, 2)
	r2 := reqs[1].ID
	outcomes := b.waitResetOutcomes(t, "ada@example.com", 2)
	require.Equal(t, map[string]int{"sent": 1, "superseded": 1}, outcomes)

	// The password-changed notice is the only other mail.
	_, notice := b.waitMail(t, 2)
	require.Contains(t, notice.Subject, "password was changed")
	time.Sleep(500 * time.Millisecond)
	require.Equal(t, 2, b.smtp.Count(), "R2 sent no mail")

	t2 := reset.DeriveToken([]byte(resetKey), r2)
	r = b.do(t, http.MethodPost, "/api/auth/reset-password/verify", "", map[string]string{"token": t2})
	require.Equal(t, http.StatusBadRequest, r.status)
	require.Equal(t, "invalid_token", errorCode(r))
	r = b.do(t, http.MethodPost, "/api/auth/reset-password", "", map[string]string{"token": t2, "new_password": "third password"})
	require.Equal(t, http.StatusBadRequest, r.status)
	require.Equal(t, "invalid_token", errorCode(r))
	status, _ := b.login(t, "ada@example.com", "second password")
	require.Equal(t, http.StatusOK, status)
}

// resetRequests are email's reset requests, oldest first, with their
// outcomes.
func (b *testBundle) resetRequests(t *testing.T, email string) []testdbsqlc.ResetRequestsForRow {
	t.Helper()
	rows, err := b.db.Fixtures.ResetRequestsFor(context.Background(), b.db.Pool, email)
	require.NoError(t, err)
	return rows
}

// waitResetOutcomes waits until n reset requests for email have an outcome
// other than pending and returns how many ended in each.
func (b *testBundle) waitResetOutcomes(t *testing.T, email string, n int) map[string]int {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		reqs := b.resetRequests(t, email)
		counts := map[string]int{}
		for _, r := range reqs {
			if r.Outcome != "pending" {
				counts[r.Outcome]++
			}
		}
		done := 0
		for _, c := range counts {
			done += c
		}
		if len(reqs) == n && done == n {
			return counts
		}
		require.True(t, time.Now().Before(deadline), "reset outcomes after 30s: %v of %d requests", counts, len(reqs))
		time.Sleep(50 * time.Millisecond)
	}
}
