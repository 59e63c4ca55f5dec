package oauth_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/mail"
	"github.com/todoapp/resetmail/internal/mail/oauth"
	"github.com/todoapp/resetmail/internal/providertest"
)

const (
	clientID     = "11112222-bbbb-3333-cccc-4444dddd5555"
	clientSecret = "client-secret-value-~xyz"
	refreshTok   = "1//refresh-token-of-the-mailbox"
)

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// TestClientCredentialsCachesAndRefreshesBeforeExpiry: one fetch serves
// many callers; a token is replaced before it expires, never after.
func TestClientCredentialsCachesAndRefreshesBeforeExpiry(t *testing.T) {
	t.Parallel()
	ts := providertest.NewTokenServer(t, providertest.TokenOptions{ClientID: clientID, ClientSecret: clientSecret, Scope: oauth.ScopeOutlookSMTP, Lifetime: 2 * time.Second, TLS: true})
	src, err := oauth.New(oauth.Config{TokenURL: ts.URL, ClientID: clientID, ClientSecret: clientSecret, Scopes: []string{oauth.ScopeOutlookSMTP}, RootCAs: ts.RootCAs()})
	require.NoError(t, err)
	require.Equal(t, oauth.GrantClientCredentials, src.Grant())

	first, err := src.Token(ctx(t))
	require.NoError(t, err)
	for range 20 {
		tok, err := src.Token(ctx(t))
		require.NoError(t, err)
		require.Equal(t, first.AccessToken, tok.AccessToken)
	}
	require.EqualValues(t, 1, ts.Granted(), "twenty callers, one fetch")
	require.True(t, ts.Valid(first.AccessToken, oauth.ScopeOutlookSMTP, ""))
	require.Contains(t, src.Describe(first), "obtained (client_credentials from 127.0.0.1:")
	require.Contains(t, src.Describe(first), "scopes "+oauth.ScopeOutlookSMTP)

	// Every token handed out is one the server still accepts, and a new
	// one comes before the old one lapses.
	var tokens []string
	require.Eventually(t, func() bool {
		tok, err := src.Token(ctx(t))
		require.NoError(t, err)
		require.True(t, ts.Valid(tok.AccessToken, "", ""), "a token handed out has expired")
		if len(tokens) == 0 || tokens[len(tokens)-1] != tok.AccessToken {
			tokens = append(tokens, tok.AccessToken)
		}
		return len(tokens) >= 3
	}, 20*time.Second, 50*time.Millisecond)
	require.GreaterOrEqual(t, ts.Granted(), int64(3))
}

// TestRevokedSecretIsAConfigProblemThatHeals: invalid_client names the
// variable, never the secret, and is not cached: the first call after the
// endpoint accepts again gets a token.
func TestRevokedSecretIsAConfigProblemThatHeals(t *testing.T) {
	t.Parallel()
	ts := providertest.NewTokenServer(t, providertest.TokenOptions{ClientID: clientID, ClientSecret: clientSecret})
	src, err := oauth.New(oauth.Config{Provider: mail.ProviderGraph, TokenURL: ts.URL, ClientID: clientID, ClientSecret: clientSecret, Scopes: []string{oauth.ScopeGraph}})
	require.NoError(t, err)

	ts.SetClientSecret("rotated-by-an-admin")
	_, err = src.Token(ctx(t))
	require.Error(t, err)
	require.Equal(t, mail.ClassConfig, mail.Classify(err))
	require.Contains(t, err.Error(), "invalid_client")
	require.Contains(t, err.Error(), oauth.VarClientSecret)
	require.Contains(t, err.Error(), "AADSTS7000215")
	require.NotContains(t, err.Error(), "Trace ID")
	require.NotContains(t, err.Error(), clientSecret)
	require.True(t, strings.HasPrefix(err.Error(), "graph 401 invalid_client at auth"), err.Error())

	ts.SetClientSecret(clientSecret)
	tok, err := src.Token(ctx(t))
	require.NoError(t, err)
	require.True(t, ts.Valid(tok.AccessToken, "", ""))
}

func TestRefreshGrant(t *testing.T) {
	t.Parallel()
	ts := providertest.NewTokenServer(t, providertest.TokenOptions{ClientID: clientID, ClientSecret: clientSecret, RefreshToken: refreshTok, Scope: oauth.ScopeGmail})
	src, err := oauth.New(oauth.Config{TokenURL: ts.URL, ClientID: clientID, ClientSecret: clientSecret, RefreshToken: refreshTok, Scopes: []string{oauth.ScopeGmail}})
	require.NoError(t, err)
	tok, err := src.Token(ctx(t))
	require.NoError(t, err)
	require.True(t, ts.Valid(tok.AccessToken, oauth.ScopeGmail, ""))
	require.Equal(t, []string{oauth.ScopeGmail}, src.Scopes(tok))

	// Invalidate after a server refused it: the next call fetches anew.
	require.True(t, src.Invalidate(tok.AccessToken))
	require.False(t, src.Invalidate(tok.AccessToken))
	ts.SetRefreshToken("")
	_, err = src.Token(ctx(t))
	require.Equal(t, mail.ClassConfig, mail.Classify(err))
	require.Contains(t, err.Error(), "invalid_grant")
	require.Contains(t, err.Error(), oauth.VarRefreshToken)
	require.NotContains(t, err.Error(), refreshTok)
	require.True(t, strings.HasPrefix(err.Error(), "smtp 400 invalid_grant at auth"), err.Error())
}

