package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestResetFlowEndToEnd(t *testing.T) {
	t.Parallel()
	resetFlow(t, setup(t, bundleOpts{}))
}

// resetFlow registers, asks for a link, resets the password with it, and
// checks what that revokes. The pooler tests run it through PgBouncer.
func resetFlow(t *testing.T, b *testBundle) {
	t.Helper()
	b.register(t, "Ada@Example.com", "old password 1", "Ada")
	status, oldJWT := b.login(t, "ada@example.com", "old password 1")
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, http.StatusOK, b.do(t, http.MethodGet, "/api/auth/me", oldJWT, nil).status)

	r := b.do(t, http.MethodPost, "/api/auth/forgot-password", "", map[string]string{"email": "ada@example.com"})
	require.Equal(t, http.StatusAccepted, r.status, string(r.raw))

	msg, mail := b.waitMail(t, 1)
	require.Equal(t, []string{"Ada@example.com"}, msg.To)
	token := tokenFrom(t, mail.Text)
	require.Contains(t, mail.Text, "https://app.example.com/reset-password?token="+token)

	r = b.do(t, http.MethodPost, "/api/auth/reset-password/verify", "", map[string]string{"token": token})
	require.Equal(t, http.StatusOK, r.status, string(r.raw))
	require.Equal(t, true, r.body["valid"])

	// The new password follows the registration rules.
	r = b.do(t, http.MethodPost, "/api/auth/reset-password", "", map[string]string{"token": token, "new_password": "short"})
	require.Equal(t, http.StatusBadRequest, r.status)
	require.Equal(t, "validation_failed", errorCode(r))

	r = b.do(t, http.MethodPost, "/api/auth/reset-password", "", map[string]string{"token": token, "new_password": "new password 2"})
	require.Equal(t, http.StatusOK, r.status, string(r.raw))
	require.NotContains(t, string(r.raw), "access_token", "no automatic login")
	require.Equal(t, "Ada@example.com", r.body["email"], "the account's address, as stored, for the sign-in form")

	status, newJWT := b.login(t, "ada@example.com", "new password 2")
	require.Equal(t, http.StatusOK, status)
	require.NotEmpty(t, newJWT)
	status, _ = b.login(t, "ada@example.com", "old password 1")
	require.Equal(t, http.StatusUnauthorized, status)

	require.Equal(t, http.StatusUnauthorized, b.do(t, http.MethodGet, "/api/auth/me", oldJWT, nil).status, "old JWT revoked")
	require.Equal(t, http.StatusOK, b.do(t, http.MethodGet, "/api/auth/me", newJWT, nil).status)

	r = b.do(t, http.MethodPost, "/api/auth/reset-password", "", map[string]string{"token": token, "new_password": "new password 3"})
	require.Equal(t, http.StatusBadRequest, r.status)
	require.Equal(t, "invalid_token", errorCode(r))

	// The "password changed" notice goes out through the same queue.
	_, notice := b.waitMail(t, 2)
	require.Contains(t, strings.ToLower(notice.Subject), "password")
}

func TestForgotPasswordIsIdenticalForUnknownEmail(t *testing.T) {
	t.Parallel()
	b := setup(t, bundleOpts{})
	b.register(t, "known@example.com", "a fine password", "Known")

	known := b.do(t, http.MethodPost, "/api/auth/forgot-password", "", map[string]string{"email": "known@example.com"})
	unknown := b.do(t, http.MethodPost, "/api/auth/forgot-password", "", map[string]string{"email": "unknown@example.com"})
	requireIdentical(t, http.StatusAccepted, known, unknown)

	b.waitMail(t, 1)
	// Give the unknown request's job time to finish; it must not send.
	time.Sleep(500 * time.Millisecond)
	require.Equal(t, 1, b.smtp.Count())

	r := b.do(t, http.MethodPost, "/api/auth/forgot-password", "", map[string]string{"email": "not an email"})
	require.Equal(t, http.StatusBadRequest, r.status)
}

func TestExpiredLinkIsRejected(t *testing.T) {
	t.Parallel()
	b := setup(t, bundleOpts{extra: []string{"RESET_TOKEN_TTL", "1m"}})
	b.register(t, "grace@example.com", "a fine password", "Grace")

	b.do(t, http.MethodPost, "/api/auth/forgot-password", "", map[string]string{"email": "grace@example.com"})
	_, mail := b.waitMail(t, 1)
	token := tokenFrom(t, mail.Text)

	// Age the request past its expiry instead of waiting a minute.
	err := b.db.Fixtures.ResetExpireAll(t.Context(), b.db.Pool)
	require.NoError(t, err)

	r := b.do(t, http.MethodPost, "/api/auth/reset-password/verify", "", map[string]string{"token": token})
	require.Equal(t, http.StatusBadRequest, r.status)
	require.Equal(t, "invalid_token", errorCode(r))
	r = b.do(t, http.MethodPost, "/api/auth/reset-password", "", map[string]string{"token": token, "new_password": "another password"})
	require.Equal(t, http.StatusBadRequest, r.status)
	require.Equal(t, "invalid_token", errorCode(r))
}

func tokenFrom(t testing.TB, text string) string {
	t.Helper()
	i := strings.Index(text, "token=")
	require.GreaterOrEqual(t, i, 0, "no token in:\n%s", text)
	tok := text[i+len("token="):]
	if j := strings.IndexAny(tok, " \r\n)>\""); j >= 0 {
		tok = tok[:j]
	}
	require.Len(t, tok, 43)
	return tok
}

func errorCode(r response) string {
	e, _ := r.body["error"].(map[string]any)
	code, _ := e["code"].(string)
	return code
}
