package e2e

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/smtptest"
	"github.com/todoapp/resetmail/internal/testutil"
)

var wakeToken = testutil.Secret("e2e-wake-token", 40)

// hibernating returns the settings of a worker that sleeps after idleAfter
// on a fixed port, and of an API that wakes it there (unless noWake). The
// port is fixed because the API, started first, must know the worker's
// URL.
func hibernating(t *testing.T, idleAfter, sweep string, noWake bool) []string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	env := []string{
		"WORKER_HTTP_ADDR", addr,
		"WORKER_IDLE_AFTER", idleAfter,
		"WORKER_IDLE_SWEEP", sweep,
		"WORKER_WAKE_TOKEN", wakeToken,
	}
	if !noWake {
		env = append(env, "WORKER_WAKE_URLS", "http://"+addr+"/wake")
	}
	return env
}

// workerState is the state /readyz reports: "asleep", or "awake" for a
// ready worker that is not asleep. Reading it does not wake the worker.
func workerState(t *testing.T, b *testBundle) string {
	t.Helper()
	resp, err := b.client.Get("http://" + b.worker.Addr + "/readyz")
	require.NoError(t, err)
	defer resp.Body.Close()
	var body map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	require.Equal(t, http.StatusOK, resp.StatusCode, "%v", body)
	if body["state"] == "asleep" {
		return "asleep"
	}
	return "awake"
}

func waitAsleep(t *testing.T, b *testBundle) {
	t.Helper()
	require.Eventually(t, func() bool { return workerState(t, b) == "asleep" }, time.Minute, 50*time.Millisecond,
		"the worker did not fall asleep:\n%s", b.worker.Output())
}

func postWake(t *testing.T, b *testBundle, auth string) int {
	t.Helper()
	resp, _ := call(t, b.client, http.MethodPost, "http://"+b.worker.Addr+"/wake", auth)
	return resp.StatusCode
}

// logLines are the worker's JSON log lines with msg.
func logLines(out, msg string) []map[string]any {
	var lines []map[string]any
	for _, l := range strings.Split(out, "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(l), &rec) == nil && rec["msg"] == msg {
			lines = append(lines, rec)
		}
	}
	return lines
}

// TestAnAsleepWorkerAndAnIdleAPIRunNoQuery is the point of hibernation: a
// worker asleep, beside an API nobody calls, lets the database run no
// transaction at all (an awake idle worker ran 82 in 30 s at 34fab96,
// docs/deployment/neon.md). Refused wakes do not wake it either. Then a
// forgot-password wakes it and the mail arrives.
func TestAnAsleepWorkerAndAnIdleAPIRunNoQuery(t *testing.T) {
	t.Parallel()
	// The dashboard is on: River UI starts with its first request, so an
	// API whose dashboard nobody opens stays as quiet as one without it.
	extra := append(hibernating(t, "2s", "1h", false), dashboardCreds...)
	b := setup(t, bundleOpts{extra: extra})
	b.register(t, "sleepy@example.com", "correct horse battery", "Sleepy")
	waitAsleep(t, b)

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// POST /wake without the token, or with a wrong one, is 401 and
	// wakes nothing: the 30 s below stay without a query.
	require.Equal(t, http.StatusUnauthorized, postWake(t, b, ""))
	require.Equal(t, http.StatusUnauthorized, postWake(t, b, "Bearer "+strings.Repeat("x", len(wakeToken))))
	require.Equal(t, http.StatusUnauthorized, postWake(t, b, wakeToken))
	n, err := b.db.TransactionsDuring(ctx, 12*time.Second, 30*time.Second)
	require.NoError(t, err)
	require.Zero(t, n, "transactions in 30 s with the worker asleep and the API idle")
	require.Equal(t, "asleep", workerState(t, b))
	require.Empty(t, logLines(b.worker.Output(), "worker awake"))

	r := b.do(t, http.MethodPost, "/api/auth/forgot-password", "", map[string]string{"email": "sleepy@example.com"})
	require.Equal(t, http.StatusAccepted, r.status)
	msg, _ := b.waitMail(t, 1)
	require.Equal(t, []string{"sleepy@example.com"}, msg.To)
	awake := logLines(b.worker.Output(), "worker awake")
	require.NotEmpty(t, awake)
	require.Equal(t, "wake request", awake[0]["reason"])
	// The right token is accepted, as often as it comes.
	for range 3 {
		require.Equal(t, http.StatusNoContent, postWake(t, b, "Bearer "+wakeToken))
	}
	waitAsleep(t, b)
}

// TestAJobEnqueuedWithoutAWakeIsSentAtTheSweep: an API without
// WORKER_WAKE_URLS (or a lost wake) leaves the job to the worker's own
// sweep, WORKER_IDLE_SWEEP.
func TestAJobEnqueuedWithoutAWakeIsSentAtTheSweep(t *testing.T) {
	t.Parallel()
	b := setup(t, bundleOpts{extra: hibernating(t, "1s", "4s", true)})
	b.register(t, "swept@example.com", "correct horse battery", "Swept")
	waitAsleep(t, b)
	r := b.do(t, http.MethodPost, "/api/auth/forgot-password", "", map[string]string{"email": "swept@example.com"})
	require.Equal(t, http.StatusAccepted, r.status)
	b.waitMail(t, 1)
	var reasons []string
	for _, l := range logLines(b.worker.Output(), "worker awake") {
		reasons = append(reasons, l["reason"].(string))
	}
	require.Contains(t, reasons, "sweep")
	require.NotContains(t, reasons, "wake request")
	require.NotContains(t, b.api.Output(), "wake", "an API without WORKER_WAKE_URLS tries no wake")
}

// TestARetryDueIn30sWakesASleepingWorker: a send that failed transiently
// is retried 30 s later (EMAIL_RETRY_BASE); the worker sleeps meanwhile,
// and wakes for the retry rather than at its hourly sweep.
func TestARetryDueIn30sWakesASleepingWorker(t *testing.T) {
	t.Parallel()
	extra := append(hibernating(t, "2s", "1h", false), "EMAIL_RETRY_BASE", "30s", "EMAIL_RETRY_MAX", "30s")
	b := setup(t, bundleOpts{smtp: smtptest.Options{Fault: smtptest.TempFailFirst(1)}, extra: extra})
	b.register(t, "retry@example.com", "correct horse battery", "Retry")
	waitAsleep(t, b)
	r := b.do(t, http.MethodPost, "/api/auth/forgot-password", "", map[string]string{"email": "retry@example.com"})
	require.Equal(t, http.StatusAccepted, r.status)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	require.NoError(t, b.smtp.WaitForCount(ctx, 1), b.worker.Output())
	out := b.worker.Output()
	var slept bool
	for _, l := range logLines(out, "worker asleep") {
		slept = slept || l["wake_for"] == "job due"
	}
	require.True(t, slept, "the worker should have slept until the retry:\n%s", out)
	var reasons []string
	for _, l := range logLines(out, "worker awake") {
		reasons = append(reasons, l["reason"].(string))
	}
	require.Equal(t, []string{"wake request", "job due"}, reasons, out)
}
