package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// call sends one request to the running API and decodes a JSON answer.
func (b *testBundle) call(t *testing.T, method, path, token, body string, headers map[string]string) (*http.Response, map[string]any) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, b.baseURL+path, r)
	require.NoError(t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var out map[string]any
	if len(raw) > 0 {
		require.NoError(t, json.Unmarshal(raw, &out), string(raw))
	}
	return resp, out
}

func TestRunServesAccountsAndTasks(t *testing.T) {
	t.Parallel()
	// Sign-up is not the point here: accounts are created at once.
	b := setup(t, map[string]string{"APP_ENV": "production", "FRONTEND_URL": "https://app.example.com", "SIGNUP_VERIFICATION": "off"})

	resp, body := b.call(t, http.MethodPost, "/api/auth/register", "", `{"email":"Ada@Example.com","password":"correct horse battery","name":"Ada"}`, nil)
	require.Equal(t, http.StatusCreated, resp.StatusCode, body)
	require.Equal(t, "Ada@example.com", body["user"].(map[string]any)["email"])

	resp, body = b.call(t, http.MethodPost, "/api/auth/login", "", `{"email":"ada@example.com","password":"correct horse battery"}`, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	token := body["access_token"].(string)

	resp, body = b.call(t, http.MethodPost, "/api/tasks", token, `{"title":"Ship it"}`, nil)
	require.Equal(t, http.StatusCreated, resp.StatusCode, body)
	resp, body = b.call(t, http.MethodGet, "/api/tasks?completed=false", token, "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	require.Len(t, body["tasks"], 1)

	resp, body = b.call(t, http.MethodGet, "/api/auth/me", token, "", map[string]string{"X-Request-ID": "flow-1"})
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	require.Equal(t, "flow-1", resp.Header.Get("X-Request-ID"))
	require.Equal(t, "max-age=63072000; includeSubDomains", resp.Header.Get("Strict-Transport-Security"))
	require.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"))
	require.Equal(t, "DENY", resp.Header.Get("X-Frame-Options"))

	// CORS: the frontend's origin is allowed by default, others are not.
	preflight := map[string]string{"Origin": "https://app.example.com", "Access-Control-Request-Method": "POST"}
	resp, _ = b.call(t, http.MethodOptions, "/api/tasks", "", "", preflight)
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
	require.Equal(t, "https://app.example.com", resp.Header.Get("Access-Control-Allow-Origin"))
	preflight["Origin"] = "https://evil.example.com"
	resp, body = b.call(t, http.MethodOptions, "/api/tasks", "", "", preflight)
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Equal(t, "forbidden", body["error"].(map[string]any)["code"])

	logs := b.logs.String()
	require.Contains(t, logs, `"route":"/api/tasks"`)
	for _, leaked := range []string{"correct horse battery", token, "Ada@example.com", "ada@example.com"} {
		require.NotContains(t, logs, leaked)
	}
}

func TestRunRateLimitsAuthPerClientIP(t *testing.T) {
	t.Parallel()
	b := setup(t, map[string]string{
		"RATE_LIMIT_AUTH_PER_MINUTE": "1",
		"RATE_LIMIT_AUTH_BURST":      "2",
		"TRUSTED_PROXIES":            "127.0.0.1,::1",
	})
	login := func(client string) (*http.Response, map[string]any) {
		return b.call(t, http.MethodPost, "/api/auth/login", "", `{"email":"x@example.com","password":"wrong password"}`,
			map[string]string{"X-Forwarded-For": client})
	}
	for range 2 {
		resp, _ := login("192.0.2.10")
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	}
	resp, body := login("192.0.2.10")
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	require.NotEmpty(t, resp.Header.Get("Retry-After"))
	require.Equal(t, "rate_limited", body["error"].(map[string]any)["code"])

	// The test talks to the API from 127.0.0.1, a trusted proxy here, so
	// the forwarded address is the client and another one has its own bucket.
	resp, _ = login("192.0.2.11")
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
}

func TestRunWithoutRateLimits(t *testing.T) {
	t.Parallel()
	b := setup(t, map[string]string{"RATE_LIMIT_ENABLED": "false", "RATE_LIMIT_AUTH_BURST": "1"})
	for range 5 {
		resp, _ := b.call(t, http.MethodPost, "/api/auth/login", "", `{"email":"x@example.com","password":"wrong password"}`, nil)
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	}
}
