package main

import (
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

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
	resp, raw := do(t, req)
	var out map[string]any
	if len(raw) > 0 {
		require.NoError(t, json.Unmarshal(raw, &out), string(raw))
	}
	return resp, out
}

// do sends req and reads the whole answer.
func do(t *testing.T, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, raw
}

// setupBehindProxy is setup with the test's own loopback connection as a
// trusted proxy, so that X-Forwarded-For names the client.
func setupBehindProxy(t *testing.T, extraEnv map[string]string) *testBundle {
	t.Helper()
	env := map[string]string{"TRUSTED_PROXIES": "127.0.0.1,::1"}
	maps.Copy(env, extraEnv)
	return setup(t, env)
}

// login signs in as email with password, from client when it is set (as
// the X-Forwarded-For of the trusted proxy).
func (b *testBundle) login(t *testing.T, email, password, client string) (*http.Response, map[string]any) {
	t.Helper()
	var headers map[string]string
	if client != "" {
		headers = map[string]string{"X-Forwarded-For": client}
	}
	return b.call(t, http.MethodPost, "/api/auth/login", "", `{"email":"`+email+`","password":"`+password+`"}`, headers)
}

func TestRunServesAccountsAndTasks(t *testing.T) {
	t.Parallel()
	// Sign-up is not the point here: accounts are created at once.
	b := setup(t, map[string]string{"APP_ENV": "production", "FRONTEND_URL": "https://app.example.com", "SIGNUP_VERIFICATION": "off"})

	resp, body := b.call(t, http.MethodPost, "/api/auth/register", "", `{"email":"Ada@Example.com","password":"correct horse battery","name":"Ada"}`, nil)
	require.Equal(t, http.StatusCreated, resp.StatusCode, body)
	require.Equal(t, "Ada@example.com", body["user"].(map[string]any)["email"])

	resp, body = b.login(t, "ada@example.com", "correct horse battery", "")
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
	b := setupBehindProxy(t, map[string]string{"RATE_LIMIT_AUTH_PER_MINUTE": "1", "RATE_LIMIT_AUTH_BURST": "2"})
	login := func(client string) (*http.Response, map[string]any) {
		return b.login(t, "x@example.com", "wrong password", client)
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
		resp, _ := b.login(t, "x@example.com", "wrong password", "")
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	}
}

// TestRunDelaysGuessesAgainstOneAddress is issue 13, item 6: login was
// limited only per client IP, so one address could be tried from many IPs
// at once. Fifty wrong passwords for one address from fifty client IPs are
// now limited, for an unknown address exactly as for a registered one, and
// the owner's right password works from a fresh IP once the wait is over.
func TestRunDelaysGuessesAgainstOneAddress(t *testing.T) {
	t.Parallel()
	b := setupBehindProxy(t, map[string]string{
		"RATE_LIMIT_LOGIN_WINDOW": "3s",
		// Register answers at once, where sign-up verification exists.
		"SIGNUP_VERIFICATION": "off",
	})
	const owner, password = "owner@example.com", "the owner's right password"
	resp, body := b.call(t, http.MethodPost, "/api/auth/register", "", `{"email":"`+owner+`","password":"`+password+`","name":"Owner"}`, nil)
	require.Equal(t, http.StatusCreated, resp.StatusCode, body)

	guess := func(email, network string) (last *http.Response) {
		counts := map[int]int{}
		for i := range 50 {
			resp, body := b.login(t, email, "wrong guess "+strconv.Itoa(i), network+strconv.Itoa(i+1))
			counts[resp.StatusCode]++
			if resp.StatusCode == http.StatusTooManyRequests {
				require.Equal(t, "rate_limited", body["error"].(map[string]any)["code"])
				last = resp
			}
		}
		require.Equal(t, 50, counts[http.StatusUnauthorized]+counts[http.StatusTooManyRequests], "%s: %v", email, counts)
		require.GreaterOrEqual(t, counts[http.StatusTooManyRequests], 40, "%s: %v", email, counts)
		return last
	}
	guess(owner, "192.0.2.")
	// The right password waits too, or the delay would be an oracle.
	resp, _ = b.login(t, owner, password, "203.0.113.1")
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	retry, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	require.NoError(t, err)
	require.LessOrEqual(t, retry, 3, "never longer than RATE_LIMIT_LOGIN_WINDOW")
	waitOver := time.Now().Add(time.Duration(retry) * time.Second)

	ghostRetry, err := strconv.Atoi(guess("ghost@example.com", "198.51.100.").Header.Get("Retry-After"))
	require.NoError(t, err)
	ghostWaitOver := time.Now().Add(time.Duration(ghostRetry) * time.Second)

	time.Sleep(time.Until(waitOver))
	resp, body = b.login(t, owner, password, "203.0.113.2")
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	require.NotEmpty(t, body["access_token"])
	time.Sleep(time.Until(ghostWaitOver))
	resp, _ = b.login(t, "ghost@example.com", "another guess", "203.0.113.3")
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "the unknown address is not stuck either")
}
