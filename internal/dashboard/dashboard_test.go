package dashboard_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/dashboard"
	"github.com/todoapp/resetmail/internal/testdb"
)

type testBundle struct {
	srv *httptest.Server
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	return setupIdle(t, 0)
}

// setupIdle is setup with River UI stopping after idle without a request
// (dashboard.RiverUIIdle when zero).
func setupIdle(t *testing.T, idle time.Duration) *testBundle {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	db := testdb.New(t)
	client, err := river.NewClient(riverpgxv5.New(db.Pool), &river.Config{})
	require.NoError(t, err)
	ui, err := dashboard.NewRiverUI(ctx, client, nil, idle)
	require.NoError(t, err)
	guard, err := dashboard.New(dashboard.Config{Username: "oncall", Password: "correct-horse-battery", Next: ui, FailuresPerMinute: 3})
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle(dashboard.Prefix+"/", guard)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &testBundle{srv: srv}
}

func (b *testBundle) do(t *testing.T, method, path, user, pass string, header map[string]string) *http.Response {
	t.Helper()
	var body *strings.Reader
	if method == http.MethodPost {
		body = strings.NewReader(`{"ids":["1"]}`)
	} else {
		body = strings.NewReader("")
	}
	req, err := http.NewRequest(method, b.srv.URL+path, body)
	require.NoError(t, err)
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	return resp
}

func TestDashboardRequiresCredentials(t *testing.T) {
	t.Parallel()
	b := setup(t)

	resp := b.do(t, http.MethodGet, "/admin/jobs/", "", "", nil)
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	require.Contains(t, resp.Header.Get("WWW-Authenticate"), "Basic")

	resp = b.do(t, http.MethodGet, "/admin/jobs/", "oncall", "wrong", nil)
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)

	resp = b.do(t, http.MethodGet, "/admin/jobs/", "oncall", "correct-horse-battery", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "DENY", resp.Header.Get("X-Frame-Options"))
	require.Contains(t, resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'")

	resp = b.do(t, http.MethodGet, "/admin/jobs/api/jobs?state=available", "oncall", "correct-horse-battery", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
}

func TestDashboardRateLimitsFailedLogins(t *testing.T) {
	t.Parallel()
	b := setup(t)

	for range 3 {
		require.Equal(t, http.StatusUnauthorized, b.do(t, http.MethodGet, "/admin/jobs/", "oncall", "guess", nil).StatusCode)
	}
	resp := b.do(t, http.MethodGet, "/admin/jobs/", "oncall", "guess", nil)
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	require.NotEmpty(t, resp.Header.Get("Retry-After"))
	// Even the right password waits out the window: guessing must not pay.
	require.Equal(t, http.StatusTooManyRequests, b.do(t, http.MethodGet, "/admin/jobs/", "oncall", "correct-horse-battery", nil).StatusCode)
}

func TestDashboardRefusesCrossOriginStateChanges(t *testing.T) {
	t.Parallel()
	b := setup(t)
	host := strings.TrimPrefix(b.srv.URL, "http://")

	for name, hdr := range map[string]map[string]string{
		"foreign origin":  {"Origin": "https://evil.example.com"},
		"foreign referer": {"Referer": "https://evil.example.com/page"},
		"null origin":     {"Origin": "null"},
		"neither":         nil,
	} {
		resp := b.do(t, http.MethodPost, "/admin/jobs/api/jobs/retry", "oncall", "correct-horse-battery", hdr)
		require.Equal(t, http.StatusForbidden, resp.StatusCode, name)
	}

	// The same origin passes the guard and reaches River UI, which answers
	// for itself (the job does not exist, but it is not 403).
	resp := b.do(t, http.MethodPost, "/admin/jobs/api/jobs/retry", "oncall", "correct-horse-battery", map[string]string{"Origin": "http://" + host, "Content-Type": "application/json"})
	require.NotEqual(t, http.StatusForbidden, resp.StatusCode)
	require.NotEqual(t, http.StatusUnauthorized, resp.StatusCode)
}

// TestRiverUIStartsAgainAfterIdle: River UI runs only while it is used (its
// background recounts would keep a scale-to-zero database awake), and a
// request after it stopped starts a fresh one.
func TestRiverUIStartsAgainAfterIdle(t *testing.T) {
	t.Parallel()
	b := setupIdle(t, 20*time.Millisecond)
	for range 3 {
		resp := b.do(t, http.MethodGet, "/admin/jobs/api/jobs?state=available", "oncall", "correct-horse-battery", nil)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		time.Sleep(100 * time.Millisecond) // past idle: the handler stops
	}
}
