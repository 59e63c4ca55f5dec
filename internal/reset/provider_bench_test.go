package reset_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/delivery"
	"github.com/todoapp/resetmail/internal/mail/apiclient"
	"github.com/todoapp/resetmail/internal/mail/resend"
	"github.com/todoapp/resetmail/internal/providertest"
	"github.com/todoapp/resetmail/internal/testdb"
	"github.com/todoapp/resetmail/internal/testdb/testdbsqlc"
	"github.com/todoapp/resetmail/internal/testutil"
)

// BenchmarkHTTPSProviderAt200ms is the benchmark, not a test: a
// provider (the Resend fake, over TLS) answering every call in 200 ms, one
// worker with WORKER_CONCURRENCY=c job slots and as many connections (as
// cmd/worker gives an HTTPS provider), should deliver at least 90 % of
// c / 0.2 s, with no more TLS handshakes than connections. It runs at 200,
// the default, and at 100, the default until 2026-11-30. Run it with
//
//	go test -run '^$' -bench BenchmarkHTTPSProviderAt200ms -benchtime 1x ./internal/reset/
//
// It reports mails/s over the middle 80 % of arrivals (the steady state),
// that rate as a share of c / 0.2 s, connections and handshakes; it
// asserts only that every mail arrived once.
func BenchmarkHTTPSProviderAt200ms(b *testing.B) {
	for _, c := range []int{200, 100} {
		b.Run(fmt.Sprintf("concurrency=%d", c), func(b *testing.B) { benchmarkHTTPSProvider(b, c) })
	}
}

func benchmarkHTTPSProvider(b *testing.B, concurrency int) {
	const latency = 200 * time.Millisecond
	n := 40 * concurrency
	for range b.N {
		db := testdb.New(b)
		srv := providertest.New(b, providertest.Options{Kind: providertest.Resend, Key: providerKey, TLS: true, Latency: latency})
		p, err := resend.New(apiclient.Config{APIKey: providerKey, BaseURL: srv.URL, RootCAs: srv.RootCAs(), MaxConnections: concurrency})
		require.NoError(b, err)
		key := []byte(testutil.Secret("reset-key", 40))
		// The fake's own root CA is what no setting reaches.
		o := productionTimings
		o.provider = p
		o.env = map[string]string{"WORKER_CONCURRENCY": strconv.Itoa(concurrency)}
		ctx := context.Background()
		emails := make([]string, n)
		for i := range n {
			emails[i] = fmt.Sprintf("bench%05d@example.com", i)
			_, err := db.Fixtures.InsertUser(ctx, db.Pool, testdbsqlc.InsertUserParams{Email: emails[i], Name: "User", PasswordHash: "x"})
			require.NoError(b, err)
		}
		// Everything is enqueued first, through the API's insert-only
		// client, so that the figure is the worker's and not the enqueue
		// rate's.
		svc := newService(b, db, 0, 0)
		// Requests come from 16 goroutines, as from many API handlers.
		var wg sync.WaitGroup
		next := make(chan string)
		for range 16 {
			wg.Go(func() {
				for e := range next {
					if _, err := svc.RequestReset(ctx, e); err != nil {
						b.Error(err)
					}
				}
			})
		}
		for _, e := range emails {
			next <- e
		}
		close(next)
		wg.Wait()
		b.ResetTimer()
		startWorkerWith(b, db, key, delivery.NopObserver{}, 0, o)
		waitCtx, cancel := context.WithTimeout(ctx, 5*time.Minute)
		require.NoError(b, srv.WaitForCount(waitCtx, n))
		cancel()
		b.StopTimer()

		var at []time.Time
		per := map[string]int{}
		for _, m := range srv.Mails() {
			at = append(at, m.At)
			per[m.To]++
		}
		require.Len(b, per, n)
		slices.SortFunc(at, func(x, y time.Time) int { return x.Compare(y) })
		lo, hi := n/10, n*9/10
		rate := float64(hi-lo) / at[hi].Sub(at[lo]).Seconds()
		b.ReportMetric(rate, "mails/s")
		b.ReportMetric(100*rate/(float64(concurrency)/latency.Seconds()), "%ofceiling")
		b.ReportMetric(float64(srv.Connections()), "connections")
		b.ReportMetric(float64(srv.Handshakes()), "handshakes")
	}
}
