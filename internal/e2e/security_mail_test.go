package e2e

import (
	"net/http"
	"net/mail"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/testutil"
)

// hostileName is a display name an attacker registers for a victim's
// address, hoping our own security mail will carry it.
const hostileName = "Sam, URGENT: account locked, go to https://evil.example/unlock now"

// TestNameWithURLAppearsInNoMail: security mail carries no user-chosen
// text, neither in the body nor as the To: display name (issue 13, item 2).
// It goes through every kind: the sign-up link, the "someone tried to sign
// up" notice, the reset link and the password-changed notice.
func TestNameWithURLAppearsInNoMail(t *testing.T) {
	t.Parallel()
	b := setup(t, bundleOpts{extra: signupEnv})
	require.Equal(t, http.StatusAccepted, b.signup(t, "victim@example.com", "a fine password", hostileName).status)
	require.Equal(t, http.StatusCreated, b.verifyFromMail(t, 1, "a fine password").status)
	require.Equal(t, http.StatusAccepted, b.signup(t, "victim@example.com", "a fine password", hostileName).status)
	_, notice := b.waitMail(t, 2)
	require.Contains(t, notice.Subject, "Someone tried to sign up")

	r := b.do(t, http.MethodPost, "/api/auth/forgot-password", "", map[string]string{"email": "victim@example.com"})
	require.Equal(t, http.StatusAccepted, r.status, string(r.raw))
	_, reset := b.waitMail(t, 3)
	token := tokenFrom(t, reset.Text)
	r = b.do(t, http.MethodPost, "/api/auth/reset-password", "", map[string]string{"token": token, "new_password": "another password"})
	require.Equal(t, http.StatusOK, r.status, string(r.raw))
	b.waitMail(t, 4)

	msgs := b.smtp.Messages()
	require.NotEmpty(t, msgs)
	for i, m := range msgs {
		parsed, err := testutil.ParseMail(m.Data)
		require.NoError(t, err)
		for _, part := range []string{string(m.Data), parsed.Subject, parsed.Text, parsed.HTML} {
			part = strings.ToLower(part)
			for _, bad := range []string{"evil.example", "urgent", "account locked", "sam,"} {
				require.NotContains(t, part, bad, "mail %d carries the registered name", i+1)
			}
		}
		to, err := parsed.Header.AddressList("To")
		require.NoError(t, err)
		require.Equal(t, []*mail.Address{{Address: "victim@example.com"}}, to, "To: carries no display name")
	}
}
