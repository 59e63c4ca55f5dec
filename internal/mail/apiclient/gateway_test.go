package apiclient_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/mail"
	"github.com/todoapp/resetmail/internal/providertest"
)

type countingObserver struct{ byClass map[string]int }

func (o *countingObserver) ProviderProblem(class string) { o.byClass[class]++ }

func newGateway(t *testing.T, p mail.Provider, obs mail.ProblemObserver) *mail.Gateway {
	t.Helper()
	g, err := mail.NewGateway(mail.GatewayConfig{
		Provider: p, Observer: obs,
		OutagePauseMin: 20 * time.Millisecond, OutagePauseMax: 80 * time.Millisecond,
		ConfigPause: 200 * time.Millisecond,
	})
	require.NoError(t, err)
	return g
}

func TestGatewayHoldsMailWhileTheKeyIsRefusedAndReportsIt(t *testing.T) {
	t.Parallel()
	srv := newServer(t, providertest.Resend, providertest.Options{})
	srv.SetKey("rotated")
	obs := &countingObserver{byClass: map[string]int{}}
	g := newGateway(t, newProvider(t, srv, providertest.Resend), obs)
	ctx := context.Background()

	_, err := g.Send(ctx, outgoing("ada@example.com"))
	require.Equal(t, mail.ClassConfig, mail.Classify(err))
	require.NotNil(t, g.Problem())
	require.Contains(t, g.Problem().Error(), "401")
	require.NotContains(t, g.Problem().Error(), testAPIKey)
	require.Equal(t, 1, obs.byClass[mail.ClassConfig])

	// Further sends are held without calling the provider.
	calls := srv.Calls()
	for range 20 {
		_, err := g.Send(ctx, outgoing("bob@example.com"))
		require.Equal(t, mail.ClassConfig, mail.Classify(err), "%v", err)
	}
	require.Equal(t, calls, srv.Calls())

	// The key is fixed at the provider: after the pause a probe succeeds
	// and the problem clears.
	srv.SetKey(testAPIKey)
	require.Eventually(t, func() bool { _, err := g.Send(ctx, outgoing("carol@example.com")); return err == nil }, 5*time.Second, 20*time.Millisecond)
	require.Nil(t, g.Problem())
}

func TestGatewayPausesAProviderThatRefusesEverythingAndResumes(t *testing.T) {
	t.Parallel()
	srv := newServer(t, providertest.Postmark, providertest.Options{})
	srv.SetFault(providertest.Always(srv.Unavailable()))
	g := newGateway(t, newProvider(t, srv, providertest.Postmark), nil)
	ctx := context.Background()

	deadline := time.Now().Add(500 * time.Millisecond)
	for time.Now().Before(deadline) {
		_, err := g.Send(ctx, outgoing("ada@example.com"))
		require.Equal(t, mail.ClassOutage, mail.Classify(err), "%v", err)
		time.Sleep(time.Millisecond)
	}
	// About 500 tries, but only the probes reached the provider: a few
	// per pause of at most 80ms.
	require.Less(t, srv.Calls(), int64(40))

	srv.SetFault(nil)
	recovered := time.Now()
	require.Eventually(t, func() bool { _, err := g.Send(ctx, outgoing("ada@example.com")); return err == nil }, 5*time.Second, 5*time.Millisecond)
	require.Less(t, time.Since(recovered), time.Second)
}

func TestGatewayHonoursRetryAfterForEveryCaller(t *testing.T) {
	t.Parallel()
	srv := newServer(t, providertest.Resend, providertest.Options{})
	srv.SetFault(func(n int64, _ *http.Request) *providertest.Reply {
		if n == 1 {
			r := srv.Throttle(time.Second)
			return &r
		}
		return nil
	})
	g := newGateway(t, newProvider(t, srv, providertest.Resend), nil)
	_, err := g.Send(context.Background(), outgoing("ada@example.com"))
	require.Equal(t, mail.ClassThrottled, mail.Classify(err))
	require.Equal(t, time.Second, mail.RetryAfter(err))
	_, err = g.Send(context.Background(), outgoing("bob@example.com"))
	require.Equal(t, mail.ClassThrottled, mail.Classify(err), "held until the reset")
	require.Greater(t, mail.RetryAfter(err), 500*time.Millisecond)
	require.Equal(t, int64(1), srv.Calls())
}
