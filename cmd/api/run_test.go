package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/boot"
	"github.com/todoapp/resetmail/internal/testdb"
	"github.com/todoapp/resetmail/internal/testutil"
)

// testBundle is one running API and what the test needs to talk to it.
type testBundle struct {
	baseURL string
	logs    *testutil.LogBuffer
	db      *testdb.DB
	cancel  context.CancelFunc
	done    chan error
	// read holds every variable name the API asked getenv for.
	read sync.Map
}

func setup(t *testing.T, extraEnv map[string]string) *testBundle {
	t.Helper()
	db := testdb.New(t)
	env := map[string]string{
		"DATABASE_URL": db.URL,
		"PORT":         "0",
		"JWT_SECRET":   testutil.Secret("jwt", 40),
		"LOG_FORMAT":   "json",
	}
	for k, v := range extraEnv {
		env[k] = v
	}
	ctx, cancel := context.WithCancel(context.Background())
	b := &testBundle{logs: &testutil.LogBuffer{}, db: db, cancel: cancel, done: make(chan error, 1)}
	getenv := func(k string) string {
		b.read.Store(k, true)
		return env[k]
	}
	go func() { b.done <- run(ctx, []string{"api"}, getenv, b.logs, b.logs) }()
	addr := b.logs.WaitFor(t, `"msg":"api listening","addr":"([^"]+)"`, 15*time.Second)
	b.baseURL = "http://" + strings.Replace(addr, "[::]", "127.0.0.1", 1)
	t.Cleanup(func() {
		cancel()
		select {
		case <-b.done:
		case <-time.After(30 * time.Second):
			t.Error("api did not stop")
		}
	})
	return b
}

func TestRunServesHealthAndReadiness(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)

	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(b.baseURL + path)
		require.NoError(t, err)
		var body map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, path)
		require.Equal(t, "ok", body["status"])
	}
}

func TestRunEchoesRequestIDAndLogsOneLine(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)

	req, _ := http.NewRequest(http.MethodGet, b.baseURL+"/healthz?token=secret-in-query", nil)
	req.Header.Set("X-Request-ID", "abc-123")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, "abc-123", resp.Header.Get("X-Request-ID"))

	resp, err = http.Get(b.baseURL + "/healthz")
	require.NoError(t, err)
	resp.Body.Close()
	require.Len(t, resp.Header.Get("X-Request-ID"), 32)

	line := b.logs.WaitFor(t, `(\{[^\n]*"request_id":"abc-123"[^\n]*\})`, 5*time.Second)
	require.Contains(t, line, `"route":"/healthz"`)
	require.Contains(t, line, `"status":200`)
	require.Contains(t, line, `"method":"GET"`)
	require.Contains(t, line, `"duration_ms"`)
	require.NotContains(t, b.logs.String(), "secret-in-query")
}

// TestRunNeitherNeedsNorReadsResetTokenKey: RESET_TOKEN_KEY and a request
// ID from the dashboard yield that request's reset token, so only the worker
// holds the key. The API starts and takes reset requests without it, and
// does not read it even when the environment offers it.
func TestRunNeitherNeedsNorReadsResetTokenKey(t *testing.T) {
	t.Parallel()
	for _, env := range []map[string]string{nil, {"RESET_TOKEN_KEY": testutil.Secret("reset", 40)}} {
		b := setup(t, env)
		resp, body := b.call(t, http.MethodPost, "/api/auth/forgot-password", "", `{"email":"someone@example.com"}`, nil)
		require.Equal(t, http.StatusAccepted, resp.StatusCode, body)
		_, read := b.read.Load("RESET_TOKEN_KEY")
		require.False(t, read, "the API read RESET_TOKEN_KEY")
		_, read = b.read.Load("JWT_SECRET")
		require.True(t, read, "the probe must see the variables the API does read")
	}
}

func TestRunStopsOnCancelAndClosesCleanly(t *testing.T) {
	t.Parallel()
	b := setup(t, map[string]string{"SHUTDOWN_TIMEOUT": "2s"})

	b.cancel()
	select {
	case err := <-b.done:
		require.NoError(t, err)
		b.done <- nil // Let Cleanup's receive succeed.
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after cancel")
	}
	require.Contains(t, b.logs.String(), `"msg":"stopped"`)
}

