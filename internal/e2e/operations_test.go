package e2e

import (
	"context"
	"net/http"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/smtptest"
	"github.com/todoapp/resetmail/internal/testutil"
)

// TestLogsNeverCarrySecrets runs the whole reset flow, including a failed
// send, then searches every log line of both binaries for the token, the
// passwords, the JWT, the SMTP password and any full address.
func TestLogsNeverCarrySecrets(t *testing.T) {
	t.Parallel()
	b := setup(t, bundleOpts{smtp: smtptest.Options{Fault: smtptest.RejectDomain("bounce.example.com")}})

	const oldPassword, newPassword = "first secret pw", "second secret pw"
	b.register(t, "ada.secret@example.com", oldPassword, "Ada")
	b.register(t, "eve.secret@bounce.example.com", oldPassword, "Eve")
	_, jwt := b.login(t, "ada.secret@example.com", oldPassword)
	require.NotEmpty(t, jwt)
	b.do(t, http.MethodGet, "/api/auth/me", jwt, nil)
	b.do(t, http.MethodPost, "/api/auth/login", "", map[string]string{"email": "ada.secret@example.com", "password": "wrong secret pw"})
	b.do(t, http.MethodPost, "/api/auth/forgot-password", "", map[string]string{"email": "eve.secret@bounce.example.com"})
	b.do(t, http.MethodPost, "/api/auth/forgot-password", "", map[string]string{"email": "ada.secret@example.com"})
	b.do(t, http.MethodPost, "/api/auth/forgot-password", "", map[string]string{"email": "nobody.secret@example.com"})
	_, mail := b.waitMail(t, 1)
	token := tokenFrom(t, mail.Text)
	b.do(t, http.MethodPost, "/api/auth/reset-password/verify", "", map[string]string{"token": token})
	r := b.do(t, http.MethodPost, "/api/auth/reset-password", "", map[string]string{"token": token, "new_password": newPassword})
	require.Equal(t, http.StatusOK, r.status, string(r.raw))
	b.waitMail(t, 2)
	b.do(t, http.MethodGet, "/api/auth/me?token="+token, jwt, nil)

	// Stop both so that every buffered line is written.
	require.NoError(t, b.worker.Stop(15*time.Second))
	require.NoError(t, b.api.Stop(15*time.Second))
	logs := b.api.Output() + b.worker.Output()
	require.Contains(t, logs, `"route":"/api/auth/reset-password"`, "the logs were captured")
	require.Contains(t, logs, "550", "the failed send was logged or recorded")

	for name, secret := range map[string]string{
		"reset token": token, "old password": oldPassword, "new password": newPassword,
		"wrong password": "wrong secret pw", "jwt": jwt, "smtp password": smtpPassword,
		"jwt secret": jwtSecret, "reset key": resetKey,
	} {
		require.NotContains(t, logs, secret, "%s leaked into the logs", name)
	}
	full := regexp.MustCompile(`[A-Za-z0-9._%+\-]{2,}@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}`)
	for _, m := range full.FindAllString(logs, -1) {
		// Masked addresses keep one character before "***@".
		require.True(t, strings.Contains(m, "***@"), "a full address leaked into the logs: %s", m)
	}
	require.NotRegexp(t, `eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.`, logs, "a JWT leaked into the logs")
}

