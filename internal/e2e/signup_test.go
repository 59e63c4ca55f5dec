package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/testutil"
)

// signupEnv turns sign-up verification on, as it is by default.
var signupEnv = []string{"SIGNUP_VERIFICATION", "required"}

// signup posts a registration and returns the answer.
func (b *testBundle) signup(t testing.TB, email, password, name string) response {
	t.Helper()
	return b.do(t, http.MethodPost, "/api/auth/register", "", map[string]string{"email": email, "password": password, "name": name})
}

// verifyFromMail finishes a sign-up with the link in mail n and password,
// the one chosen at sign-up, typed again.
func (b *testBundle) verifyFromMail(t testing.TB, n int, password string) response {
	t.Helper()
	_, m := b.waitMail(t, n)
	require.Contains(t, m.Text, "https://app.example.com/verify-email?token=", m.Text)
	return b.verify(t, tokenFrom(t, m.Text), password)
}

// verify posts a confirmation: the link's token and the password.
func (b *testBundle) verify(t testing.TB, token, password string) response {
	t.Helper()
	return b.do(t, http.MethodPost, "/api/auth/verify-email", "", map[string]string{"token": token, "password": password})
}

// TestSignupIsIdenticalForNewAndExistingAddresses: with verification
// required, register answers an address that has an account exactly as it
// answers a new one; the difference is only in the mail, to the address's
// owner (issue 13, item 5).
func TestSignupIsIdenticalForNewAndExistingAddresses(t *testing.T) {
	t.Parallel()
	b := setup(t, bundleOpts{extra: signupEnv})

	r := b.signup(t, "ada@example.com", "a fine password", "Ada")
	require.Equal(t, http.StatusAccepted, r.status, string(r.raw))
	v := b.verifyFromMail(t, 1, "a fine password")
	require.Equal(t, http.StatusCreated, v.status, string(v.raw))

	existing := b.signup(t, "ADA@example.com", "another password", "Mallory")
	fresh := b.signup(t, "grace@example.com", "another password", "Grace")
	requireIdentical(t, http.StatusAccepted, existing, fresh)

	// The owner hears that someone tried; the new address gets a link.
	b.waitMail(t, 3)
	byTo := map[string]*testutil.ParsedMail{}
	for _, m := range b.smtp.Messages()[1:] {
		p, err := testutil.ParseMail(m.Data)
		require.NoError(t, err)
		byTo[strings.ToLower(m.To[0])] = p
	}
	notice := byTo["ada@example.com"]
	require.NotNil(t, notice)
	require.Contains(t, notice.Subject, "Someone tried to sign up")
	require.Contains(t, notice.Text, "https://app.example.com/sign-in")
	require.Contains(t, notice.Text, "https://app.example.com/forgot-password")
	require.NotContains(t, notice.Text, "token=")
	require.Contains(t, byTo["grace@example.com"].Text, "https://app.example.com/verify-email?token=")

	// The attempt changed nothing: the owner's password still works.
	b.requirePassword(t, "ada@example.com", "a fine password", "another password")
}