func TestRunRefusesPendingMigrations(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	_, err := db.Pool.Exec(context.Background(), "DELETE FROM app_schema_migrations WHERE version = 3")
	require.NoError(t, err)

	err = run(context.Background(), []string{"api"}, testutil.Env(map[string]string{
		"DATABASE_URL": db.URL, "PORT": "0",
		"JWT_SECRET": testutil.Secret("jwt", 40),
	}), &testutil.LogBuffer{}, &testutil.LogBuffer{})
	require.Error(t, err)
	require.Contains(t, err.Error(), "run `api migrate`")
	require.Equal(t, 2, boot.ExitCode(err))
}

func TestRunReportsAllConfigProblemsAtOnce(t *testing.T) {
	t.Parallel()

	err := run(context.Background(), []string{"api"}, testutil.Env(map[string]string{
		"DATABASE_URL": "postgres://nowhere:1/x",
		"JWT_SECRET":   "short",
	}), &testutil.LogBuffer{}, &testutil.LogBuffer{})
	require.Error(t, err)
	msg := err.Error()
	require.Contains(t, msg, "JWT_SECRET must be at least 32 bytes")
	require.Contains(t, msg, "DATABASE_URL: cannot reach the database")
	require.NotContains(t, msg, "short")
	require.Equal(t, 2, boot.ExitCode(err))
}

func TestRunUnknownCommand(t *testing.T) {
	t.Parallel()

	err := run(context.Background(), []string{"api", "frobnicate"}, testutil.Env(nil), &testutil.LogBuffer{}, &testutil.LogBuffer{})
	require.ErrorContains(t, err, `unknown command "frobnicate"`)
	require.Equal(t, 2, boot.ExitCode(err))
}

// TestRunMetricsServerClosesIdleConnections is issue 23, item 7: the
// metrics listener had no read or idle timeout, so an idle connection
// stayed open for good. It now follows HTTP_READ_TIMEOUT and
// HTTP_IDLE_TIMEOUT like the public port.
func TestRunMetricsServerClosesIdleConnections(t *testing.T) {
	t.Parallel()
	b := setup(t, map[string]string{"METRICS_ADDR": "127.0.0.1:0", "HTTP_IDLE_TIMEOUT": "200ms"})
	addr := b.logs.WaitFor(t, `"msg":"metrics listening","addr":"([^"]+)"`, 15*time.Second)
	require.NoError(t, testutil.IdleConnectionClosed(addr, "/metrics", 20*time.Second))
}

// Migrating through a transaction pooler would take the migration lock on
// one server connection and release it on another, so `api migrate` stops
// before it connects and names the connection string it needs.
func TestMigrateRefusesATransactionPooler(t *testing.T) {
	t.Parallel()

	for _, env := range []map[string]string{
		{"DATABASE_URL": "postgres://app:pw@127.0.0.1:5432/app", "DATABASE_POOLER": "transaction"},
		// Unset, with Neon's pooled host name: never dialled.
		{"DATABASE_URL": "postgres://app:pw@ep-quiet-lake-123456-pooler.us-east-2.aws.neon.tech/neondb?sslmode=require"},
	} {
		logs := &testutil.LogBuffer{}
		err := run(context.Background(), []string{"api", "migrate"}, testutil.Env(env), logs, logs)
		require.Error(t, err)
		require.Contains(t, err.Error(), "`api migrate` needs the direct connection string")
		require.Equal(t, boot.ExitConfig, boot.ExitCode(err))
		require.NotContains(t, err.Error()+logs.String(), "pw@")
	}
}

// A DATABASE_URL whose hosts include PgBouncer's usual port, with
// DATABASE_POOLER unset, starts (pgx reaches the first host, the test
// database) but warns once about what to set.
func TestServeWarnsWhenTheURLLooksPooled(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	u, err := url.Parse(db.URL)
	require.NoError(t, err)
	u.Host += ",127.0.0.1:6432" // a fallback, never dialled

	logs := &testutil.LogBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"api"}, testutil.Env(map[string]string{
			"DATABASE_URL": u.String(), "PORT": "0", "LOG_FORMAT": "json",
			"JWT_SECRET": testutil.Secret("jwt", 40),
		}), logs, logs)
	}()
	logs.WaitFor(t, `"msg":"api listening"`, 15*time.Second)
	cancel()
	require.NoError(t, <-done)
	require.Equal(t, 1, strings.Count(logs.String(), "set DATABASE_POOLER=transaction"), logs.String())
}
