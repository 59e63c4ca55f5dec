package e2e

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/reset"
	"github.com/todoapp/resetmail/internal/testutil"
)

// The second security review (issue 23), attacked against the real
// binaries. Each test names its item.

// TestSimultaneousResetLinksHaveOneWinner: two valid reset links of one
// account used at the same instant, 20 accounts at once (issue 23, item 4).
// Each reset took the request's row, then the user's, then voided the
// other request's row, which the other reset held: a Postgres deadlock,
// answered 500. Now each pair has exactly one winner, the other link is
// invalid_token, and nothing is a 5xx.
func TestSimultaneousResetLinksHaveOneWinner(t *testing.T) {
	t.Parallel()
	const pairs = 20
	b := setup(t, bundleOpts{})
	emails := make([]string, pairs)
	for i := range pairs {
		emails[i] = fmt.Sprintf("pair%02d@example.com", i)
		b.register(t, emails[i], "old password 1", "Pair")
	}
	// One link each, then a second one: two requests of one account
	// prepared at the same instant could share the send slot's instant.
	for n := 1; n <= 2; n++ {
		for _, email := range emails {
			r := b.do(t, http.MethodPost, "/api/auth/forgot-password", "", map[string]string{"email": email})
			require.Equal(t, http.StatusAccepted, r.status, string(r.raw))
		}
		for _, email := range emails {
			require.Equal(t, map[string]int{"sent": n}, b.waitResetOutcomes(t, email, n))
		}
	}
	tokens := make([][2]string, pairs)
	for i, email := range emails {
		for j, req := range b.resetRequests(t, email) {
			tokens[i][j] = reset.DeriveToken([]byte(resetKey), req.ID)
		}
	}

	// 40 bcrypt hashes at once on a shared machine: the answers may be
	// slow, and this test is about what they say.
	b.client.Timeout = 2 * time.Minute
	statuses := make([][2]int, pairs)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range pairs {
		for j := range 2 {
			wg.Go(func() {
				<-start
				r := b.do(t, http.MethodPost, "/api/auth/reset-password", "", map[string]string{"token": tokens[i][j], "new_password": fmt.Sprintf("new password %d", j)})
				statuses[i][j] = r.status
				if r.status == http.StatusBadRequest {
					require.Equal(t, "invalid_token", errorCode(r), string(r.raw))
				}
			})
		}
	}
	close(start)
	wg.Wait()

	fivexx := 0
	for i, s := range statuses {
		for _, st := range s {
			if st >= 500 {
				fivexx++
			}
		}
		require.ElementsMatch(t, []int{http.StatusOK, http.StatusBadRequest}, s[:], "pair %d: %v", i, s)
	}
	require.Zero(t, fivexx, "5xx answers: %v", statuses)
}

// TestWorkerHTTPServerClosesIdleConnections is issue 23, item 7: the
// worker's health and metrics server had no read or idle timeout; a
// connection stayed open after 75 s idle. It follows HTTP_READ_TIMEOUT and
// HTTP_IDLE_TIMEOUT like the API's public port.
func TestWorkerHTTPServerClosesIdleConnections(t *testing.T) {
	t.Parallel()
	b := setup(t, bundleOpts{extra: []string{"HTTP_IDLE_TIMEOUT", "200ms"}})
	require.NoError(t, testutil.IdleConnectionClosed(b.worker.Addr, "/healthz", 20*time.Second))
}

