package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/smtptest"
)

// TestPermanentFailureIsLoggedAndListed: a reset mail the SMTP server
// refuses for good (550) is cancelled, and on-call finds it two ways
// without the metrics: one worker log line (level, masked recipient, code,
// job ID, request ID), and the dashboard's landing page, which lists it
// with the masked address, the kind and the error, and finds it again by
// the user's address.
func TestPermanentFailureIsLoggedAndListed(t *testing.T) {
	t.Parallel()
	const user, pass = "oncall", "a-dashboard-password"
	b := setup(t, bundleOpts{
		smtp:  smtptest.Options{Fault: smtptest.RejectDomain("bounce.example.com")},
		extra: []string{"DASHBOARD_USERNAME", user, "DASHBOARD_PASSWORD", pass},
	})
	b.register(t, "eve@bounce.example.com", "first secret pw", "Eve")
	b.register(t, "ada@example.com", "first secret pw", "Ada")
	r := b.do(t, http.MethodPost, "/api/auth/forgot-password", "", map[string]string{"email": "eve@bounce.example.com"})
	require.Equal(t, http.StatusAccepted, r.status)

	// The worker's line.
	var line map[string]any
	deadline := time.Now().Add(30 * time.Second)
	for line == nil && time.Now().Before(deadline) {
		for _, l := range strings.Split(b.worker.Output(), "\n") {
			if strings.Contains(l, "job cancelled, not retried") {
				require.NoError(t, json.Unmarshal([]byte(l), &line), l)
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	require.NotNil(t, line, "no log line for the refused mail:\n%s", b.worker.Output())
	require.Equal(t, "WARN", line["level"])
	require.Equal(t, "e***@bounce.example.com", line["to"])
	require.EqualValues(t, 550, line["code"])
	require.Equal(t, "password_reset_email", line["kind"])
	require.NotEmpty(t, line["request_id"])
	jobID, ok := line["job_id"].(float64)
	require.True(t, ok && jobID > 0, "job_id: %v", line["job_id"])
	require.Contains(t, line["error"], "550")
	require.NotContains(t, b.worker.Output(), "eve@bounce.example.com", "the full address was logged")

	// The dashboard: / lands on the failed sends.
	get := func(path string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, "http://"+b.api.Addr+path, nil)
		req.SetBasicAuth(user, pass)
		resp, err := b.client.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	noRedirect := *b.client
	noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	req, _ := http.NewRequest(http.MethodGet, "http://"+b.api.Addr+"/admin/", nil)
	req.SetBasicAuth(user, pass)
	resp, err := noRedirect.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, "/admin/sends", resp.Header.Get("Location"))

	req, _ = http.NewRequest(http.MethodGet, "http://"+b.api.Addr+"/admin/sends", nil)
	req.SetBasicAuth(user, pass)
	resp, err = b.client.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	// River records the cancellation just after the worker returns.
	var status int
	var page string
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if status, page = get("/admin/sends"); strings.Contains(page, "e***@bounce.example.com") {
			break
		}
	}
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, page, "e***@bounce.example.com")
	require.Contains(t, page, "Password reset")
	require.Contains(t, page, "cancelled")
	require.Contains(t, page, "550")
	id := strconv.FormatInt(int64(jobID), 10)
	require.Contains(t, page, `href="/admin/sends/`+id+`"`)
	require.NotContains(t, page, "eve@bounce.example.com")
	// The same security headers as River UI's pages.
	require.Equal(t, "DENY", resp.Header.Get("X-Frame-Options"))

	status, page = get("/admin/sends/" + id)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, page, line["request_id"])
	require.Contains(t, page, "550")
	status, _ = get("/admin/sends/999999")
	require.Equal(t, http.StatusNotFound, status)

	// Found by the user's address, in any letter case; a POST, so the
	// address stays out of URLs, and only from the dashboard's own origin.
	search := func(email, origin string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, "http://"+b.api.Addr+"/admin/sends", strings.NewReader(url.Values{"email": {email}}.Encode()))
		req.SetBasicAuth(user, pass)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", origin)
		resp, err := b.client.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	self := "http://" + b.api.Addr
	status, page = search("Eve@Bounce.example.com", self)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, page, `href="/admin/sends/`+id+`"`)
	require.Contains(t, page, "Sends to e***@bounce.example.com")
	status, page = search("ada@example.com", self)
	require.Equal(t, http.StatusOK, status)
	require.NotContains(t, page, `href="/admin/sends/`+id+`"`, "another user's send")
	status, _ = search("", self)
	require.Equal(t, http.StatusUnprocessableEntity, status)
	status, _ = search("eve@bounce.example.com", "https://evil.example.com")
	require.Equal(t, http.StatusForbidden, status)
}
