package postgres_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/postgres"
	"github.com/todoapp/resetmail/internal/testdb"
)

// TestCoalescerGivesEachCallItsOwnOutcome runs many concurrent calls, some
// of which fail inside the database, and checks that every call gets its
// own row or its own error: a failing statement must not fail the calls
// that shared its batch.
func TestCoalescerGivesEachCallItsOwnOutcome(t *testing.T) {
	t.Parallel()
	c := queueingCoalescer(t)

	const n = 200
	var wg sync.WaitGroup
	got := make([]int, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			divisor := i % 5 // every fifth call divides by zero
			errs[i] = c.QueryRow(context.Background(), "SELECT 100 / $1::int", divisor).Scan(&got[i])
		}()
	}
	wg.Wait()
	for i := range n {
		if i%5 == 0 {
			require.ErrorContains(t, errs[i], "division by zero", "call %d", i)
			continue
		}
		require.NoError(t, errs[i], "call %d", i)
		require.Equal(t, 100/(i%5), got[i], "call %d", i)
	}
}

// TestCoalescerWithdrawsCancelledWaiters checks that a call whose context
// ends while it is queued returns at once and runs nothing.
func TestCoalescerWithdrawsCancelledWaiters(t *testing.T) {
	t.Parallel()
	c := queueingCoalescer(t)

	started := make(chan struct{})
	go func() {
		close(started)
		_, _ = c.Exec(context.Background(), "SELECT pg_sleep(0.2)")
	}()
	<-started
	// Let the first call take the only slot.
	require.Eventually(t, func() bool {
		inFlight, _ := postgres.CoalescerState(c)
		return inFlight == 1
	}, 5*time.Second, time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.Exec(ctx, "SELECT pg_sleep(0.2)")
	require.ErrorIs(t, err, context.Canceled)
	_, pending := postgres.CoalescerState(c)
	require.Zero(t, pending)
}

// queueingCoalescer is a Coalescer over a fresh database that runs one
// batch at a time, which forces calls to queue, so that batches form.
func queueingCoalescer(t *testing.T) *postgres.Coalescer {
	t.Helper()
	c := postgres.NewCoalescer(testdb.New(t).Pool)
	postgres.SetMaxInFlight(c, 1)
	return c
}