func TestServiceAccountImpersonatesTheMailbox(t *testing.T) {
	t.Parallel()
	ts := providertest.NewTokenServer(t, providertest.TokenOptions{ServiceAccount: "mailer@resetmail-test.iam.gserviceaccount.com", Subjects: []string{"no-reply@example.com"}, Scope: oauth.ScopeGmail})
	file := filepath.Join(t.TempDir(), "key.json")
	require.NoError(t, os.WriteFile(file, ts.ServiceAccountKey(), 0o600))

	src, err := oauth.New(oauth.Config{ServiceAccountFile: file, Subject: "no-reply@example.com", Scopes: []string{oauth.ScopeGmail}})
	require.NoError(t, err)
	require.Equal(t, oauth.GrantServiceAccount, src.Grant())
	tok, err := src.Token(ctx(t))
	require.NoError(t, err)
	require.True(t, ts.Valid(tok.AccessToken, oauth.ScopeGmail, "no-reply@example.com"))

	other, err := oauth.New(oauth.Config{ServiceAccountFile: file, Subject: "someone-else@example.com", Scopes: []string{oauth.ScopeGmail}})
	require.NoError(t, err)
	_, err = other.Token(ctx(t))
	require.Equal(t, mail.ClassConfig, mail.Classify(err))
	require.Contains(t, err.Error(), "unauthorized_client")
	require.Contains(t, err.Error(), oauth.VarServiceAccountFile)
	require.NotContains(t, err.Error(), "someone-else@example.com", "addresses are masked")

	ts.SetServiceAccountKeyValid(false)
	require.True(t, src.Invalidate(tok.AccessToken))
	_, err = src.Token(ctx(t))
	require.Equal(t, mail.ClassConfig, mail.Classify(err))
	require.Contains(t, err.Error(), "invalid_grant")
}

// TestEndpointDownIsAnOutage: 503 and a refused connection hold mail
// without using attempts, like a provider that is down.
func TestEndpointDownIsAnOutage(t *testing.T) {
	t.Parallel()
	ts := providertest.NewTokenServer(t, providertest.TokenOptions{ClientID: clientID, ClientSecret: clientSecret})
	src, err := oauth.New(oauth.Config{TokenURL: ts.URL, ClientID: clientID, ClientSecret: clientSecret})
	require.NoError(t, err)
	ts.FailNext(1)
	_, err = src.Token(ctx(t))
	require.Equal(t, mail.ClassOutage, mail.Classify(err), err.Error())
	_, err = src.Token(ctx(t))
	require.NoError(t, err)

	dead, err := oauth.New(oauth.Config{TokenURL: "http://127.0.0.1:1/token", ClientID: clientID, ClientSecret: clientSecret})
	require.NoError(t, err)
	_, err = dead.Token(ctx(t))
	require.Equal(t, mail.ClassOutage, mail.Classify(err), err.Error())
	require.Contains(t, err.Error(), "token endpoint")
}

func TestNewRefusesCleartextAndAmbiguousSettings(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		cfg  oauth.Config
		want string
	}{
		{oauth.Config{TokenURL: "http://login.example.com/token", ClientID: "a", ClientSecret: "secret-b"}, "https"},
		{oauth.Config{TokenURL: "https://login.example.com/token", ClientSecret: "secret-b"}, oauth.VarClientID},
		{oauth.Config{}, "no way of getting tokens"},
		{oauth.Config{ServiceAccountFile: "/nonexistent/key.json", Subject: "a@example.com"}, oauth.VarServiceAccountFile},
		{oauth.Config{ServiceAccountFile: "/x", RefreshToken: "y"}, "set one way"},
		{oauth.Config{RefreshToken: "y"}, oauth.VarTokenURL},
	} {
		_, err := oauth.New(tc.cfg)
		require.ErrorContains(t, err, tc.want)
		if tc.cfg.ClientSecret != "" {
			require.NotContains(t, err.Error(), tc.cfg.ClientSecret)
		}
	}
	// http is fine to a loopback host (tests, a local relay).
	_, err := oauth.New(oauth.Config{TokenURL: "http://127.0.0.1:8080/token", ClientID: "a", ClientSecret: "b"})
	require.NoError(t, err)
}
