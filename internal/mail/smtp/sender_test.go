package smtp

import (
	"bytes"
	"context"
	"fmt"
	netmail "net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/mail"
	"github.com/todoapp/resetmail/internal/smtptest"
)

// testFrom is the envelope sender used throughout.
const testFrom = "no-reply@example.com"

// newTestSender builds a Sender for srv with short timeouts; mutate adjusts
// the config.
func newTestSender(t testing.TB, host string, port int, mutate func(*SenderConfig)) *Sender {
	t.Helper()
	cfg := SenderConfig{
		Host:           host,
		Port:           port,
		TLS:            TLSNone,
		DialTimeout:    5 * time.Second,
		CommandTimeout: 5 * time.Second,
	}
	if mutate != nil {
		mutate(&cfg)
	}
	s, err := NewSender(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// testCtx bounds a test so that a bug hangs nothing for long.
func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// testMessage composes a small message to to.
func testMessage(t testing.TB, to string) []byte {
	t.Helper()
	raw, err := mail.Compose(mail.Message{
		From: "Todo <" + testFrom + ">", To: to, ToName: "John",
		Subject: "Reset your Todo password",
		Text:    "Open https://todo.example.com/reset?token=abc\n.\n..leading dots survive\n",
		HTML:    "<p>Open <a href=\"https://todo.example.com/reset?token=abc\">this link</a></p>",
	})
	require.NoError(t, err)
	return raw
}

// sendErr asserts err is a *mail.SendError and returns it.
func sendErr(t testing.TB, err error) *mail.SendError {
	t.Helper()
	var se *mail.SendError
	require.ErrorAs(t, err, &se)
	return se
}

func TestSendPlain(t *testing.T) {
	t.Parallel()
	srv := smtptest.NewT(t, smtptest.Options{})
	s := newTestSender(t, srv.Host(), srv.Port(), nil)
	msg := testMessage(t, "john@example.com")

	require.NoError(t, s.Send(testCtx(t), testFrom, "john@example.com", msg))

	got := srv.Messages()
	require.Len(t, got, 1)
	require.Equal(t, testFrom, got[0].From)
	require.Equal(t, []string{"john@example.com"}, got[0].To)
	require.False(t, got[0].TLS)
	// Dot-stuffing round-trips: the server sees exactly what was composed.
	require.Equal(t, string(msg), string(got[0].Data))
	parsed, err := netmail.ReadMessage(bytes.NewReader(got[0].Data))
	require.NoError(t, err)
	require.Equal(t, "Reset your Todo password", parsed.Header.Get("Subject"))

	require.Equal(t, uint64(1), s.stats.sent.Load())
	require.Equal(t, uint64(1), s.stats.pipelined.Load(), "go-smtp advertises PIPELINING")
}

func TestSendOverTLS(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		srv  smtptest.Options
		mode TLSMode
	}{
		{"starttls", smtptest.Options{TLS: true}, TLSStartTLS},
		{"implicit", smtptest.Options{ImplicitTLS: true}, TLSImplicit},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := smtptest.NewT(t, tc.srv)
			s := newTestSender(t, srv.Host(), srv.Port(), func(c *SenderConfig) {
				c.TLS = tc.mode
				c.RootCAs = srv.RootCAs()
			})
			ctx := testCtx(t)
			for range 3 {
				require.NoError(t, s.Send(ctx, testFrom, "john@example.com", testMessage(t, "john@example.com")))
			}
			got := srv.Messages()
			require.Len(t, got, 3)
			require.True(t, got[0].TLS)
			require.Equal(t, int64(1), srv.Dials(), "the TLS connection is pooled")
		})
	}
}

func TestSendStartTLSNotOffered(t *testing.T) {
	t.Parallel()
	srv := smtptest.NewT(t, smtptest.Options{})
	s := newTestSender(t, srv.Host(), srv.Port(), func(c *SenderConfig) { c.TLS = TLSStartTLS })

	err := s.Send(testCtx(t), testFrom, "john@example.com", testMessage(t, "john@example.com"))
	require.ErrorIs(t, err, ErrStartTLSNotOffered)
	require.True(t, permanent(err))
	se := sendErr(t, err)
	require.Equal(t, mail.StageTLS, se.Stage)
	require.Contains(t, err.Error(), "STARTTLS")
	require.Zero(t, srv.Count())
}

