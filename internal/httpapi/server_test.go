package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/apiapp"
	"github.com/todoapp/resetmail/internal/auth"
	"github.com/todoapp/resetmail/internal/config"
	"github.com/todoapp/resetmail/internal/logging"
	"github.com/todoapp/resetmail/internal/testdb"
	"github.com/todoapp/resetmail/internal/testutil"
)

// testJWTSecret is the signing key of every test server, so tests can forge
// tokens with it or without it.
var testJWTSecret = testutil.Secret("jwt", 40)

// testBundle is one API server over its own database, driven in-process
// through httptest.
type testBundle struct {
	t       testing.TB
	db      *testdb.DB
	cfg     *config.API
	auth    *auth.Service
	handler http.Handler
	logs    *testutil.LogBuffer
}

// setup builds the API through its own assembly (apiapp.New) over a fresh
// database, with bcrypt at its minimum cost and rate limits off. Each option
// may change the configuration before the API is built.
func setup(t testing.TB, opts ...func(*config.API)) *testBundle {
	t.Helper()
	db := testdb.New(t)
	cfg, err := config.LoadAPI(map[string]string{
		"DATABASE_URL":       db.URL,
		"JWT_SECRET":         testJWTSecret,
		"RATE_LIMIT_ENABLED": "false",
		"BCRYPT_COST":        "4",
		// Most tests need an account, not sign-up itself: they register
		// the way SIGNUP_VERIFICATION=off does.
		"SIGNUP_VERIFICATION": "off",
	})
	require.NoError(t, err)
	for _, o := range opts {
		o(cfg)
	}
	logs := &testutil.LogBuffer{}
	logger, err := logging.New(logs, "json", "debug")
	require.NoError(t, err)
	// Like cmd/api, the API's River client only inserts jobs; nothing works
	// them here, so reset requests stay queued.
	app, err := apiapp.New(context.Background(), cfg, db.Pool, logger)
	require.NoError(t, err)
	return &testBundle{t: t, db: db, cfg: cfg, auth: app.Auth, handler: app.Handler, logs: logs}
}

// setupWithUser is setup with one account, ada@example.com, signed in: it
// returns the bundle and the account's access token.
func setupWithUser(t testing.TB, opts ...func(*config.API)) (*testBundle, string) {
	t.Helper()
	b := setup(t, opts...)
	return b, b.newUser("ada@example.com")
}

// request is one HTTP request for testBundle.do. A non-empty body is sent
// as application/json unless headers say otherwise; a header given as ""
// is left out.
type request struct {
	method  string
	path    string
	body    string
	token   string
	headers map[string]string
	remote  string
	// chunked sends the body without a Content-Length, the way a chunked
	// upload arrives.
	chunked bool
}

// do serves r and returns the recorded response.
func (b *testBundle) do(r request) *httptest.ResponseRecorder {
	b.t.Helper()
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	req := httptest.NewRequest(r.method, r.path, body)
	if r.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.token != "" {
		req.Header.Set("Authorization", "Bearer "+r.token)
	}
	for k, v := range r.headers {
		if v == "" {
			req.Header.Del(k)
			continue
		}
		req.Header.Set(k, v)
	}
	if r.chunked {
		req.ContentLength = -1
	}
	if r.remote != "" {
		req.RemoteAddr = r.remote
	}
	rec := httptest.NewRecorder()
	b.handler.ServeHTTP(rec, req)
	return rec
}

// register creates an account through the API and returns its JSON.
func (b *testBundle) register(email, password, name string) map[string]any {
	b.t.Helper()
	rec := b.do(request{method: http.MethodPost, path: "/api/auth/register", body: jsonBody(b.t, map[string]any{"email": email, "password": password, "name": name})})
	require.Equal(b.t, http.StatusCreated, rec.Code, rec.Body.String())
	return decode(b.t, rec)["user"].(map[string]any)
}

// login returns an access token for email and password.
func (b *testBundle) login(email, password string) string {
	b.t.Helper()
	rec := b.do(request{method: http.MethodPost, path: "/api/auth/login", body: jsonBody(b.t, map[string]any{"email": email, "password": password})})
	require.Equal(b.t, http.StatusOK, rec.Code, rec.Body.String())
	return decode(b.t, rec)["access_token"].(string)
}

// newUser registers a user with a fixed password and returns a token.
func (b *testBundle) newUser(email string) string {
	b.t.Helper()
	b.register(email, "correct horse battery", "Test User")
	return b.login(email, "correct horse battery")
}

func jsonBody(t testing.TB, v any) string {
	t.Helper()
	raw, err := json.Marshal(v)
	require.NoError(t, err)
	return string(raw)
}

func decode(t testing.TB, rec *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var out map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &out), rec.Body.String())
	return out
}

// requireError checks the one error shape and returns its details.
func requireError(t testing.TB, rec *httptest.ResponseRecorder, status int, code string) map[string]any {
	t.Helper()
	require.Equal(t, status, rec.Code, rec.Body.String())
	require.Contains(t, rec.Header().Get("Content-Type"), "application/json")
	body := decode(t, rec)
	e, ok := body["error"].(map[string]any)
	require.True(t, ok, rec.Body.String())
	require.Equal(t, code, e["code"], rec.Body.String())
	require.NotEmpty(t, e["message"])
	details, _ := e["details"].(map[string]any)
	return details
}

// fieldErrors returns details.fields of a validation error.
func fieldErrors(t testing.TB, rec *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	details := requireError(t, rec, http.StatusBadRequest, "validation_failed")
	fields, ok := details["fields"].(map[string]any)
	require.True(t, ok, rec.Body.String())
	return fields
}
