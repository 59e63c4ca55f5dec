package httpapi_test

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/config"
)

// limited is a setup option that turns the auth limit on: burst requests,
// then one a minute.
func limited(burst int, trustedProxies ...string) func(*config.API) {
	return func(c *config.API) {
		c.RateLimitEnabled = true
		c.RateLimitAuthPerMinute = 1
		c.RateLimitAuthBurst = burst
		c.TrustedProxies = trustedProxies
	}
}

func failedLogin(remote string, headers map[string]string) request {
	return request{method: http.MethodPost, path: "/api/auth/login", body: `{"email":"a@example.com","password":"wrong password"}`, remote: remote, headers: headers}
}

func TestRateLimitAnswers429WithRetryAfter(t *testing.T) {
	t.Parallel()
	b := setup(t, limited(3))

	for range 3 {
		requireError(t, b.do(failedLogin("198.51.100.7:1000", nil)), http.StatusUnauthorized, "unauthorized")
	}
	rec := b.do(failedLogin("198.51.100.7:1001", nil))
	details := requireError(t, rec, http.StatusTooManyRequests, "rate_limited")
	retry, err := strconv.Atoi(rec.Header().Get("Retry-After"))
	require.NoError(t, err)
	// One token a minute: the next one is at most 60 seconds away.
	require.GreaterOrEqual(t, retry, 1)
	require.LessOrEqual(t, retry, 60)
	require.EqualValues(t, retry, details["retry_after_seconds"])

	// Another client is not affected, and neither is another route for the
	// same client.
	requireError(t, b.do(failedLogin("198.51.100.8:1000", nil)), http.StatusUnauthorized, "unauthorized")
	rec = b.do(request{method: http.MethodPost, path: "/api/auth/register", body: `{}`, remote: "198.51.100.7:1002"})
	requireError(t, rec, http.StatusBadRequest, "validation_failed")

	// Authenticated endpoints are not rate limited.
	for range 5 {
		requireError(t, b.do(request{method: http.MethodGet, path: "/api/auth/me", remote: "198.51.100.7:1003"}), http.StatusUnauthorized, "unauthorized")
	}
}

func TestRateLimitCanBeTurnedOff(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *config.API) {
		c.RateLimitEnabled = false
		c.RateLimitAuthPerMinute = 1
		c.RateLimitAuthBurst = 1
	})
	for range 20 {
		requireError(t, b.do(failedLogin("198.51.100.7:1000", nil)), http.StatusUnauthorized, "unauthorized")
	}
}

func TestRateLimitIgnoresForwardedForByDefault(t *testing.T) {
	t.Parallel()
	b := setup(t, limited(1))

	// Without TRUSTED_PROXIES a client cannot escape its bucket by
	// inventing X-Forwarded-For values.
	requireError(t, b.do(failedLogin("203.0.113.5:1000", map[string]string{"X-Forwarded-For": "192.0.2.1"})), http.StatusUnauthorized, "unauthorized")
	requireError(t, b.do(failedLogin("203.0.113.5:1000", map[string]string{"X-Forwarded-For": "192.0.2.2"})), http.StatusTooManyRequests, "rate_limited")
}

func TestRateLimitHonoursForwardedForFromTrustedProxies(t *testing.T) {
	t.Parallel()
	b := setup(t, limited(1, "10.0.0.0/8"))

	// Behind the trusted proxy, each forwarded client has its own bucket.
	viaProxy := func(client string) request {
		return failedLogin("10.1.2.3:5000", map[string]string{"X-Forwarded-For": client})
	}
	requireError(t, b.do(viaProxy("192.0.2.1")), http.StatusUnauthorized, "unauthorized")
	requireError(t, b.do(viaProxy("192.0.2.2")), http.StatusUnauthorized, "unauthorized")
	requireError(t, b.do(viaProxy("192.0.2.1")), http.StatusTooManyRequests, "rate_limited")
	// A spoofed first hop does not help: the right-most untrusted address
	// is the client.
	requireError(t, b.do(viaProxy("198.51.100.99, 192.0.2.1")), http.StatusTooManyRequests, "rate_limited")

	// The same header from an untrusted peer is ignored.
	requireError(t, b.do(failedLogin("203.0.113.9:1000", map[string]string{"X-Forwarded-For": "192.0.2.50"})), http.StatusUnauthorized, "unauthorized")
	requireError(t, b.do(failedLogin("203.0.113.9:1000", map[string]string{"X-Forwarded-For": "192.0.2.51"})), http.StatusTooManyRequests, "rate_limited")
}
