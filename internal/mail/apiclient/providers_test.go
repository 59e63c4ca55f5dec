package apiclient_test

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/mail"
	"github.com/todoapp/resetmail/internal/mail/apiclient"
	"github.com/todoapp/resetmail/internal/mail/postmark"
	"github.com/todoapp/resetmail/internal/mail/resend"
	"github.com/todoapp/resetmail/internal/mail/ses"
	"github.com/todoapp/resetmail/internal/providertest"
	"github.com/todoapp/resetmail/internal/testutil"
)

const (
	testAPIKey   = "re_test_key_0123456789"
	testAccessID = "AKIDPROVIDERTEST"
)

// newProvider builds the product's client for a fake server of kind.
func newProvider(t *testing.T, srv *providertest.Server, kind string) mail.Provider {
	t.Helper()
	var (
		p   mail.Provider
		err error
	)
	switch kind {
	case providertest.Resend:
		p, err = resend.New(apiclient.Config{APIKey: testAPIKey, BaseURL: srv.URL, RootCAs: srv.RootCAs()})
	case providertest.Postmark:
		p, err = postmark.New(apiclient.Config{APIKey: testAPIKey, BaseURL: srv.URL, RootCAs: srv.RootCAs()})
	case providertest.SES:
		p, err = ses.New(context.Background(), ses.Config{
			Region: "eu-west-1", Endpoint: srv.URL, RootCAs: srv.RootCAs(),
			Credentials: credentials.NewStaticCredentialsProvider(testAccessID, "secret-access-key", ""),
		})
	}
	require.NoError(t, err)
	return p
}

func newServer(t *testing.T, kind string, o providertest.Options) *providertest.Server {
	o.Kind = kind
	o.Key = testAPIKey
	if kind == providertest.SES {
		o.Key = testAccessID
	}
	return providertest.New(t, o)
}

var kinds = []string{providertest.Resend, providertest.Postmark, providertest.SES}

// eachKind runs f in a parallel subtest per provider kind, against a
// fresh server built with o and the product's client for it.
func eachKind(t *testing.T, o providertest.Options, f func(t *testing.T, kind string, srv *providertest.Server, p mail.Provider)) {
	for _, kind := range kinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, kind, o)
			f(t, kind, srv, newProvider(t, srv, kind))
		})
	}
}

// check runs the provider's key check, which sends nothing.
func check(p mail.Provider) (string, error) {
	return p.(interface {
		Check(context.Context) (string, error)
	}).Check(context.Background())
}

func outgoing(to string) mail.Outgoing {
	return mail.Outgoing{
		Message: mail.Message{
			From: "Todo <no-reply@example.com>", To: to, ToName: "Ada\r\nBcc: eve@evil.example.com",
			Subject: "Reset your password", Text: "Open https://app.example.com/reset-password?token=abc\n",
			HTML:    "<p><a href=\"https://app.example.com/reset-password?token=abc\">Reset</a></p>",
			Headers: map[string]string{"X-Entity-Ref-ID": "req-1"},
		},
		IdempotencyKey: "resetmail/password-reset/req-1",
	}
}

func TestProvidersSendTheSameRenderedMessage(t *testing.T) {
	t.Parallel()
	eachKind(t, providertest.Options{TLS: true}, func(t *testing.T, kind string, srv *providertest.Server, p mail.Provider) {
		require.Equal(t, kind, p.Name())
		receipt, err := p.Send(context.Background(), outgoing("ada@example.com"))
		require.NoError(t, err)

		got := srv.Mails()
		require.Len(t, got, 1)
		m := got[0]
		// The receipt carries the ID the provider's webhooks will name.
		require.Equal(t, kind, receipt.Provider)
		if kind != providertest.Graph {
			require.NotEmpty(t, m.ID)
			require.Equal(t, m.ID, receipt.MessageID)
		}
		require.Equal(t, "ada@example.com", m.To)
		require.Contains(t, m.From, "no-reply@example.com")
		require.Contains(t, m.From, "Todo")
		require.Equal(t, "Reset your password", m.Subject)
		require.Equal(t, "Open https://app.example.com/reset-password?token=abc\n", strings.ReplaceAll(m.Text, "\r\n", "\n"))
		require.Contains(t, m.HTML, `href="https://app.example.com/reset-password?token=abc"`)
		require.Equal(t, "req-1", m.Headers["X-Entity-Ref-Id"]+m.Headers["X-Entity-Ref-ID"])
		for k := range m.Headers {
			require.NotEqual(t, "bcc", strings.ToLower(k), "the display name cannot inject a header")
		}
		if kind == providertest.SES {
			auth := srv.Authorizations()
			require.NotEmpty(t, auth)
			require.Regexp(t, `^AWS4-HMAC-SHA256 Credential=`+testAccessID+`/\d{8}/eu-west-1/ses/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$`, auth[0])
		}
	})
}

