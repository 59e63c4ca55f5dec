package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/pgbouncertest"
	"github.com/todoapp/resetmail/internal/smtptest"
	"github.com/todoapp/resetmail/internal/stack"
	"github.com/todoapp/resetmail/internal/testdb"
	"github.com/todoapp/resetmail/internal/testutil"
)

// Secrets the binaries get. The log-hygiene test searches every log line for
// exactly these values.
var (
	jwtSecret    = testutil.Secret("e2e-jwt-secret", 48)
	resetKey     = testutil.Secret("e2e-reset-key", 48)
	smtpPassword = testutil.Secret("e2e-smtp-password", 24)
)

// build holds the binaries, built once for the package; every test starts
// its own processes from them.
var build stack.SharedBuild

func TestMain(m *testing.M) {
	code := m.Run()
	build.Remove()
	os.Exit(code)
}

func built(t testing.TB) stack.Binaries {
	t.Helper()
	bins, _, err := build.Get("e2e", 5*time.Minute, nil)
	require.NoError(t, err)
	return bins
}

// testBundle is one database, one SMTP server, one API and one worker.
type testBundle struct {
	db     *testdb.DB
	smtp   *smtptest.Server
	api    *stack.Process
	worker *stack.Process
	env    stack.Env
	// workerExtra is set on top of env for workers only (the direct host
	// with neon).
	workerExtra []string
	neon        *neonPair
	client      *http.Client
}

type bundleOpts struct {
	smtp  smtptest.Options
	extra []string
	// pooler puts a real PgBouncer in transaction mode between both
	// binaries and Postgres, with DATABASE_POOLER=transaction. The test's
	// own db.Pool stays direct.
	pooler bool
	// neon puts both binaries behind stand-ins for Neon's WebSocket
	// endpoint (DATABASE_TRANSPORT=websocket), the API through the pooled
	// host and PgBouncer, the worker through the direct host, with
	// DATABASE_URL pointing where nothing listens. See websocket_test.go.
	neon bool
}

func setup(t testing.TB, o bundleOpts) *testBundle {
	t.Helper()
	ctx := context.Background()
	b := built(t)
	db := testdb.New(t)
	if o.smtp.AuthUser == "" {
		o.smtp.AuthUser, o.smtp.AuthPass = "mailer", smtpPassword
	}
	srv := smtptest.NewT(t, o.smtp)
	dbURL := db.URL
	if o.pooler {
		dbURL = pgbouncertest.Start(t, db.URL).URL
		o.extra = append(o.extra, "DATABASE_POOLER", "transaction")
	}
	var neon *neonPair
	var workerExtra []string
	if o.neon {
		neon = startNeonPair(t, db)
		dbURL = neon.databaseURL
		o.extra = append(o.extra, neon.apiEnv...)
		workerExtra = neon.workerEnv
	}
	env := stack.Env{
		"DATABASE_URL":         dbURL,
		"PORT":                 "0",
		"JWT_SECRET":           jwtSecret,
		"RESET_TOKEN_KEY":      resetKey,
		"FRONTEND_URL":         "https://app.example.com",
		"RATE_LIMIT_ENABLED":   "false",
		"LOG_LEVEL":            "debug",
		"SMTP_HOST":            srv.Host(),
		"SMTP_PORT":            strconv.Itoa(srv.Port()),
		"SMTP_TLS":             "none",
		"SMTP_USERNAME":        "mailer",
		"SMTP_PASSWORD":        smtpPassword,
		"SMTP_FROM":            "Todo <no-reply@example.com>",
		"WORKER_HTTP_ADDR":     "127.0.0.1:0",
		"RESET_EMAIL_INTERVAL": "0s",
		// Most tests need accounts, not sign-up itself: they register the
		// way SIGNUP_VERIFICATION=off does. signup_test.go turns it on.
		"SIGNUP_VERIFICATION": "off",
		"EMAIL_RETRY_BASE":    "50ms",
		"EMAIL_RETRY_MAX":     "200ms",
	}.With(o.extra...)
	api, err := stack.StartAPI(ctx, "api", b.API, env)
	require.NoError(t, err)
	t.Cleanup(func() { _ = api.Stop(15 * time.Second) })
	bundle := &testBundle{db: db, smtp: srv, api: api, env: env, workerExtra: workerExtra, neon: neon, client: &http.Client{Timeout: 10 * time.Second}}
	worker, err := startWorkerProcess(t, bundle, "worker")
	require.NoError(t, err)
	bundle.worker = worker
	return bundle
}

