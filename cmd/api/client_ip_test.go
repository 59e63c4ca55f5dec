package main

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// The dashboard's credentials in the tests of its login guard.
const dashUser, dashPass = "oncall", "correct-horse-battery-staple"

// setupDashboard is setupBehindProxy with the dashboard enabled for dashUser
// and dashPass.
func setupDashboard(t *testing.T) *testBundle {
	t.Helper()
	return setupBehindProxy(t, map[string]string{"DASHBOARD_USERNAME": dashUser, "DASHBOARD_PASSWORD": dashPass})
}

// dashboard sends one request to /admin/jobs/ as the client at xff, behind
// the test's own loopback connection, which plays the trusted proxy.
func (b *testBundle) dashboard(t *testing.T, xff, user, pass string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.baseURL+"/admin/jobs/", nil)
	require.NoError(t, err)
	req.SetBasicAuth(user, pass)
	req.Header.Set("X-Forwarded-For", xff)
	resp, _ := do(t, req)
	return resp
}

// TestRunDashboardLimitsEachClientBehindAProxy is issue 13, item 3: behind
// a proxy, ten wrong dashboard logins from one client used to lock out
// every client, on-call included, because the guard keyed its failures on
// the proxy's address.
func TestRunDashboardLimitsEachClientBehindAProxy(t *testing.T) {
	t.Parallel()
	b := setupDashboard(t)

	for range 10 {
		require.Equal(t, http.StatusUnauthorized, b.dashboard(t, "192.0.2.10", dashUser, "guess").StatusCode)
	}
	resp := b.dashboard(t, "192.0.2.10", dashUser, dashPass)
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode, "the guesser waits, even with the right password")
	require.NotEmpty(t, resp.Header.Get("Retry-After"))

	require.Equal(t, http.StatusOK, b.dashboard(t, "192.0.2.11", dashUser, dashPass).StatusCode,
		"another client behind the same proxy gets in")

	// An IPv6 client counts per /64, so rotating through its own addresses
	// buys it nothing; its neighbour in another /64 is not affected.
	for i := range 10 {
		xff := "[2001:db8:1:2::" + strconv.Itoa(i+1) + "]:443"
		require.Equal(t, http.StatusUnauthorized, b.dashboard(t, xff, dashUser, "guess").StatusCode)
	}
	require.Equal(t, http.StatusTooManyRequests, b.dashboard(t, "2001:db8:1:2:ffff::1", dashUser, "guess").StatusCode)
	require.Equal(t, http.StatusOK, b.dashboard(t, "2001:db8:1:3::1", dashUser, dashPass).StatusCode)
}

// TestRunReadsForwardedForEntriesWithAPort is issue 13, item 7: proxies
// that write "198.51.100.7:443" or "[2001:db8::1]:443" used to make the API
// fall back to the proxy's address, so that all their clients shared one
// bucket of the per-IP limit.
func TestRunReadsForwardedForEntriesWithAPort(t *testing.T) {
	t.Parallel()
	b := setupBehindProxy(t, map[string]string{"RATE_LIMIT_AUTH_PER_MINUTE": "1", "RATE_LIMIT_AUTH_BURST": "1"})
	login := func(xff string) int {
		resp, _ := b.login(t, "x@example.com", "wrong password", xff)
		return resp.StatusCode
	}

	require.Equal(t, http.StatusUnauthorized, login("198.51.100.7:443"))
	require.Equal(t, http.StatusTooManyRequests, login("198.51.100.7:8443"), "one client, whatever its port")
	require.Equal(t, http.StatusUnauthorized, login("198.51.100.8:443"), "another client has its own bucket")

	require.Equal(t, http.StatusUnauthorized, login("[2001:db8::1]:443"))
	require.Equal(t, http.StatusTooManyRequests, login("[2001:db8::2]:443"), "the same /64")
	require.Equal(t, http.StatusUnauthorized, login("[2001:db8:0:1::1]:443"), "another /64")
}

// TestRunDashboardCapsFailedLoginsAcrossClients is issue 23, item 5: 500
// guesses from 250 client addresses were all checked, since the limit
// counted each client alone. Past a global cap of failed logins per minute,
// the guard checks no more guesses from clients it does not know; a client
// that has signed in before still gets in with the right password.
func TestRunDashboardCapsFailedLoginsAcrossClients(t *testing.T) {
	t.Parallel()
	b := setupDashboard(t)
	require.Equal(t, http.StatusOK, b.dashboard(t, "192.0.2.1", dashUser, dashPass).StatusCode, "on-call signs in")

	statuses := map[int]int{}
	for i := range 250 {
		xff := "198.51.100." + strconv.Itoa(i)
		if i > 200 {
			xff = "203.0.113." + strconv.Itoa(i-200)
		}
		for range 2 {
			statuses[b.dashboard(t, xff, dashUser, "guess").StatusCode]++
		}
	}
	require.Equal(t, 500, statuses[http.StatusUnauthorized]+statuses[http.StatusTooManyRequests], "%v", statuses)
	require.LessOrEqual(t, statuses[http.StatusUnauthorized], 100, "guesses checked in one minute: %v", statuses)

	require.Equal(t, http.StatusOK, b.dashboard(t, "192.0.2.1", dashUser, dashPass).StatusCode, "the known client still gets in")
	resp := b.dashboard(t, "192.0.2.99", dashUser, dashPass)
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode, "an unknown client waits out the minute")
	require.NotEmpty(t, resp.Header.Get("Retry-After"))
}
