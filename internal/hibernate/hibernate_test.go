package hibernate

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// runner is a Runner without River: it records calls and answers NextDue
// with what the test set. Only the state machine is under test here; the
// e2e tests run the real River through the worker binary.
type runner struct {
	mu       sync.Mutex
	due      time.Time
	found    bool
	startErr []error
	stopGate chan struct{} // when set, Stop waits for it
	events   chan string
}

func newRunner() *runner { return &runner{events: make(chan string, 100)} }

func (r *runner) Start(context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.startErr) > 0 {
		err := r.startErr[0]
		r.startErr = r.startErr[1:]
		if err != nil {
			r.events <- "start failed"
			return err
		}
	}
	r.events <- "start"
	return nil
}

func (r *runner) Stop(ctx context.Context) error {
	r.mu.Lock()
	gate := r.stopGate
	r.mu.Unlock()
	r.events <- "stopping"
	if gate != nil {
		<-gate
	}
	r.events <- "stop"
	return nil
}

func (r *runner) NextDue(context.Context) (time.Time, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.due, r.found, nil
}

func (r *runner) setDue(d time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.due, r.found = d, true
}

type observer struct{ woke chan string }

func (o *observer) StateChanged(State) {}
func (o *observer) Woke(reason string) { o.woke <- reason }

func expect(t *testing.T, ch chan string, want ...string) {
	t.Helper()
	for _, w := range want {
		select {
		case got := <-ch:
			require.Equal(t, w, got)
		case <-time.After(10 * time.Second):
			t.Fatalf("waited for %q", w)
		}
	}
}

func run(t *testing.T, cfg Config) (*Controller, *runner, *observer) {
	t.Helper()
	r := newRunner()
	if cfg.Runner != nil {
		r = cfg.Runner.(*runner)
	}
	o := &observer{woke: make(chan string, 100)}
	cfg.Runner, cfg.Observer = r, o
	c, err := New(cfg)
	require.NoError(t, err)
	require.NoError(t, c.Start(context.Background()))
	expect(t, r.events, "start")
	require.Equal(t, Awake, c.State())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { c.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return c, r, o
}

func TestSleepsWhenIdleAndWakesOnRequest(t *testing.T) {
	t.Parallel()
	c, r, o := run(t, Config{IdleAfter: 20 * time.Millisecond, Sweep: time.Hour})
	expect(t, r.events, "stopping", "stop")
	require.Eventually(t, func() bool { return c.State() == Asleep }, 10*time.Second, time.Millisecond)

	c.Wake(ReasonRequest)
	expect(t, r.events, "start")
	expect(t, o.woke, ReasonRequest)
	require.Equal(t, Awake, c.State())
	// And it sleeps again.
	expect(t, r.events, "stopping", "stop")
}

func TestWakesForTheSweep(t *testing.T) {
	t.Parallel()
	_, r, o := run(t, Config{IdleAfter: 10 * time.Millisecond, Sweep: 30 * time.Millisecond})
	expect(t, r.events, "stopping", "stop", "start")
	expect(t, o.woke, ReasonSweep)
}

// TestWakesInTimeForAScheduledJob: a retry due after IdleAfter lets the
// worker sleep, and wakes it when due rather than at the sweep.
func TestWakesInTimeForAScheduledJob(t *testing.T) {
	t.Parallel()
	r := newRunner()
	r.setDue(time.Now().Add(200 * time.Millisecond))
	_, r, o := run(t, Config{IdleAfter: 20 * time.Millisecond, Sweep: time.Hour, Runner: r})
	expect(t, r.events, "stopping", "stop", "start")
	expect(t, o.woke, ReasonJobDue)
}

// TestStaysAwakeWhileAJobIsDueSoonOrRunning: nothing stops while a job is
// due within IdleAfter or one is in flight.
func TestStaysAwakeWhileAJobIsDueSoonOrRunning(t *testing.T) {
	t.Parallel()
	r := newRunner()
	r.setDue(time.Now()) // an available job: River is about to fetch it
	c, r, _ := run(t, Config{IdleAfter: 10 * time.Millisecond, Sweep: time.Hour, Runner: r})
	c.JobStarted()
	r.mu.Lock()
	r.found = false
	r.mu.Unlock()
	time.Sleep(100 * time.Millisecond) // ten idle periods with a job in hand
	require.Empty(t, r.events)
	require.Equal(t, Awake, c.State())
	c.JobDone()
	expect(t, r.events, "stopping", "stop")
}

// TestAWakeWhileStoppingIsNotLost: a job committed while the worker stops
// to sleep wakes it as soon as it has stopped.
func TestAWakeWhileStoppingIsNotLost(t *testing.T) {
	t.Parallel()
	r := newRunner()
	r.stopGate = make(chan struct{})
	c, r, o := run(t, Config{IdleAfter: 10 * time.Millisecond, Sweep: time.Hour, Runner: r})
	expect(t, r.events, "stopping")
	c.Wake(ReasonRequest)
	close(r.stopGate)
	expect(t, r.events, "stop", "start")
	expect(t, o.woke, ReasonRequest)
}

func TestRetriesAWakeWhileTheDatabaseIsAway(t *testing.T) {
	t.Parallel()
	r := newRunner()
	r.startErr = []error{nil, errors.New("connection refused")}
	// The first Start (the process's) succeeds; the wake's first fails.
	c, r, o := run(t, Config{IdleAfter: 10 * time.Millisecond, Sweep: time.Hour, Runner: r})
	expect(t, r.events, "stopping", "stop")
	c.Wake(ReasonRequest)
	expect(t, r.events, "start failed", "start")
	expect(t, o.woke, ReasonRequest)
}

func TestWakeHandler(t *testing.T) {
	t.Parallel()
	const token = "wake-token-0123456789-0123456789-abcdef"
	var woken []string
	h := WakeHandler(token, func(reason string) { woken = append(woken, reason) })
	call := func(auth string) int {
		req := httptest.NewRequest(http.MethodPost, "/wake", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	require.Equal(t, http.StatusUnauthorized, call(""))
	require.Equal(t, http.StatusUnauthorized, call("Bearer wrong"))
	require.Equal(t, http.StatusUnauthorized, call(token))
	require.Equal(t, http.StatusUnauthorized, call("Bearer "+token+"x"))
	require.Empty(t, woken, "a refused wake must not wake the worker")
	require.Equal(t, http.StatusNoContent, call("Bearer "+token))
	require.Equal(t, []string{ReasonRequest}, woken)

	// Without a token configured, nothing is accepted.
	h = WakeHandler("", func(string) { t.Fatal("woken without a token") })
	req := httptest.NewRequest(http.MethodPost, "/wake", nil)
	req.Header.Set("Authorization", "Bearer ")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	require.Equal(t, http.StatusUnauthorized, rec.Code)
}