// TestPreHijackedSignupOpensNoAccountWithTheAttackersPassword is issue 23,
// item 1: an attacker registers bob@example.com with a password of their
// choice; Bob gets a confirmation mail he cannot tell from his own and
// follows it. The link alone used to create the account with the
// attacker's password and sign Bob in. Now the page must be completed with
// the password chosen at sign-up, typed again; whichever way Bob completes
// it, no account opens with the attacker's password.
func TestPreHijackedSignupOpensNoAccountWithTheAttackersPassword(t *testing.T) {
	t.Parallel()
	b := setup(t, bundleOpts{extra: signupEnv})
	const attackers, bobs = "attacker's password", "bob's own password"

	r := b.signup(t, "bob@example.com", attackers, "Bob")
	require.Equal(t, http.StatusAccepted, r.status, string(r.raw))
	_, m := b.waitMail(t, 1)
	token := tokenFrom(t, m.Text)

	noAccount := func(how string) {
		t.Helper()
		for _, pw := range []string{attackers, bobs} {
			status, _ := b.login(t, "bob@example.com", pw)
			require.Equal(t, http.StatusUnauthorized, status, "%s: an account opens with %q", how, pw)
		}
	}
	// Following the link, without typing a password.
	v := b.do(t, http.MethodPost, "/api/auth/verify-email", "", map[string]string{"token": token})
	require.Equal(t, http.StatusBadRequest, v.status, string(v.raw))
	require.Equal(t, "validation_failed", errorCode(v))
	require.Contains(t, string(v.raw), `"password"`)
	noAccount("the link alone")
	// Typing his own password, which is not the one chosen at sign-up.
	v = b.verify(t, token, bobs)
	require.Equal(t, http.StatusBadRequest, v.status, string(v.raw))
	require.Equal(t, "validation_failed", errorCode(v))
	require.Contains(t, string(v.raw), `"password"`)
	noAccount("his own password")

	// Bob signs up himself: his own link and his own password open his
	// account, and the attacker's password never does.
	r = b.signup(t, "bob@example.com", bobs, "Bob")
	require.Equal(t, http.StatusAccepted, r.status, string(r.raw))
	_, m = b.waitMail(t, 2)
	v = b.verify(t, tokenFrom(t, m.Text), bobs)
	require.Equal(t, http.StatusCreated, v.status, string(v.raw))
	status, _ := b.login(t, "bob@example.com", attackers)
	require.Equal(t, http.StatusUnauthorized, status)
	v = b.verify(t, token, attackers)
	require.Equal(t, http.StatusBadRequest, v.status, "the attacker's link is dead once Bob has his account")
	require.Equal(t, "invalid_token", errorCode(v))
	status, _ = b.login(t, "bob@example.com", attackers)
	require.Equal(t, http.StatusUnauthorized, status)
}

// TestSignupMailIsThrottledPerAddress is issue 23, item 2: confirmation
// mail to an address without an account was limited per client IP only,
// so 15 mails reached one address from 3 clients in about a second. Ten
// sign-ups for one new address from ten clients, at once, now give at most
// one mail per RESET_EMAIL_INTERVAL, and every one of them the same 202.
func TestSignupMailIsThrottledPerAddress(t *testing.T) {
	t.Parallel()
	const n = 10
	b := setup(t, bundleOpts{extra: append(append([]string{}, floodEnv...), signupEnv...)})

	answers := make([]response, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			answers[i] = b.doFrom(t, fmt.Sprintf("198.51.100.%d", i+1), http.MethodPost, "/api/auth/register",
				map[string]string{"email": "inbox@example.com", "password": fmt.Sprintf("password number %d", i), "name": "Inbox"})
		})
	}
	wg.Wait()
	for _, r := range answers {
		require.Equal(t, http.StatusAccepted, r.status, string(r.raw))
		require.Equal(t, string(answers[0].raw), string(r.raw), "the same answer whether or not a mail goes out")
	}
	outcomes := b.waitSignupOutcomes(t, "inbox@example.com", n)
	// Give a stray second mail time to arrive before counting.
	time.Sleep(time.Second)
	require.Equal(t, 1, b.smtp.Count(), "mails sent")
	require.Equal(t, map[string]int{"sent": 1, "throttled": n - 1}, outcomes)
}

// waitSignupOutcomes waits until n sign-up requests for email have an
// outcome other than pending and returns how many ended in each.
func (b *testBundle) waitSignupOutcomes(t *testing.T, email string, n int) map[string]int {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		rows, err := b.db.Fixtures.SignupOutcomes(t.Context(), b.db.Pool, email)
		require.NoError(t, err)
		counts := map[string]int{}
		done := 0
		for _, o := range rows {
			if o != "pending" {
				counts[o]++
				done++
			}
		}
		if len(rows) == n && done == n {
			return counts
		}
		require.True(t, time.Now().Before(deadline), "sign-up outcomes after 30s: %v of %d requests", counts, len(rows))
		time.Sleep(50 * time.Millisecond)
	}
}
