package httpapi

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestRateLimiterForgetsTheLeastRecentlyUsedClient(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	l := newRateLimiter(60, 1, 3, func() time.Time { return now })

	for _, k := range []string{"a", "b", "c"} {
		ok, _ := l.allow(k)
		require.True(t, ok)
	}
	ok, wait := l.allow("a")
	require.False(t, ok)
	require.Equal(t, time.Second, wait)

	// "d" evicts "b", the least recently used; "a" and "c" keep their
	// empty buckets, "b" starts afresh.
	ok, _ = l.allow("d")
	require.True(t, ok)
	require.Equal(t, 3, l.len())
	ok, _ = l.allow("b")
	require.True(t, ok, "b was forgotten, so it has a fresh bucket")
	ok, _ = l.allow("d")
	require.False(t, ok)

	// Refused requests do not push the next token further away.
	for range 10 {
		_, wait = l.allow("d")
	}
	require.Equal(t, time.Second, wait)
	now = now.Add(time.Second)
	ok, _ = l.allow("d")
	require.True(t, ok)
}

func TestRateLimiterStaysBoundedUnderConcurrentLoad(t *testing.T) {
	t.Parallel()
	l := newRateLimiter(10, 5, 100, time.Now)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 1000 {
				l.allow(fmt.Sprintf("10.%d.%d.%d", g, i/256, i%256))
			}
		}()
	}
	wg.Wait()
	require.Equal(t, 100, l.len())
}

func TestRetryAfterSecondsRoundsUp(t *testing.T) {
	t.Parallel()
	require.Equal(t, 1, retryAfterSeconds(0))
	require.Equal(t, 1, retryAfterSeconds(time.Millisecond))
	require.Equal(t, 2, retryAfterSeconds(1001*time.Millisecond))
	require.Equal(t, 60, retryAfterSeconds(time.Minute))
}