func TestResendSendsOneIdempotencyKeyAndTheRepeatSendsNothing(t *testing.T) {
	t.Parallel()
	srv := newServer(t, providertest.Resend, providertest.Options{})
	p := newProvider(t, srv, providertest.Resend)
	// A second worker, as after a crash between Resend's 200 and our record.
	p2 := newProvider(t, srv, providertest.Resend)
	m := outgoing("ada@example.com")
	require.NoError(t, sendErr(p.Send(context.Background(), m)))
	require.NoError(t, sendErr(p2.Send(context.Background(), m)))
	require.Equal(t, int64(2), srv.Calls())
	require.Equal(t, 1, srv.Count(), "the repeat returned the first id and sent nothing")
	require.Equal(t, "resetmail/password-reset/req-1", srv.Mails()[0].IdempotencyKey)
}

func TestProviderFailuresAreClassified(t *testing.T) {
	t.Parallel()
	type tc struct {
		name  string
		reply func(*providertest.Server) providertest.Reply
		class string
	}
	common := []tc{
		{"429 with Retry-After", func(s *providertest.Server) providertest.Reply { return s.Throttle(2 * time.Second) }, mail.ClassThrottled},
		{"500", func(s *providertest.Server) providertest.Reply { return s.InternalError() }, mail.ClassTransient},
		{"503", func(s *providertest.Server) providertest.Reply { return s.Unavailable() }, mail.ClassOutage},
		{"recipient rejected", func(s *providertest.Server) providertest.Reply { return s.RejectRecipient() }, mail.ClassRejected},
	}
	// fixed is a refusal one provider documents beyond the common ones.
	fixed := func(name string, status int, code, message, class string) tc {
		return tc{name, func(*providertest.Server) providertest.Reply {
			return providertest.Reply{Status: status, Code: code, Message: message}
		}, class}
	}
	specific := map[string][]tc{
		providertest.Resend: {fixed("403 unverified domain", 403, "validation_error", "The example.com domain is not verified. Please, add and verify your domain.", mail.ClassConfig),
			fixed("daily quota", 429, "daily_quota_exceeded", "You have reached your daily email sending quota.", mail.ClassConfig)},
		providertest.Postmark: {fixed("300 invalid request", 422, "300", "Invalid 'To' address: 'bounced@example'.", mail.ClassRejected),
			fixed("400 sender signature not found", 422, "400", "The 'From' address you supplied (no-reply@example.com) is not a Sender Signature on your account.", mail.ClassConfig)},
		providertest.SES: {fixed("sending paused", 400, "SendingPausedException", "Sending is paused for this account.", mail.ClassConfig),
			fixed("account suspended", 400, "AccountSuspendedException", "The account is suspended.", mail.ClassConfig)},
	}
	for _, kind := range kinds {
		for _, c := range append(append([]tc{}, common...), specific[kind]...) {
			t.Run(kind+"/"+c.name, func(t *testing.T) {
				t.Parallel()
				srv := newServer(t, kind, providertest.Options{})
				srv.SetFault(providertest.Always(c.reply(srv)))
				p := newProvider(t, srv, kind)
				_, err := p.Send(context.Background(), outgoing("bounced@example.com"))
				require.Error(t, err)
				require.Equal(t, c.class, mail.Classify(err), "%v", err)
				require.NotContains(t, err.Error(), "bounced@example.com", "the address is masked")
				require.True(t, strings.HasPrefix(err.Error(), kind+" "), "%v", err)
				if c.class == mail.ClassThrottled && strings.Contains(c.name, "Retry-After") {
					require.Equal(t, 2*time.Second, mail.RetryAfter(err))
				}
				require.Equal(t, 0, srv.Count())
			})
		}
	}
}

func TestWrongKeyIsAConfigurationProblem(t *testing.T) {
	t.Parallel()
	eachKind(t, providertest.Options{}, func(t *testing.T, kind string, srv *providertest.Server, p mail.Provider) {
		srv.SetKey("revoked")
		_, err := p.Send(context.Background(), outgoing("ada@example.com"))
		require.Equal(t, mail.ClassConfig, mail.Classify(err), "%v", err)
		require.NotContains(t, err.Error(), testAPIKey)
		_, err = check(p)
		require.Equal(t, mail.ClassConfig, mail.Classify(err), "%v", err)
	})
}