func TestSendUntrustedCertificate(t *testing.T) {
	t.Parallel()
	srv := smtptest.NewT(t, smtptest.Options{TLS: true})
	s := newTestSender(t, srv.Host(), srv.Port(), func(c *SenderConfig) { c.TLS = TLSStartTLS })
	err := s.Send(testCtx(t), testFrom, "john@example.com", testMessage(t, "john@example.com"))
	require.True(t, permanent(err), "%v", err)
	require.Equal(t, mail.StageTLS, sendErr(t, err).Stage)
	require.Zero(t, srv.Count())
}

func TestSendAuth(t *testing.T) {
	t.Parallel()
	for _, mechs := range [][]string{{"PLAIN"}, {"LOGIN"}, {"LOGIN", "PLAIN"}} {
		t.Run(strings.Join(mechs, "+"), func(t *testing.T) {
			t.Parallel()
			srv := smtptest.NewT(t, smtptest.Options{TLS: true, AuthUser: "mailer@example.com", AuthPass: "s3cret-pass", AuthMechanisms: mechs})
			s := newTestSender(t, srv.Host(), srv.Port(), func(c *SenderConfig) {
				c.TLS = TLSStartTLS
				c.RootCAs = srv.RootCAs()
				c.Username = "mailer@example.com"
				c.Password = "s3cret-pass"
			})
			require.NoError(t, s.Send(testCtx(t), testFrom, "john@example.com", testMessage(t, "john@example.com")))
			require.Equal(t, 1, srv.Count())
		})
	}
}

func TestSendAuthOverLoopbackPlainText(t *testing.T) {
	t.Parallel()
	srv := smtptest.NewT(t, smtptest.Options{AuthUser: "u", AuthPass: "p"})
	s := newTestSender(t, srv.Host(), srv.Port(), func(c *SenderConfig) { c.Username, c.Password = "u", "p" })
	require.NoError(t, s.Send(testCtx(t), testFrom, "john@example.com", testMessage(t, "john@example.com")))
}

func TestSendAuthFailureIsPermanent(t *testing.T) {
	t.Parallel()
	srv := smtptest.NewT(t, smtptest.Options{TLS: true, AuthUser: "mailer", AuthPass: "right-pass"})
	var logs bytes.Buffer
	var logMu sync.Mutex
	s := newTestSender(t, srv.Host(), srv.Port(), func(c *SenderConfig) {
		c.TLS = TLSStartTLS
		c.RootCAs = srv.RootCAs()
		c.Username = "mailer"
		c.Password = "wrong-pass-123"
		c.Logger = newTestLogger(&logs, &logMu)
	})
	err := s.Send(testCtx(t), testFrom, "john@example.com", testMessage(t, "john@example.com"))
	require.True(t, permanent(err))
	se := sendErr(t, err)
	require.Equal(t, 535, se.Code)
	require.Equal(t, mail.StageAuth, se.Stage)
	require.Contains(t, err.Error(), "smtp 535 5.7.8 at auth on "+srv.Addr())
	require.NotContains(t, err.Error(), "wrong-pass-123")
	logMu.Lock()
	require.NotContains(t, logs.String(), "wrong-pass-123")
	logMu.Unlock()
	require.Zero(t, srv.Count())
}

