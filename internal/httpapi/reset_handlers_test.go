package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestResetPasswordAnswersTheAddress: a successful reset answers with the
// account's address, so that the web app can fill in the sign-in form, and
// the address stays out of the logs.
func TestResetPasswordAnswersTheAddress(t *testing.T) {
	t.Parallel()
	b := setup(t)
	token := b.liveResetToken("secret.person@example.com")
	rec := b.do(request{method: http.MethodPost, path: "/api/auth/reset-password",
		body: `{"token":"` + token + `","new_password":"a perfectly fine password"}`})
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, map[string]any{
		"message": "Your password has been changed. Sign in with your new password.",
		"email":   "secret.person@example.com",
	}, decode(t, rec))
	require.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
	logs := b.logs.String()
	require.Contains(t, logs, `"route":"/api/auth/reset-password"`)
	require.NotContains(t, logs, "secret.person")
}