// TestVerifyEmailCreatesTheAccountAndSignsIn: the link's token creates the
// account and answers like login; the token works once.
func TestVerifyEmailCreatesTheAccountAndSignsIn(t *testing.T) {
	t.Parallel()
	b := setup(t, bundleOpts{extra: signupEnv})

	r := b.do(t, http.MethodPost, "/api/auth/register", "", map[string]string{"email": "Ada@Example.com", "password": "a fine password", "name": "Ada", "locale": "de"})
	require.Equal(t, http.StatusAccepted, r.status, string(r.raw))
	_, m := b.waitMail(t, 1)
	require.Equal(t, "de", m.Header.Get("Content-Language"), "the verification mail is in the language asked for")
	token := tokenFrom(t, m.Text)

	v := b.verify(t, token, "a fine password")
	require.Equal(t, http.StatusCreated, v.status, string(v.raw))
	require.Equal(t, "bearer", v.body["token_type"])
	require.NotZero(t, v.body["expires_in"])
	user := v.body["user"].(map[string]any)
	require.Equal(t, "Ada@example.com", user["email"])
	require.Equal(t, "Ada", user["name"])
	jwt := v.body["access_token"].(string)
	me := b.do(t, http.MethodGet, "/api/auth/me", jwt, nil)
	require.Equal(t, http.StatusOK, me.status)
	status, _ := b.login(t, "ada@example.com", "a fine password")
	require.Equal(t, http.StatusOK, status)

	// The language asked for at sign-up is the account's once verified: a
	// forgot-password request that names none gets mail in it.
	f := b.do(t, http.MethodPost, "/api/auth/forgot-password", "", map[string]string{"email": "ada@example.com"})
	require.Equal(t, http.StatusAccepted, f.status)
	_, resetMail := b.waitMail(t, 2)
	require.Equal(t, "de", resetMail.Header.Get("Content-Language"))

	again := b.verify(t, token, "a fine password")
	require.Equal(t, http.StatusBadRequest, again.status)
	require.Equal(t, "invalid_token", errorCode(again))
	for _, bad := range []string{strings.Repeat("A", 43), "short", "not base64 at all but 43 characters long!!"} {
		r := b.verify(t, bad, "a fine password")
		require.Equal(t, http.StatusBadRequest, r.status, bad)
		require.Equal(t, "invalid_token", errorCode(r), bad)
	}
	// No token at all is a field error, not a bad link.
	missing := b.verify(t, "", "a fine password")
	require.Equal(t, http.StatusBadRequest, missing.status)
	require.Equal(t, "validation_failed", errorCode(missing))
	require.Contains(t, string(missing.raw), `"token":"is required"`)
}

// TestPendingSignupIsNoAccount: until the link is verified, login answers
// exactly as for a wrong password and forgot-password as for an unknown
// address (no mail).
func TestPendingSignupIsNoAccount(t *testing.T) {
	t.Parallel()
	b := setup(t, bundleOpts{extra: signupEnv})
	r := b.signup(t, "pending@example.com", "a fine password", "Pending")
	require.Equal(t, http.StatusAccepted, r.status)
	b.waitMail(t, 1)

	pending := b.do(t, http.MethodPost, "/api/auth/login", "", map[string]string{"email": "pending@example.com", "password": "a fine password"})
	unknown := b.do(t, http.MethodPost, "/api/auth/login", "", map[string]string{"email": "nobody@example.com", "password": "a fine password"})
	require.Equal(t, http.StatusUnauthorized, pending.status)
	require.Equal(t, unknown.status, pending.status)
	require.Equal(t, string(unknown.raw), string(pending.raw))

	f := b.do(t, http.MethodPost, "/api/auth/forgot-password", "", map[string]string{"email": "pending@example.com"})
	require.Equal(t, http.StatusAccepted, f.status)
	require.Equal(t, map[string]int{"no_account": 1}, b.waitResetOutcomes(t, "pending@example.com", 1))
	time.Sleep(300 * time.Millisecond)
	require.Equal(t, 1, b.smtp.Count(), "no reset mail for a pending sign-up")
}

// TestFirstVerifiedSignupWins: of two pending sign-ups for one address, the
// one verified first creates the account; the other's link is then invalid.
func TestFirstVerifiedSignupWins(t *testing.T) {
	t.Parallel()
	b := setup(t, bundleOpts{extra: signupEnv})
	require.Equal(t, http.StatusAccepted, b.signup(t, "twice@example.com", "first password", "One").status)
	_, m1 := b.waitMail(t, 1)
	require.Equal(t, http.StatusAccepted, b.signup(t, "twice@example.com", "second password", "Two").status)
	_, m2 := b.waitMail(t, 2)
	t1, t2 := tokenFrom(t, m1.Text), tokenFrom(t, m2.Text)
	require.NotEqual(t, t1, t2)

	r := b.verify(t, t2, "second password")
	require.Equal(t, http.StatusCreated, r.status, string(r.raw))
	r = b.verify(t, t1, "first password")
	require.Equal(t, http.StatusBadRequest, r.status)
	require.Equal(t, "invalid_token", errorCode(r))

	b.requirePassword(t, "twice@example.com", "second password", "first password")
}