func TestSendConcurrencyRespectsMaxConnections(t *testing.T) {
	t.Parallel()
	srv := smtptest.NewT(t, smtptest.Options{Latency: time.Millisecond})
	s := newTestSender(t, srv.Host(), srv.Port(), func(c *SenderConfig) { c.MaxConnections = 5 })
	ctx := testCtx(t)

	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for g := range 20 {
		wg.Go(func() {
			for i := range 10 {
				to := fmt.Sprintf("user%d.%d@example.com", g, i)
				errs <- s.Send(ctx, testFrom, to, testMessage(t, to))
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}

	require.Equal(t, 200, srv.Count())
	require.LessOrEqual(t, srv.MaxActiveConns(), int64(5))
	ids := map[string]bool{}
	recipients := map[string]bool{}
	for _, m := range srv.Messages() {
		parsed, err := netmail.ReadMessage(bytes.NewReader(m.Data))
		require.NoError(t, err)
		ids[parsed.Header.Get("Message-Id")] = true
		recipients[m.To[0]] = true
	}
	require.Len(t, ids, 200, "Message-IDs are unique")
	require.Len(t, recipients, 200)
}

func TestSendRateLimitHonoursContext(t *testing.T) {
	t.Parallel()
	srv := smtptest.NewT(t, smtptest.Options{})
	s := newTestSender(t, srv.Host(), srv.Port(), func(c *SenderConfig) { c.RateLimit = 0.01 })
	msg := testMessage(t, "john@example.com")
	require.NoError(t, s.Send(testCtx(t), testFrom, "john@example.com", msg))

	// The next token is 100s away; a job with less time left fails fast
	// and transiently instead of blocking.
	ctx, cancel := context.WithTimeout(testCtx(t), time.Second)
	defer cancel()
	err := returnsWithin(t, func() error { return s.Send(ctx, testFrom, "john@example.com", msg) })
	require.False(t, permanent(err))
	require.Equal(t, mail.StageWait, sendErr(t, err).Stage)
	require.Equal(t, 1, srv.Count())
}

func TestSendRejectsBadEnvelope(t *testing.T) {
	t.Parallel()
	srv := smtptest.NewT(t, smtptest.Options{})
	s := newTestSender(t, srv.Host(), srv.Port(), nil)
	ctx := testCtx(t)
	for _, to := range []string{"", "john", "john@example.com>\r\nRCPT TO:<x@evil.com", "a b@example.com"} {
		err := s.Send(ctx, testFrom, to, []byte("x"))
		require.True(t, permanent(err), "%q", to)
	}
	err := s.Send(ctx, "bad\r\n@example.com", "john@example.com", []byte("x"))
	require.True(t, permanent(err))
	require.True(t, permanent(s.Send(ctx, testFrom, "john@example.com", nil)))
	require.Zero(t, srv.Dials(), "nothing is sent for an invalid envelope")
}

func TestSenderClose(t *testing.T) {
	t.Parallel()
	srv := smtptest.NewT(t, smtptest.Options{})
	s := newTestSender(t, srv.Host(), srv.Port(), nil)
	ctx := testCtx(t)
	require.NoError(t, s.Send(ctx, testFrom, "john@example.com", testMessage(t, "john@example.com")))
	require.NoError(t, s.Close())
	require.Eventually(t, func() bool { return srv.ActiveConns() == 0 }, 10*time.Second, 10*time.Millisecond)
	err := s.Send(ctx, testFrom, "john@example.com", testMessage(t, "john@example.com"))
	require.ErrorIs(t, err, ErrSenderClosed)
	require.NoError(t, s.Close(), "Close is idempotent")
}

func TestNewSenderValidation(t *testing.T) {
	t.Parallel()
	_, err := NewSender(SenderConfig{Port: 70000, TLS: "ssl", MaxConnections: -1, RateLimit: -1, Password: "hunter2"})
	require.Error(t, err)
	for _, want := range []string{"host is empty", "port 70000", `tls mode "ssl"`, "max connections", "rate limit", "password is set but username is empty"} {
		require.ErrorContains(t, err, want)
	}
	require.NotContains(t, err.Error(), "hunter2")

	_, err = NewSender(SenderConfig{Host: "smtp.example.com", TLS: TLSNone, Username: "u", Password: "p"})
	require.ErrorContains(t, err, "loopback")

	s, err := NewSender(SenderConfig{Host: "smtp.example.com"})
	require.NoError(t, err)
	require.Equal(t, TLSStartTLS, s.t.cfg.TLS)
	require.Equal(t, 587, s.t.cfg.Port)
	require.Equal(t, DefaultMaxConnections, cap(s.sem))
	require.Equal(t, "smtp.example.com", s.t.tlsConfig.ServerName)
	require.NoError(t, s.Close())
}

// TestProviderReceiptIsTheMessageIDSent: SMTP servers give no ID a caller
// can rely on, so the receipt carries the Message-ID header we sent.
func TestProviderReceiptIsTheMessageIDSent(t *testing.T) {
	t.Parallel()
	srv := smtptest.NewT(t, smtptest.Options{})
	s := newTestSender(t, srv.Host(), srv.Port(), nil)
	r, err := NewProvider(s).Send(testCtx(t), mail.Outgoing{Message: mail.Message{From: "Todo <" + testFrom + ">", To: "john@example.com", Subject: "s", Text: "t"}})
	require.NoError(t, err)
	require.Equal(t, mail.ProviderSMTP, r.Provider)
	require.NotEmpty(t, r.MessageID)
	require.NotContains(t, r.MessageID, "<")
	msgs := srv.Messages()
	require.Len(t, msgs, 1)
	require.Contains(t, string(msgs[0].Data), "Message-Id: <"+r.MessageID+">")
}
