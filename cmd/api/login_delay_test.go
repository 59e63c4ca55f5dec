package main

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestRunDelaysGuessesAgainstOneAddress is issue 13, item 6: login was
// limited only per client IP, so one address could be tried from many IPs
// at once. Fifty wrong passwords for one address from fifty client IPs are
// now limited, for an unknown address exactly as for a registered one, and
// the owner's right password works from a fresh IP once the wait is over.
func TestRunDelaysGuessesAgainstOneAddress(t *testing.T) {
	t.Parallel()
	b := setup(t, map[string]string{
		"TRUSTED_PROXIES":         "127.0.0.1,::1",
		"RATE_LIMIT_LOGIN_WINDOW": "3s",
		// Register answers at once, where sign-up verification exists.
		"SIGNUP_VERIFICATION": "off",
	})
	const owner, password = "owner@example.com", "the owner's right password"
	resp, body := b.call(t, http.MethodPost, "/api/auth/register", "", `{"email":"`+owner+`","password":"`+password+`","name":"Owner"}`, nil)
	require.Equal(t, http.StatusCreated, resp.StatusCode, body)

	login := func(email, pw, client string) (*http.Response, map[string]any) {
		return b.call(t, http.MethodPost, "/api/auth/login", "", `{"email":"`+email+`","password":"`+pw+`"}`,
			map[string]string{"X-Forwarded-For": client})
	}
	guess := func(email, network string) (last *http.Response) {
		counts := map[int]int{}
		for i := range 50 {
			resp, body := login(email, "wrong guess "+strconv.Itoa(i), network+strconv.Itoa(i+1))
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
	resp, _ = login(owner, password, "203.0.113.1")
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	retry, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	require.NoError(t, err)
	require.LessOrEqual(t, retry, 3, "never longer than RATE_LIMIT_LOGIN_WINDOW")
	waitOver := time.Now().Add(time.Duration(retry) * time.Second)

	ghostRetry, err := strconv.Atoi(guess("ghost@example.com", "198.51.100.").Header.Get("Retry-After"))
	require.NoError(t, err)
	ghostWaitOver := time.Now().Add(time.Duration(ghostRetry) * time.Second)

	time.Sleep(time.Until(waitOver))
	resp, body = login(owner, password, "203.0.113.2")
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	require.NotEmpty(t, body["access_token"])
	time.Sleep(time.Until(ghostWaitOver))
	resp, _ = login("ghost@example.com", "another guess", "203.0.113.3")
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "the unknown address is not stuck either")
}