// TestExpiredSignupLinkIsRejected: pending sign-ups expire after
// SIGNUP_TOKEN_TTL.
func TestExpiredSignupLinkIsRejected(t *testing.T) {
	t.Parallel()
	b := setup(t, bundleOpts{extra: append([]string{"SIGNUP_TOKEN_TTL", "1m"}, signupEnv...)})
	require.Equal(t, http.StatusAccepted, b.signup(t, "late@example.com", "a fine password", "Late").status)
	_, m := b.waitMail(t, 1)
	require.Contains(t, m.Text, "1 minute")
	err := b.db.Fixtures.SignupExpireAll(context.Background(), b.db.Pool)
	require.NoError(t, err)
	r := b.verify(t, tokenFrom(t, m.Text), "a fine password")
	require.Equal(t, http.StatusBadRequest, r.status)
	require.Equal(t, "invalid_token", errorCode(r))
	status, _ := b.login(t, "late@example.com", "a fine password")
	require.Equal(t, http.StatusUnauthorized, status)
}

// TestSignupNoticeIsThrottledAndJobsHoldNoSecret: sign-up attempts for an
// address with an account mail its owner at most once per
// RESET_EMAIL_INTERVAL, however many arrive at once, and the jobs (shown in
// the dashboard) carry no password, hash, or full address.
func TestSignupNoticeIsThrottledAndJobsHoldNoSecret(t *testing.T) {
	t.Parallel()
	b := setup(t, bundleOpts{extra: append([]string{"RESET_EMAIL_INTERVAL", "1h"}, signupEnv...)})
	require.Equal(t, http.StatusAccepted, b.signup(t, "owner@example.com", "the owner password", "Owner").status)
	require.Equal(t, http.StatusCreated, b.verifyFromMail(t, 1, "the owner password").status)

	const n = 6
	done := make(chan struct{}, n)
	for i := range n {
		go func() {
			defer func() { done <- struct{}{} }()
			r := b.signup(t, "owner@example.com", fmt.Sprintf("attacker password %d", i), "Attacker")
			require.Equal(t, http.StatusAccepted, r.status)
		}()
	}
	for range n {
		<-done
	}
	deadline := time.Now().Add(30 * time.Second)
	var outcomes map[string]int
	for time.Now().Before(deadline) {
		outcomes = b.signupOutcomes(t, "owner@example.com")
		if outcomes["pending"] == 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	require.Equal(t, map[string]int{"sent": 1, "account_exists": 1, "throttled": n - 1}, outcomes)
	time.Sleep(300 * time.Millisecond)
	require.Equal(t, 2, b.smtp.Count(), "one verification link, one notice")

	jobs, err := b.db.Fixtures.JobArgs(context.Background(), b.db.Pool, "signup_email")
	require.NoError(t, err)
	for _, j := range jobs {
		for _, secret := range []string{"password", "$2a$", "owner@example.com", "token"} {
			require.NotContains(t, j.Args, secret)
		}
	}
	require.Len(t, jobs, n+1)
}

func (b *testBundle) signupOutcomes(t *testing.T, email string) map[string]int {
	t.Helper()
	outcomes, err := b.db.Fixtures.SignupOutcomes(context.Background(), b.db.Pool, email)
	require.NoError(t, err)
	out := map[string]int{}
	for _, o := range outcomes {
		out[o]++
	}
	return out
}

// TestSignupVerificationOff: SIGNUP_VERIFICATION=off creates the account at
// once, signed in, and answers 409 for a taken address, as before.
func TestSignupVerificationOff(t *testing.T) {
	t.Parallel()
	b := setup(t, bundleOpts{})
	r := b.signup(t, "now@example.com", "a fine password", "Now")
	require.Equal(t, http.StatusCreated, r.status, string(r.raw))
	require.Equal(t, "now@example.com", r.body["user"].(map[string]any)["email"])
	me := b.do(t, http.MethodGet, "/api/auth/me", r.body["access_token"].(string), nil)
	require.Equal(t, http.StatusOK, me.status)
	r = b.signup(t, "NOW@example.com", "a fine password", "Now")
	require.Equal(t, http.StatusConflict, r.status)
	require.Zero(t, b.smtp.Count())
}
