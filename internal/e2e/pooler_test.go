package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/testdb/testdbsqlc"
)

// Through PgBouncer in transaction mode (the way Neon's pooled URL works),
// with DATABASE_POOLER=transaction, the whole reset flow behaves as it does
// on a direct connection.
func TestResetFlowThroughTransactionPooler(t *testing.T) {
	t.Parallel()
	b := setup(t, bundleOpts{pooler: true, extra: dashboardCreds})
	resetFlow(t, b)
	require.Contains(t, b.worker.Output(), `"poll_only":true`, "LISTEN does not survive a transaction pooler")

	requireRiverUI(t, b)
	require.NotContains(t, b.api.Output(), "SQLSTATE")
}

// requireRiverUI reads River UI's lists and a job through the API's pool,
// as on-call with the dashboard credentials dashboardCreds sets.
func requireRiverUI(t *testing.T, b *testBundle) {
	t.Helper()
	for _, path := range []string{"/admin/jobs/api/jobs?state=completed", "/admin/jobs/api/queues", "/admin/jobs/api/jobs/1"} {
		req, err := http.NewRequest(http.MethodGet, "http://"+b.api.Addr+path, nil)
		require.NoError(t, err)
		req.SetBasicAuth(dashboardCreds[1], dashboardCreds[3])
		resp, err := b.client.Do(req)
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s: %s", path, body)
	}
}

// dashboardCreds turn the dashboard on, for bundleOpts.extra.
var dashboardCreds = []string{"DASHBOARD_USERNAME", "oncall", "DASHBOARD_PASSWORD", "a-dashboard-password"}

// A burst of forgot-password requests through the pooler is answered 202
// every time (pgx's default prepared-statement cache answered 198 of 400 with
// 500 here), and the worker, also behind the pooler, delivers every mail
// exactly once over a real SMTP conversation.
func TestForgotPasswordBurstThroughTransactionPooler(t *testing.T) {
	t.Parallel()
	forgotPasswordBurst(t, setup(t, bundleOpts{pooler: true}), 400, 40)
}

// forgotPasswordBurst asks for a reset for each of users accounts from
// clients concurrent clients, requires a 202 for every request, and then one
// mail per request, none twice.
func forgotPasswordBurst(t *testing.T, b *testBundle, users, clients int) {
	t.Helper()
	prior := b.smtp.Count()
	emails := make([]string, users)
	for i := range emails {
		emails[i] = fmt.Sprintf("burst-%03d@example.com", i)
		_, err := b.db.Fixtures.InsertUser(t.Context(), b.db.Pool, testdbsqlc.InsertUserParams{Email: emails[i], Name: "Burst", PasswordHash: "not-a-real-hash"})
		require.NoError(t, err)
	}

	client := &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: clients},
	}
	work := make(chan string)
	var mu sync.Mutex
	statuses := map[int]int{}
	var failures []string
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for email := range work {
				req, err := http.NewRequest(http.MethodPost, "http://"+b.api.Addr+"/api/auth/forgot-password",
					strings.NewReader(`{"email":"`+email+`"}`))
				if err != nil {
					panic(err)
				}
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				mu.Lock()
				if err != nil {
					failures = append(failures, err.Error())
				} else {
					statuses[resp.StatusCode]++
					_ = resp.Body.Close()
				}
				mu.Unlock()
			}
		}()
	}
	for _, e := range emails {
		work <- e
	}
	close(work)
	wg.Wait()
	require.Empty(t, failures)
	require.Equal(t, map[int]int{http.StatusAccepted: users}, statuses, "every request answered 202; api log:\n%s", tail(b.api.Output(), 20))

	// A generous bound: this machine runs many suites at once, and the
	// worker behind the pooler finds jobs by polling.
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	require.NoError(t, b.smtp.WaitForCount(ctx, prior+users), "delivered %d of %d", b.smtp.Count()-prior, users)
	var got []string
	for _, m := range b.smtp.Messages()[prior:] {
		got = append(got, strings.ToLower(strings.Join(m.To, ",")))
	}
	sort.Strings(got)
	require.Equal(t, emails, got, "one mail per request, none twice")
	require.NotContains(t, b.worker.Output(), "SQLSTATE")
	require.NotContains(t, b.api.Output(), "SQLSTATE")
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
