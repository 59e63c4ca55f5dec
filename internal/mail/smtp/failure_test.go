package smtp

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/mail"
	"github.com/todoapp/resetmail/internal/smtptest"
)

// The Sender's failures: what each kind of refusal, drop, hang or outage
// does to the send, the error and the pool.

// sendFailsTransiently starts a server with fault and a sender to it, and
// sends john's message once, which must fail and not for good. The caller
// checks the error and sends msg again.
func sendFailsTransiently(t *testing.T, fault smtptest.FaultFunc) (*smtptest.Server, *Sender, []byte, error) {
	t.Helper()
	srv := smtptest.NewT(t, smtptest.Options{Fault: fault})
	s := newTestSender(t, srv.Host(), srv.Port(), nil)
	msg := testMessage(t, "john@example.com")
	err := s.Send(testCtx(t), testFrom, "john@example.com", msg)
	require.Error(t, err)
	require.False(t, permanent(err))
	return srv, s, msg, err
}

func TestSendTemporaryFailure(t *testing.T) {
	t.Parallel()
	srv, s, msg, err := sendFailsTransiently(t, smtptest.TempFailFirst(1))
	se := sendErr(t, err)
	require.Equal(t, 451, se.Code)
	require.Equal(t, "4.3.0", se.EnhancedCode)
	require.Equal(t, mail.StageRcpt, se.Stage)
	require.Equal(t, "j***@example.com", se.Recipient)
	require.Equal(t, "smtp 451 4.3.0 at rcpt for j***@example.com: <j***@example.com>: try again later (transient)", err.Error())

	// The connection was reset and reused; the retry goes through.
	require.NoError(t, s.Send(testCtx(t), testFrom, "john@example.com", msg))
	require.Equal(t, 1, srv.Count())
	require.Equal(t, int64(1), srv.Dials())
}

func TestSendPermanentFailure(t *testing.T) {
	t.Parallel()
	srv := smtptest.NewT(t, smtptest.Options{Fault: smtptest.RejectRecipients(func(to string) bool { return strings.HasPrefix(to, "john") })})
	s := newTestSender(t, srv.Host(), srv.Port(), nil)
	ctx := testCtx(t)

	err := s.Send(ctx, testFrom, "john.smith@example.com", testMessage(t, "john.smith@example.com"))
	require.True(t, permanent(err))
	se := sendErr(t, err)
	require.Equal(t, 550, se.Code)
	require.Equal(t, "5.1.1", se.EnhancedCode)
	require.Equal(t, "smtp 550 5.1.1 at rcpt for j***@example.com: <j***@example.com>: user unknown", err.Error())
	require.NotContains(t, err.Error(), "john.smith")

	// The same connection still delivers to others.
	require.NoError(t, s.Send(ctx, testFrom, "mary@example.com", testMessage(t, "mary@example.com")))
	require.Equal(t, 1, srv.Count())
	require.Equal(t, int64(1), srv.Dials())
}

func TestSendFailuresAtEachStage(t *testing.T) {
	t.Parallel()
	cases := []struct {
		stage     string
		code      int
		wantStage string
		permanent bool
	}{
		{smtptest.StageMail, 553, mail.StageMail, true},
		{smtptest.StageMail, 452, mail.StageMail, false},
		{smtptest.StageData, 554, mail.StageBody, true},
		{smtptest.StageData, 451, mail.StageBody, false},
		{smtptest.StageHelo, 554, mail.StageEHLO, true},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%s_%d", tc.stage, tc.code), func(t *testing.T) {
			t.Parallel()
			srv := smtptest.NewT(t, smtptest.Options{Fault: smtptest.At(tc.stage, smtptest.Fault{Code: tc.code, Text: "nope for john@example.com"})})
			s := newTestSender(t, srv.Host(), srv.Port(), nil)
			err := s.Send(testCtx(t), testFrom, "john@example.com", testMessage(t, "john@example.com"))
			se := sendErr(t, err)
			require.Equal(t, tc.code, se.Code)
			require.Equal(t, tc.wantStage, se.Stage)
			require.Equal(t, tc.permanent, permanent(err))
			require.NotContains(t, err.Error(), "john@example.com")
			require.Zero(t, srv.Count())
		})
	}
}

func TestSendDropMidData(t *testing.T) {
	t.Parallel()
	srv, s, msg, err := sendFailsTransiently(t, smtptest.DropDataFirst(1))
	require.Equal(t, mail.StageBody, sendErr(t, err).Stage)
	require.Zero(t, s.stats.stale.Load(), "a failure after the body started is never retried")

	require.NoError(t, s.Send(testCtx(t), testFrom, "john@example.com", msg))
	require.Equal(t, 1, srv.Count())
}

func TestSendReplacesStaleConnection(t *testing.T) {
	t.Parallel()
	srv := smtptest.NewT(t, smtptest.Options{IdleTimeout: 200 * time.Millisecond})
	s := newTestSender(t, srv.Host(), srv.Port(), nil)
	ctx := testCtx(t)
	msg := testMessage(t, "john@example.com")

	require.NoError(t, s.Send(ctx, testFrom, "john@example.com", msg))
	// Wait until the server has dropped the idle connection; the client
	// still holds it in its pool (its own IdleTimeout is 30s).
	require.Eventually(t, func() bool { return srv.ActiveConns() == 0 }, 10*time.Second, 10*time.Millisecond)

	require.NoError(t, s.Send(ctx, testFrom, "john@example.com", msg))
	require.Equal(t, 2, srv.Count())
	require.Equal(t, int64(2), srv.Dials())
	require.Equal(t, uint64(1), s.stats.stale.Load())
	require.Equal(t, uint64(2), s.stats.sent.Load())
	require.Zero(t, s.stats.failed.Load())
}

