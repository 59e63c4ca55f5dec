package reset_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/smtptest"
	"github.com/todoapp/resetmail/internal/testdb"
	"github.com/todoapp/resetmail/internal/testutil"
)

// setupTimed is setup with the worker's production timings, for the
// outage tests whose point is how soon mail flows.
func setupTimed(t *testing.T, fault smtptest.FaultFunc) *testBundle {
	t.Helper()
	db := testdb.New(t)
	srv := smtptest.NewT(t, smtptest.Options{Fault: fault})
	key := []byte(testutil.Secret("reset-key", 40))
	obs := &recordingObserver{}
	o := productionTimings
	o.env = smtpEnv(srv)
	client := startWorkerWith(t, db, key, obs, 0, o)
	svc := newService(t, db, 0, 0)
	return &testBundle{db: db, smtp: srv, client: client, svc: svc, key: key, obs: obs}
}

// request asks for n resets and returns when each was asked, by address.
func (b *testBundle) request(t *testing.T, prefix string, n int) map[string]time.Time {
	t.Helper()
	asked := map[string]time.Time{}
	for i := range n {
		email := fmt.Sprintf("%s%03d@example.com", prefix, i)
		b.addUser(t, email, "User")
	}
	for i := range n {
		email := fmt.Sprintf("%s%03d@example.com", prefix, i)
		asked[email] = time.Now()
		_, err := b.svc.RequestReset(context.Background(), email)
		require.NoError(t, err)
	}
	return asked
}

// exactlyOnce checks that every address got one mail and returns when each
// arrived.
func (b *testBundle) exactlyOnce(t *testing.T, n int) map[string]time.Time {
	t.Helper()
	time.Sleep(200 * time.Millisecond)
	arrived := map[string]time.Time{}
	count := map[string]int{}
	for _, m := range b.smtp.Messages() {
		count[m.To[0]]++
		arrived[m.To[0]] = m.At
	}
	require.Len(t, count, n)
	for to, c := range count {
		require.Equal(t, 1, c, "%s got %d mails", to, c)
	}
	return arrived
}

// TestSMTP421ToEveryTransactionThenRecovery is the measured 45 s of 421 at
// MAIL FROM, scaled to 12 s (long enough for the shared pause to reach its
// 4 s cap): the server is up and refuses everything. Jobs snooze without
// using an attempt, the provider sees a probe every few seconds rather than
// every job, and mail resumes within seconds of recovery.
func TestSMTP421ToEveryTransactionThenRecovery(t *testing.T) {
	t.Parallel()
	var down atomic.Bool
	var refused atomic.Int64
	down.Store(true)
	b := setupTimed(t, func(a smtptest.Attempt) smtptest.Fault {
		if a.Stage == smtptest.StageMail && down.Load() {
			refused.Add(1)
			return smtptest.Fault{Code: 421, EnhancedCode: "4.3.2", Text: "service not available, try again later"}
		}
		return smtptest.Fault{}
	})
	const n = 30
	b.request(t, "down", n)
	time.Sleep(12 * time.Second)
	down.Store(false)
	recovered := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	require.NoError(t, b.smtp.WaitForCount(ctx, n))
	arrived := b.exactlyOnce(t, n)
	last := slices.MaxFunc(mapValues(arrived), func(a, b time.Time) int { return a.Compare(b) })
	t.Logf("FIGURE 421 outage: %d mails, 12s of 421 at MAIL FROM, %d transactions refused; last mail %.1fs after recovery",
		n, refused.Load(), last.Sub(recovered).Seconds())
	for _, j := range b.waitJob(t, "password_reset_email", n) {
		require.Equal(t, "completed", j.State)
		require.Contains(t, []string{"", "[]"}, j.Errors, "snoozes record no error and use no attempt")
	}
	// Without the shared pause every job would try every ~3 s: n × 12 s / 3 s.
	require.Less(t, refused.Load(), int64(n*12/3), "snoozed jobs do not each hammer the server")
}

// TestThirtyPercent451AtDataDeliversWithinSeconds is the measured "30 %
// 451 at DATA" with the production retry policy: 200 mails, each DATA
// answered 451 with probability 0.3.
func TestThirtyPercent451AtDataDeliversWithinSeconds(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(7, 11))
	b := setupTimed(t, func(a smtptest.Attempt) smtptest.Fault {
		if a.Stage != smtptest.StageData {
			return smtptest.Fault{}
		}
		mu.Lock()
		fail := rng.Float64() < 0.3
		mu.Unlock()
		if fail {
			return smtptest.Fault{Code: 451, EnhancedCode: "4.3.0", Text: "temporary failure, try again"}
		}
		return smtptest.Fault{}
	})
	const n = 200
	asked := b.request(t, "flaky", n)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	require.NoError(t, b.smtp.WaitForCount(ctx, n))
	arrived := b.exactlyOnce(t, n)
	var lat []time.Duration
	for to, at := range arrived {
		lat = append(lat, at.Sub(asked[to]))
	}
	slices.Sort(lat)
	pct := func(p float64) float64 { return lat[int(float64(len(lat)-1)*p)].Seconds() }
	within30 := 0
	for _, d := range lat {
		if d <= 30*time.Second {
			within30++
		}
	}
	t.Logf("FIGURE 30%% 451 at DATA: %d mails, p50 %.1fs, p99 %.1fs, max %.1fs, %.1f%% within 30s",
		n, pct(0.5), pct(0.99), lat[len(lat)-1].Seconds(), 100*float64(within30)/float64(n))
	for _, j := range b.waitJob(t, "password_reset_email", n) {
		require.Equal(t, "completed", j.State)
	}
}

func mapValues[K comparable, V any](m map[K]V) []V {
	out := make([]V, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}
