package smtp

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/mail"
	"github.com/todoapp/resetmail/internal/mail/oauth"
	"github.com/todoapp/resetmail/internal/providertest"
	"github.com/todoapp/resetmail/internal/smtptest"
)

const mailbox = "no-reply@example.com"

// xoauthFixture is an SMTP server that offers only XOAUTH2 (over STARTTLS)
// and accepts the tokens a token endpoint issued for Exchange's scope.
type xoauthFixture struct {
	tokens *providertest.TokenServer
	smtp   *smtptest.Server
	src    *oauth.Source
	sender *Sender
}

func newXOAuthFixture(t *testing.T, lifetime time.Duration, microsoft bool, mutate func(*smtptest.Options)) xoauthFixture {
	t.Helper()
	ts, src := providertest.ClientTokens(t, mail.ProviderSMTP, oauth.ScopeOutlookSMTP, lifetime)
	o := smtptest.Options{TLS: true, AuthUser: mailbox, AuthMechanisms: []string{smtptest.XOAuth2}, XOAuth2Microsoft: microsoft,
		XOAuth2: func(token string) bool { return ts.Valid(token, oauth.ScopeOutlookSMTP, "") }}
	if mutate != nil {
		mutate(&o)
	}
	srv := smtptest.NewT(t, o)
	s := newTestSender(t, srv.Host(), srv.Port(), func(c *SenderConfig) {
		c.TLS = TLSStartTLS
		c.RootCAs = srv.RootCAs()
		c.Username = mailbox
		c.Auth = AuthXOAuth2
		c.Tokens = src
	})
	return xoauthFixture{tokens: ts, smtp: srv, src: src, sender: s}
}

func (f xoauthFixture) send(t *testing.T) error {
	return f.sender.Send(testCtx(t), testFrom, "john@example.com", testMessage(t, "john@example.com"))
}

// TestXOAuth2DeliversAsTokensExpire: tokens that live two seconds, and
// connections the server closes after half a second idle, so that each
// send authenticates a new connection: each gets a token that is still
// valid, fetched again only as the previous one nears expiry.
func TestXOAuth2DeliversAsTokensExpire(t *testing.T) {
	t.Parallel()
	f := newXOAuthFixture(t, 2*time.Second, false, func(o *smtptest.Options) { o.IdleTimeout = 500 * time.Millisecond })
	sent := 0
	deadline := time.Now().Add(7 * time.Second)
	for time.Now().Before(deadline) {
		require.NoError(t, f.send(t))
		sent++
		time.Sleep(700 * time.Millisecond)
	}
	require.Equal(t, sent, f.smtp.Count())
	require.GreaterOrEqual(t, f.tokens.Granted(), int64(3), "a new token as each one nears expiry")
	require.Less(t, f.tokens.Granted(), int64(sent), "tokens are shared, not fetched per send")
	for _, m := range f.smtp.Messages() {
		require.True(t, m.TLS)
	}
}

// TestXOAuth2RefusedTokenIsReplacedOnce: a token the server refuses
// before it expires (revoked) is dropped and a fresh one is tried, for
// Gmail's error challenge and Exchange's plain 535 alike.
func TestXOAuth2RefusedTokenIsReplacedOnce(t *testing.T) {
	t.Parallel()
	for _, microsoft := range []bool{false, true} {
		f := newXOAuthFixture(t, time.Hour, microsoft, func(o *smtptest.Options) { o.IdleTimeout = 200 * time.Millisecond })
		require.NoError(t, f.send(t))
		f.tokens.RevokeTokens()
		time.Sleep(400 * time.Millisecond) // the server closes the idle connection
		require.NoError(t, f.send(t))
		require.EqualValues(t, 2, f.tokens.Granted())
		require.Equal(t, 2, f.smtp.Count())
	}
}

// TestXOAuth2RevokedSecretIsConfigurationAndHeals: the token endpoint's
// invalid_client holds mail as a configuration problem naming
// SMTP_OAUTH_CLIENT_SECRET, never the secret or token; once the endpoint
// accepts again, the next send goes out.
func TestXOAuth2RevokedSecretIsConfigurationAndHeals(t *testing.T) {
	t.Parallel()
	f := newXOAuthFixture(t, time.Hour, true, func(o *smtptest.Options) { o.IdleTimeout = 200 * time.Millisecond })
	require.NoError(t, f.send(t))
	f.tokens.RevokeTokens()
	f.tokens.SetClientSecret("rotated")
	time.Sleep(400 * time.Millisecond)

	err := f.send(t)
	require.Error(t, err)
	require.Equal(t, mail.ClassConfig, mail.Classify(err), err.Error())
	require.Contains(t, err.Error(), "invalid_client")
	require.Contains(t, err.Error(), oauth.VarClientSecret)
	require.NotContains(t, err.Error(), providertest.TestClientSecret)
	require.NotContains(t, err.Error(), "tok-")

	f.tokens.SetClientSecret(providertest.TestClientSecret)
	require.NoError(t, f.send(t))
	require.Equal(t, 2, f.smtp.Count())
}

// TestXOAuth2RefusedTwiceIsConfiguration: a fresh token refused too (the
// mailbox permission is missing) is a configuration problem with a hint.
func TestXOAuth2RefusedTwiceIsConfiguration(t *testing.T) {
	t.Parallel()
	f := newXOAuthFixture(t, time.Hour, false, func(o *smtptest.Options) { o.XOAuth2 = func(string) bool { return false } })
	err := f.send(t)
	se := sendErr(t, err)
	require.Equal(t, 535, se.Code)
	require.Equal(t, "5.7.8", se.EnhancedCode)
	require.Equal(t, mail.ClassConfig, mail.Classify(err))
	require.Contains(t, err.Error(), "mailbox permission")
	require.EqualValues(t, 2, f.tokens.Granted(), "one retry with a fresh token, no more")
}

// TestXOAuth2IsNeverOfferedToAServerWithoutIt: SMTP_AUTH=xoauth2 against a
// server offering PLAIN only fails as configuration, without a token.
func TestXOAuth2IsNeverOfferedToAServerWithoutIt(t *testing.T) {
	t.Parallel()
	f := newXOAuthFixture(t, time.Hour, false, func(o *smtptest.Options) { o.AuthMechanisms = []string{"PLAIN"}; o.AuthPass = "x" })
	err := f.send(t)
	require.ErrorIs(t, err, ErrAuthNotOffered)
	require.Equal(t, mail.ClassConfig, mail.Classify(err))
	require.Contains(t, err.Error(), "not XOAUTH2")
	require.Zero(t, f.tokens.Calls())
}

// TestCheckShowsTheTokenStepFirst: check-mail prints the token (obtained,
// expiry, scopes), then the SMTP steps with AUTH XOAUTH2.
func TestCheckShowsTheTokenStepFirst(t *testing.T) {
	t.Parallel()
	f := newXOAuthFixture(t, time.Hour, false, nil)
	var out bytes.Buffer
	cfg := f.sender.t.cfg
	require.NoError(t, Check(testCtx(t), cfg, &out, nil), out.String())
	lines := strings.Split(out.String(), "\n")
	require.Contains(t, lines[0], "auth=xoauth2")
	require.Regexp(t, `^oauth token \.\.\. ok \(.*\) obtained \(client_credentials from 127\.0\.0\.1:\d+\), expires in 3[56]\d\d s, scopes https://outlook\.office365\.com/\.default$`, lines[1])
	require.Contains(t, out.String(), "auth as n***@example.com ... ok")
	require.Contains(t, out.String(), "XOAUTH2")
	require.NotContains(t, out.String(), "tok-")
}