func TestCheckProvesTheKeyWithoutSending(t *testing.T) {
	t.Parallel()
	eachKind(t, providertest.Options{}, func(t *testing.T, kind string, srv *providertest.Server, p mail.Provider) {
		out, err := check(p)
		require.NoError(t, err)
		require.NotEmpty(t, out)
		if kind == providertest.SES {
			require.Contains(t, out, "SANDBOX")
			require.Contains(t, out, "max 1/s")
		}
		require.Equal(t, 0, srv.Count())
	})
}

func TestUnreachableProviderIsAnOutage(t *testing.T) {
	t.Parallel()
	port, err := testutil.FreePort()
	require.NoError(t, err)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	p, err := resend.New(apiclient.Config{APIKey: testAPIKey, BaseURL: "http://" + addr})
	require.NoError(t, err)
	_, err = p.Send(context.Background(), outgoing("ada@example.com"))
	require.Equal(t, mail.ClassOutage, mail.Classify(err), "%v", err)
	require.Equal(t, mail.StageDial, sendError(t, err).Stage, "nothing reached the provider")
}

func TestTimeoutIsTransientAndBoundedByTheCaller(t *testing.T) {
	t.Parallel()
	srv := newServer(t, providertest.Postmark, providertest.Options{Latency: 2 * time.Second})
	p := newProvider(t, srv, providertest.Postmark)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := p.Send(ctx, outgoing("ada@example.com"))
	require.Less(t, time.Since(start), 2*time.Second)
	require.Equal(t, mail.ClassTransient, mail.Classify(err), "%v", err)
}

func TestConnectionsAreReusedAcrossSends(t *testing.T) {
	t.Parallel()
	eachKind(t, providertest.Options{TLS: true}, func(t *testing.T, kind string, srv *providertest.Server, p mail.Provider) {
		const workers, each = 8, 10
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for i := range each {
					m := outgoing(fmt.Sprintf("u%d-%d@example.com", w, i))
					m.IdempotencyKey = fmt.Sprintf("key-%d-%d", w, i)
					require.NoError(t, sendErr(p.Send(context.Background(), m)))
				}
			})
		}
		wg.Wait()
		require.Equal(t, workers*each, srv.Count())
		// A few more than workers can open while the first requests race
		// for the idle pool; far fewer than one per mail.
		require.LessOrEqual(t, srv.Connections(), int64(3*workers), "connections are kept alive")
		require.LessOrEqual(t, srv.Handshakes(), srv.Connections(), "no TLS handshake per mail")
	})
}

func TestAPIURLMustBeHTTPSExceptOnLoopback(t *testing.T) {
	t.Parallel()
	require.NoError(t, apiclient.CheckURL("https://api.resend.com"))
	require.NoError(t, apiclient.CheckURL("http://127.0.0.1:8080"))
	require.NoError(t, apiclient.CheckURL("http://localhost:8080/"))
	require.Error(t, apiclient.CheckURL("http://api.resend.com"))
	require.Error(t, apiclient.CheckURL("ftp://api.resend.com"))
	require.Error(t, apiclient.CheckURL("api.resend.com"))
	_, err := resend.New(apiclient.Config{APIKey: "k", BaseURL: "http://api.example.com"})
	require.Error(t, err)
}

// sendError asserts err is a *mail.SendError and returns it.
func sendError(t *testing.T, err error) *mail.SendError {
	t.Helper()
	var se *mail.SendError
	require.ErrorAs(t, err, &se)
	return se
}

// sendErr is the error of a Send, for assertions that need only it.
func sendErr(_ mail.Receipt, err error) error { return err }

// TestResendTestModeRefusalIsPerRecipient is issue 23, item 10: Resend in
// test mode (no verified domain) answers 403 validation_error "You can only
// send testing emails to your own email address" for every other
// recipient. That counted as a configuration problem, which pauses all
// sending, so one stranger's sign-up in a sandboxed deployment stopped
// every reset. It is this recipient's refusal: the message is rejected,
// and the next one, to the owner's address, is sent.
func TestResendTestModeRefusalIsPerRecipient(t *testing.T) {
	t.Parallel()
	srv := newServer(t, providertest.Resend, providertest.Options{})
	srv.SetFault(providertest.Always(providertest.Reply{Status: 403, Code: "validation_error",
		Message: "You can only send testing emails to your own email address (o***@example.com). To send emails to other recipients, please verify a domain at resend.com/domains, and change the `from` address to an email using this domain."}))
	p := newProvider(t, srv, providertest.Resend)
	err := sendErr(p.Send(context.Background(), outgoing("stranger@example.com")))
	require.Error(t, err)
	require.Equal(t, mail.ClassRejected, mail.Classify(err), "%v", err)
	require.NotContains(t, err.Error(), "stranger@example.com", "the address is masked")
}
