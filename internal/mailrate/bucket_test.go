package mailrate_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/mail"
	"github.com/todoapp/resetmail/internal/mailrate"
	"github.com/todoapp/resetmail/internal/testdb"
)

func TestWithoutACapOnlyAHoldWaits(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	b := newBucket(t, mailrate.Config{Pool: db.Pool, HoldCheckEvery: time.Millisecond})
	ctx := context.Background()
	for range 50 {
		require.NoError(t, b.Wait(ctx), "no cap, no hold: never waits")
	}

	// Another worker got a 429 with Retry-After: 10s.
	other := newBucket(t, mailrate.Config{Pool: db.Pool, HoldCheckEvery: time.Millisecond})
	other.Slow(ctx, 10*time.Second)
	time.Sleep(5 * time.Millisecond)
	err := b.Wait(ctx)
	require.Equal(t, mail.ClassThrottled, mail.Classify(err), "%v", err)
	require.Greater(t, mail.RetryAfter(err), 5*time.Second)
}

func TestTheCapReservesSlotsAcrossBuckets(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	ctx := context.Background()
	const rate, burst = 50, 5
	var buckets []*mailrate.Bucket
	for range 3 {
		b := newBucket(t, mailrate.Config{Pool: db.Pool, Rate: rate, Burst: burst})
		buckets = append(buckets, b)
	}
	// 35 sends through three buckets sharing one row: the first 5 are the
	// burst, the other 30 are spaced 1/50 s apart, so they cannot all be
	// done before 30/50 s.
	start := time.Now()
	for i := range 35 {
		require.NoError(t, buckets[i%3].Wait(ctx))
	}
	require.GreaterOrEqual(t, time.Since(start), 30*time.Second/rate-10*time.Millisecond)
}

// newBucket is a Bucket with cfg, which must be valid.
func newBucket(t *testing.T, cfg mailrate.Config) *mailrate.Bucket {
	t.Helper()
	b, err := mailrate.New(cfg)
	require.NoError(t, err)
	return b
}