// TestWorkerMetricsMoveAfterSendAndPermanentFailure scrapes the worker's
// /metrics before and after one delivered and one rejected mail.
func TestWorkerMetricsMoveAfterSendAndPermanentFailure(t *testing.T) {
	t.Parallel()
	b := setup(t, bundleOpts{
		smtp:  smtptest.Options{Fault: smtptest.RejectDomain("bounce.example.com")},
		extra: []string{"METRICS_TOKEN", metricsToken},
	})
	b.register(t, "ok@example.com", "a fine password", "Ok")
	b.register(t, "no@bounce.example.com", "a fine password", "No")

	b.do(t, http.MethodPost, "/api/auth/forgot-password", "", map[string]string{"email": "ok@example.com"})
	b.do(t, http.MethodPost, "/api/auth/forgot-password", "", map[string]string{"email": "no@bounce.example.com"})
	b.do(t, http.MethodPost, "/api/auth/forgot-password", "", map[string]string{"email": "ghost@example.com"})
	b.waitMail(t, 1)

	want := map[string]float64{
		`resetmail_emails_sent_total{kind="password_reset_email",provider="smtp"}`:                      1,
		`resetmail_email_failures_total{class="permanent",kind="password_reset_email",provider="smtp"}`: 1,
		`resetmail_reset_requests_skipped_total{provider="smtp",reason="no_account"}`:                   1,
		`resetmail_email_enqueue_to_accept_seconds_count{kind="password_reset_email",provider="smtp"}`:  1,
		`resetmail_smtp_send_duration_seconds_count{kind="password_reset_email",provider="smtp"}`:       1,
	}
	deadline := time.Now().Add(20 * time.Second)
	var text string
	for {
		text = scrapeWith(t, "http://"+b.worker.Addr+"/metrics", metricsToken)
		ok := true
		for series, v := range want {
			if metricValue(text, series) != v {
				ok = false
			}
		}
		if ok || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	for series, v := range want {
		require.Equal(t, v, metricValue(text, series), series)
	}
}

// metricsToken is METRICS_TOKEN where a test sets it.
var metricsToken = testutil.Secret("e2e-metrics-token", 40)

// TestWorkerMetricsRevealNoAccountsWithoutToken is issue 13, item 10: the
// worker's mail outcomes (sent, failed, skipped as no_account…) tell whether
// an address has an account, so without METRICS_TOKEN /metrics leaves them
// out, and with it every scrape must bear the token.
func TestWorkerMetricsRevealNoAccountsWithoutToken(t *testing.T) {
	t.Parallel()
	requests := func(b *testBundle) {
		b.register(t, "ok@example.com", "a fine password", "Ok")
		b.do(t, http.MethodPost, "/api/auth/forgot-password", "", map[string]string{"email": "ok@example.com"})
		b.do(t, http.MethodPost, "/api/auth/forgot-password", "", map[string]string{"email": "ghost@example.com"})
		b.waitMail(t, 1)
		require.Eventually(t, func() bool {
			jobs, err := b.db.Fixtures.JobArgs(context.Background(), b.db.Pool, "password_reset_email")
			if err != nil {
				return false
			}
			for _, j := range jobs {
				if j.State != "completed" {
					return false
				}
			}
			return true
		}, 20*time.Second, 50*time.Millisecond, "both reset jobs complete")
	}

	open := setup(t, bundleOpts{})
	requests(open)
	text := scrape(t, "http://"+open.worker.Addr+"/metrics")
	require.Contains(t, text, "resetmail_river_jobs", "queue depth stays public")
	for _, hidden := range []string{"no_account", "resetmail_mail_provider_problems_total", "resetmail_reset_requests_skipped_total", "resetmail_emails_sent_total", "resetmail_email_failures_total", "resetmail_smtp_send_duration_seconds", "resetmail_email_enqueue_to_accept_seconds"} {
		require.NotContains(t, text, hidden)
	}

	guarded := setup(t, bundleOpts{extra: []string{"METRICS_TOKEN", metricsToken}})
	requests(guarded)
	url := "http://" + guarded.worker.Addr + "/metrics"
	for _, auth := range []string{"", "Bearer wrong-token", "Basic " + metricsToken, metricsToken} {
		resp, _ := call(t, http.DefaultClient, http.MethodGet, url, auth)
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "Authorization %q", auth)
		require.Contains(t, resp.Header.Get("WWW-Authenticate"), "Bearer")
	}
	// On-call, with the token, still sees why mails were not sent.
	text = scrapeWith(t, url, metricsToken)
	require.Equal(t, 1.0, metricValue(text, `resetmail_reset_requests_skipped_total{provider="smtp",reason="no_account"}`))
	require.Equal(t, 1.0, metricValue(text, `resetmail_emails_sent_total{kind="password_reset_email",provider="smtp"}`))
	require.Contains(t, text, "resetmail_river_jobs")
}

