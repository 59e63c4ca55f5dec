package wake

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const token = "wake-token-0123456789-0123456789-abcdef"

// worker is a stand-in for a worker's POST /wake: it answers with the
// statuses in plan, then 204, and records each call's Authorization header.
type worker struct {
	mu     sync.Mutex
	plan   []int
	auth   []string
	called chan struct{}
}

func newWorker(t *testing.T, plan ...int) (*worker, string) {
	w := &worker{plan: plan, called: make(chan struct{}, 1000)}
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w.mu.Lock()
		w.auth = append(w.auth, r.Header.Get("Authorization"))
		status := http.StatusNoContent
		if len(w.plan) > 0 {
			status, w.plan = w.plan[0], w.plan[1:]
		}
		w.mu.Unlock()
		require.Equal(t, http.MethodPost, r.Method)
		rw.WriteHeader(status)
		w.called <- struct{}{}
	}))
	t.Cleanup(srv.Close)
	return w, srv.URL + "/wake"
}

func (w *worker) calls() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.auth...)
}

type counts struct{ sent, failed atomic.Int64 }

func (c *counts) WakeSent()   { c.sent.Add(1) }
func (c *counts) WakeFailed() { c.failed.Add(1) }

func waitCalls(t *testing.T, w *worker, n int) {
	t.Helper()
	for range n {
		select {
		case <-w.called:
		case <-time.After(10 * time.Second):
			t.Fatalf("the worker got fewer than %d calls: %v", n, w.calls())
		}
	}
}

func TestWithoutURLsNothingIsWoken(t *testing.T) {
	t.Parallel()
	w, err := New(Config{Token: token})
	require.NoError(t, err)
	require.Nil(t, w)
	w.Wake() // a nil Waker does nothing
	w.Close()

	_, err = New(Config{URLs: []string{"http://worker:9090/wake"}})
	require.ErrorContains(t, err, "token is required")
	_, err = New(Config{URLs: []string{"worker:9090"}, Token: token})
	require.Error(t, err)
}

// TestABurstMakesOneCallPerURL: a thousand wakes while the first call is
// made, and within MinInterval of it, are one call to each worker.
func TestABurstMakesOneCallPerURL(t *testing.T) {
	t.Parallel()
	w1, url1 := newWorker(t)
	w2, url2 := newWorker(t)
	var c counts
	w, err := New(Config{URLs: []string{url1, url2}, Token: token, MinInterval: time.Hour, Observer: &c})
	require.NoError(t, err)
	for range 1000 {
		w.Wake()
	}
	waitCalls(t, w1, 1)
	waitCalls(t, w2, 1)
	require.Eventually(t, func() bool { return c.sent.Load() == 2 }, 10*time.Second, time.Millisecond)
	w.Close()
	require.Equal(t, []string{"Bearer " + token}, w1.calls())
	require.Equal(t, []string{"Bearer " + token}, w2.calls())
	require.EqualValues(t, 2, c.sent.Load())
}

// TestAWakeDuringTheIntervalGetsATrailingCall: a job committed just after
// a wake call is not left to the sweep.
func TestAWakeDuringTheIntervalGetsATrailingCall(t *testing.T) {
	t.Parallel()
	wk, u := newWorker(t)
	w, err := New(Config{URLs: []string{u}, Token: token, MinInterval: 20 * time.Millisecond})
	require.NoError(t, err)
	defer w.Close()
	w.Wake()
	waitCalls(t, wk, 1)
	w.Wake()
	w.Wake()
	waitCalls(t, wk, 1)
}

// TestFailuresAreRetriedThenCounted: a failed call is retried up to
// Attempts, then counted as failed; 401 means the settings disagree, which
// asking again does not fix, so it is not retried.
func TestFailuresAreRetriedThenCounted(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		answers   []int
		attempts  int
		wantCalls int
		// wantSent and wantFailed are the Observer's counts: exactly one
		// of them is 1.
		wantSent, wantFailed int64
	}{
		{"recovers on the third call", []int{http.StatusServiceUnavailable, http.StatusBadGateway}, 0, 3, 1, 0},
		{"given up on after Attempts", []int{500, 500, 500, 500, 500}, 3, 3, 0, 1},
		{"a refused token is not retried", []int{http.StatusUnauthorized, http.StatusUnauthorized}, 0, 1, 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			wk, u := newWorker(t, tc.answers...)
			var c counts
			w, err := New(Config{URLs: []string{u}, Token: token, Backoff: time.Millisecond, Attempts: tc.attempts, MinInterval: time.Hour, Observer: &c})
			require.NoError(t, err)
			w.Wake()
			waitCalls(t, wk, tc.wantCalls)
			require.Eventually(t, func() bool { return c.sent.Load()+c.failed.Load() == 1 }, 10*time.Second, time.Millisecond)
			w.Close()
			require.Len(t, wk.calls(), tc.wantCalls)
			require.Equal(t, tc.wantSent, c.sent.Load())
			require.Equal(t, tc.wantFailed, c.failed.Load())
		})
	}
}
