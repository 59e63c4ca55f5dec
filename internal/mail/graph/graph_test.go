package graph_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/mail"
	"github.com/todoapp/resetmail/internal/mail/graph"
	"github.com/todoapp/resetmail/internal/mail/oauth"
	"github.com/todoapp/resetmail/internal/providertest"
)

const mailbox = "no-reply@example.com"

type fixture struct {
	tokens *providertest.TokenServer
	graph  *providertest.Server
	p      *graph.Graph
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	ts, src := providertest.ClientTokens(t, mail.ProviderGraph, oauth.ScopeGraph, 0)
	gs := providertest.New(t, providertest.Options{Kind: providertest.Graph, Tokens: ts, Mailbox: mailbox, TLS: true})
	p, err := graph.New(graph.Config{Tokens: src, From: "Todo <" + mailbox + ">", BaseURL: gs.URL, RootCAs: gs.RootCAs()})
	require.NoError(t, err)
	return fixture{tokens: ts, graph: gs, p: p}
}

func outgoing(to string) mail.Outgoing {
	return mail.Outgoing{Message: mail.Message{From: "Todo <" + mailbox + ">", To: to, Subject: "Reset your password", Text: "Open https://example.com/r?t=abc\n", HTML: "<p><a href=\"https://example.com/r?t=abc\">Reset</a></p>"}}
}

func send(t *testing.T, f fixture, to string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := f.p.Send(ctx, outgoing(to))
	return err
}

// TestSendMailDeliversBothPartsWithOneToken: 202, the text and HTML parts
// arrive as composed, and one token serves every send.
func TestSendMailDeliversBothPartsWithOneToken(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for range 3 {
		require.NoError(t, send(t, f, "ada@example.com"))
	}
	require.Equal(t, 3, f.graph.Count())
	m := f.graph.Mails()[0]
	require.Equal(t, "ada@example.com", m.To)
	require.Contains(t, m.From, mailbox)
	require.Equal(t, "Reset your password", m.Subject)
	require.Contains(t, m.Text, "https://example.com/r?t=abc")
	require.Contains(t, m.HTML, `<a href="https://example.com/r?t=abc">`)
	require.EqualValues(t, 1, f.tokens.Granted())
	require.Equal(t, mail.ProviderGraph, f.p.Name())
}

// TestFailuresAreClassifiedLikeTheOtherProviders follows Graph's
// documented answers.
func TestFailuresAreClassifiedLikeTheOtherProviders(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, tc := range []struct {
		name  string
		reply providertest.Reply
		class string
	}{
		{"429 with Retry-After", f.graph.Throttle(3 * time.Second), mail.ClassThrottled},
		{"503", f.graph.Unavailable(), mail.ClassOutage},
		{"504", providertest.Reply{Status: 504, Code: "GatewayTimeout", Message: "Gateway Timeout"}, mail.ClassOutage},
		{"500", f.graph.InternalError(), mail.ClassTransient},
		{"403 Mail.Send missing", f.graph.Forbidden(), mail.ClassConfig},
		{"refused recipient", f.graph.RejectRecipient(), mail.ClassRejected},
	} {
		f.graph.SetFault(providertest.Always(tc.reply))
		err := send(t, f, "bob@example.com")
		require.Error(t, err, tc.name)
		require.Equal(t, tc.class, mail.Classify(err), "%s: %v", tc.name, err)
		require.NotContains(t, err.Error(), "bob@example.com", "the recipient is masked")
		if tc.class == mail.ClassThrottled {
			require.Equal(t, 3*time.Second, mail.RetryAfter(err))
		}
	}
	f.graph.SetFault(nil)
	require.NoError(t, send(t, f, "bob@example.com"))
}

// TestUnknownMailboxIsConfiguration: MAIL_FROM that is not a mailbox of
// the tenant holds mail rather than cancelling it.
func TestUnknownMailboxIsConfiguration(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	src, err := oauth.New(oauth.Config{Provider: mail.ProviderGraph, TokenURL: f.tokens.URL, ClientID: providertest.TestClientID, ClientSecret: providertest.TestClientSecret, Scopes: []string{oauth.ScopeGraph}, RootCAs: f.tokens.RootCAs()})
	require.NoError(t, err)
	p, err := graph.New(graph.Config{Tokens: src, From: "someone-else@example.com", BaseURL: f.graph.URL, RootCAs: f.graph.RootCAs()})
	require.NoError(t, err)
	_, err = p.Send(context.Background(), outgoing("ada@example.com"))
	require.Equal(t, mail.ClassConfig, mail.Classify(err), err.Error())
	require.Contains(t, err.Error(), "ErrorInvalidUser")
	require.Contains(t, err.Error(), "MAIL_FROM")
}

// TestRevokedTokenIsReplacedOnce: Graph's 401 to a token that has not
// expired drops it and retries once with a fresh one.
func TestRevokedTokenIsReplacedOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	require.NoError(t, send(t, f, "ada@example.com"))
	f.tokens.RevokeTokens()
	require.NoError(t, send(t, f, "ada@example.com"))
	require.EqualValues(t, 2, f.tokens.Granted())
	require.Equal(t, 2, f.graph.Count())
}

// TestRevokedSecretHoldsMailUntilTheEndpointAcceptsAgain: invalid_client
// is a configuration problem naming the variable, and the next send after
// the secret works again goes out, with nothing restarted.
func TestRevokedSecretHoldsMailUntilTheEndpointAcceptsAgain(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.tokens.SetClientSecret("a-new-secret-the-worker-lacks")
	err := send(t, f, "ada@example.com")
	require.Equal(t, mail.ClassConfig, mail.Classify(err))
	require.Contains(t, err.Error(), oauth.VarClientSecret)
	require.NotContains(t, err.Error(), providertest.TestClientSecret)
	require.Zero(t, f.graph.Calls(), "no call to Graph without a token")

	f.tokens.SetClientSecret(providertest.TestClientSecret)
	require.NoError(t, send(t, f, "ada@example.com"))
	require.Equal(t, 1, f.graph.Count())
	for _, a := range f.graph.Authorizations() {
		require.Regexp(t, `^Bearer tok-[0-9a-f]+$`, a)
	}
}