func TestAPIMetricsAreOffThePublicPort(t *testing.T) {
	t.Parallel()
	b := setup(t, bundleOpts{extra: []string{"METRICS_ADDR", "127.0.0.1:0"}})

	r := b.do(t, http.MethodGet, "/metrics", "", nil)
	require.Equal(t, http.StatusNotFound, r.status)

	addr := metricsAddr(t, b.api.Output())
	b.do(t, http.MethodGet, "/healthz", "", nil)
	text := scrape(t, "http://"+addr+"/metrics")
	require.Contains(t, text, `resetmail_http_requests_total{method="GET",route="/healthz",status="200"}`)
	require.Contains(t, text, `resetmail_http_request_duration_seconds_bucket{method="GET",route="/healthz",status="200"`)

	// With METRICS_TOKEN the API's metrics are behind it too.
	g := setup(t, bundleOpts{extra: []string{"METRICS_ADDR", "127.0.0.1:0", "METRICS_TOKEN", metricsToken}})
	addr = metricsAddr(t, g.api.Output())
	g.do(t, http.MethodGet, "/healthz", "", nil)
	resp, err := http.Get("http://" + addr + "/metrics")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	require.Contains(t, scrapeWith(t, "http://"+addr+"/metrics", metricsToken), "resetmail_http_requests_total")
}

func TestDashboardIs404WithoutCredentialsConfigured(t *testing.T) {
	t.Parallel()
	b := setup(t, bundleOpts{})

	r := b.do(t, http.MethodGet, "/admin/jobs/", "", nil)
	require.Equal(t, http.StatusNotFound, r.status)
	require.Contains(t, b.api.Output(), "job dashboard is off")
}

func TestDashboardIsGuardedWhenConfigured(t *testing.T) {
	t.Parallel()
	b := setup(t, bundleOpts{extra: []string{"DASHBOARD_USERNAME", "oncall", "DASHBOARD_PASSWORD", "a-dashboard-password"}})

	get := func(user, pass string) int {
		req, _ := http.NewRequest(http.MethodGet, "http://"+b.api.Addr+"/admin/jobs/", nil)
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		resp, err := b.client.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	require.Equal(t, http.StatusUnauthorized, get("", ""))
	require.Equal(t, http.StatusUnauthorized, get("oncall", "wrong"))
	require.Equal(t, http.StatusOK, get("oncall", "a-dashboard-password"))

	req, _ := http.NewRequest(http.MethodPost, "http://"+b.api.Addr+"/admin/jobs/api/jobs/retry", strings.NewReader(`{"ids":["1"]}`))
	req.SetBasicAuth("oncall", "a-dashboard-password")
	req.Header.Set("Origin", "https://evil.example.com")
	req.Header.Set("Content-Type", "application/json")
	resp, err := b.client.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
}

func scrape(t *testing.T, url string) string {
	t.Helper()
	return scrapeWith(t, url, "")
}

// scrapeWith scrapes url with METRICS_TOKEN token as a bearer, or without
// authentication when token is empty.
func scrapeWith(t *testing.T, url, token string) string {
	t.Helper()
	auth := ""
	if token != "" {
		auth = "Bearer " + token
	}
	resp, body := call(t, http.DefaultClient, http.MethodGet, url, auth)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	return string(body)
}

// metricValue returns the value of one exact series line, or -1.
func metricValue(text, series string) float64 {
	for _, line := range strings.Split(text, "\n") {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			if err == nil {
				return v
			}
		}
	}
	return -1
}

func metricsAddr(t *testing.T, logs string) string {
	t.Helper()
	m := regexp.MustCompile(`"msg":"metrics listening","addr":"([^"]+)"`).FindStringSubmatch(logs)
	require.NotNil(t, m, "no metrics listening line:\n%s", logs)
	return m[1]
}

// TestOnlyTheWorkerBinaryDerivesResetTokens: the API neither reads
// RESET_TOKEN_KEY (TestRunNeitherNeedsNorReadsResetTokenKey) nor carries the
// code that derives a token from it; the linker drops what nothing calls.
func TestOnlyTheWorkerBinaryDerivesResetTokens(t *testing.T) {
	t.Parallel()
	b := built(t)
	symbols := func(binary string) string {
		out, err := exec.Command("go", "tool", "nm", binary).CombinedOutput()
		require.NoError(t, err, string(out))
		return string(out)
	}
	// reset.DeriveToken and signup.DeriveToken are inlined; the code they
	// share is linktoken.Derive.
	const derive = "internal/linktoken.Derive"
	require.Contains(t, symbols(b.Worker), derive, "the probe must find the symbol where it is")
	require.NotContains(t, symbols(b.API), derive)
}