func TestSendClosesIdleConnectionsPastIdleTimeout(t *testing.T) {
	t.Parallel()
	srv := smtptest.NewT(t, smtptest.Options{})
	s := newTestSender(t, srv.Host(), srv.Port(), func(c *SenderConfig) { c.IdleTimeout = time.Millisecond })
	ctx := testCtx(t)
	msg := testMessage(t, "john@example.com")
	require.NoError(t, s.Send(ctx, testFrom, "john@example.com", msg))
	time.Sleep(20 * time.Millisecond) // let the pooled connection expire
	require.NoError(t, s.Send(ctx, testFrom, "john@example.com", msg))
	require.Equal(t, int64(2), srv.Dials())
	require.Zero(t, s.stats.stale.Load(), "an expired connection is replaced before use")
}

// TestSendServerDownBoundedDials: the Sender has no backoff of its own;
// the Gateway in front of it owns the one pause while the server is down,
// so 50 busy senders make only a handful of connection attempts during an
// outage, and get through once the server is back.
func TestSendServerDownBoundedDials(t *testing.T) {
	t.Parallel()
	srv := smtptest.NewT(t, smtptest.Options{Discard: true})
	s := newTestSender(t, srv.Host(), srv.Port(), nil)
	g, err := mail.NewGateway(mail.GatewayConfig{Provider: NewProvider(s), OutagePauseMax: time.Second})
	require.NoError(t, err)
	ctx := testCtx(t)
	out := mail.Outgoing{Message: mail.Message{From: "Todo <" + testFrom + ">", To: "john@example.com", Subject: "s", Text: "t"}}
	_, err = g.Send(ctx, out)
	require.NoError(t, err)

	srv.Down()
	dialsBefore := srv.Dials()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var failures atomic.Int64
	for range 50 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := g.Send(ctx, out); err != nil {
					failures.Add(1)
					if c := mail.Classify(err); c != mail.ClassOutage {
						panic(fmt.Sprintf("a down server is an outage, not %s: %v", c, err))
					}
					// A job queue retries later, not in a hot loop; the pause
					// also keeps this test from starving its neighbours.
					time.Sleep(time.Millisecond)
				}
			}
		})
	}
	time.Sleep(2 * time.Second) // the outage
	dialsDuringOutage := srv.Dials() - dialsBefore
	delivered := srv.Count()
	require.NoError(t, srv.Up())

	// After the outage, the same goroutines get through.
	waitCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	require.NoError(t, srv.WaitForCount(waitCtx, delivered+100))
	close(stop)
	wg.Wait()

	t.Logf("dial attempts during the outage: %d; failed sends: %d", dialsDuringOutage, failures.Load())
	require.Less(t, dialsDuringOutage, int64(30), "dial attempts during a 2s outage")
	require.Positive(t, failures.Load())
}

func TestSendHungServer(t *testing.T) {
	t.Parallel()
	hole, err := smtptest.StartBlackhole()
	require.NoError(t, err)
	t.Cleanup(func() { _ = hole.Close() })

	t.Run("command timeout", func(t *testing.T) {
		t.Parallel()
		s := newTestSender(t, hole.Host(), hole.Port(), func(c *SenderConfig) { c.CommandTimeout = 200 * time.Millisecond })
		err := returnsWithin(t, func() error {
			return s.Send(testCtx(t), testFrom, "john@example.com", []byte("x"))
		})
		require.ErrorIs(t, err, os.ErrDeadlineExceeded)
		require.False(t, permanent(err))
		require.Equal(t, mail.StageDial, sendErr(t, err).Stage)
	})
	t.Run("context deadline", func(t *testing.T) {
		t.Parallel()
		s := newTestSender(t, hole.Host(), hole.Port(), func(c *SenderConfig) { c.CommandTimeout = time.Hour })
		ctx, cancel := context.WithTimeout(testCtx(t), 200*time.Millisecond)
		defer cancel()
		err := returnsWithin(t, func() error { return s.Send(ctx, testFrom, "john@example.com", []byte("x")) })
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.False(t, permanent(err))
	})
}

func TestSendHungDuringBody(t *testing.T) {
	t.Parallel()
	srv := smtptest.NewT(t, smtptest.Options{Fault: smtptest.At(smtptest.StageData, smtptest.Fault{Delay: time.Hour})})
	s := newTestSender(t, srv.Host(), srv.Port(), func(c *SenderConfig) { c.CommandTimeout = time.Hour })
	msg := testMessage(t, "john@example.com")

	ctx, cancel := context.WithCancel(testCtx(t))
	time.AfterFunc(200*time.Millisecond, cancel)
	err := returnsWithin(t, func() error { return s.Send(ctx, testFrom, "john@example.com", msg) })
	require.ErrorIs(t, err, context.Canceled)
	require.False(t, permanent(err))
	require.Equal(t, mail.StageBody, sendErr(t, err).Stage)
	require.Contains(t, err.Error(), "smtp body for j***@example.com: context canceled (transient)")
}

// returnsWithin runs f and fails the test if it hangs. The bound is a
// guard against a hung test, not a performance assertion.
func returnsWithin(t *testing.T, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(20 * time.Second):
		t.Fatal("Send did not return")
		return nil
	}
}