// startWorkerProcess starts one more worker over the bundle's database and
// SMTP server, stopped when the test ends.
func startWorkerProcess(t testing.TB, b *testBundle, name string) (*stack.Process, error) {
	t.Helper()
	worker, err := stack.StartWorker(context.Background(), name, built(t).Worker, b.env.With(b.workerExtra...))
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { _ = worker.Stop(15 * time.Second) })
	return worker, nil
}

// response is a decoded API answer.
type response struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

func (b *testBundle) do(t testing.TB, method, path, bearer string, body any) response {
	t.Helper()
	h := http.Header{}
	if bearer != "" {
		h.Set("Authorization", "Bearer "+bearer)
	}
	return b.doWith(t, method, path, h, body)
}

// doFrom sends a request as if from clientIP, behind a proxy on 127.0.0.1
// (set TRUSTED_PROXIES=127.0.0.1 for the API to believe it).
func (b *testBundle) doFrom(t testing.TB, clientIP, method, path string, body any) response {
	t.Helper()
	h := http.Header{}
	if clientIP != "" {
		h.Set("X-Forwarded-For", clientIP)
	}
	return b.doWith(t, method, path, h, body)
}

// doWith sends body as JSON with the extra header and decodes the answer.
func (b *testBundle) doWith(t testing.TB, method, path string, header http.Header, body any) response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		buf, err := json.Marshal(body)
		require.NoError(t, err)
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, "http://"+b.api.Addr+path, rd)
	require.NoError(t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := b.client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	r := response{status: resp.StatusCode, header: resp.Header, raw: raw}
	_ = json.Unmarshal(raw, &r.body)
	return r
}

// call sends a bodyless request to url through c, with auth as its
// Authorization header (none when empty), and returns the answer with its
// body read and closed.
func call(t testing.TB, c *http.Client, method, url, auth string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	require.NoError(t, err)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, body
}

// requireIdentical checks that two answers to requests that differ only in
// whether an address has an account are the same, byte for byte and in
// every header that could tell them apart, and that the first is want.
func requireIdentical(t testing.TB, want int, a, b response) {
	t.Helper()
	require.Equal(t, want, a.status)
	require.Equal(t, a.status, b.status)
	require.Equal(t, string(a.raw), string(b.raw), "byte-identical bodies")
	for _, h := range []string{"Content-Type", "Content-Length", "Cache-Control"} {
		require.Equal(t, a.header.Get(h), b.header.Get(h), h)
	}
}

// requirePassword checks that email signs in with works and not with
// fails.
func (b *testBundle) requirePassword(t testing.TB, email, works, fails string) {
	t.Helper()
	status, _ := b.login(t, email, works)
	require.Equal(t, http.StatusOK, status)
	status, _ = b.login(t, email, fails)
	require.Equal(t, http.StatusUnauthorized, status)
}

func (b *testBundle) register(t testing.TB, email, password, name string) {
	t.Helper()
	r := b.do(t, http.MethodPost, "/api/auth/register", "", map[string]string{"email": email, "password": password, "name": name})
	require.Equal(t, http.StatusCreated, r.status, string(r.raw))
}

func (b *testBundle) login(t testing.TB, email, password string) (int, string) {
	t.Helper()
	r := b.do(t, http.MethodPost, "/api/auth/login", "", map[string]string{"email": email, "password": password})
	tok, _ := r.body["access_token"].(string)
	return r.status, tok
}

// waitMail waits for the n-th message and returns its reset token (or "").
func (b *testBundle) waitMail(t testing.TB, n int) (smtptest.Received, *testutil.ParsedMail) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	require.NoError(t, b.smtp.WaitForCount(ctx, n), "waiting for mail %d", n)
	msg := b.smtp.Messages()[n-1]
	parsed, err := testutil.ParseMail(msg.Data)
	require.NoError(t, err)
	return msg, parsed
}
