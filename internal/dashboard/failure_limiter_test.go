package dashboard

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestFailureLimiterEvictsTheLeastRecentlyUsed: a flood of new addresses
// pushes out the quietest client, never the one that is guessing now. The
// old limiter cleared the whole table when it was full, which freed the
// guesser too.
func TestFailureLimiterEvictsTheLeastRecentlyUsed(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := newFailureLimiter(2, time.Minute, 3)

	l.fail("quiet", now)
	for range 2 {
		l.fail("guesser", now)
	}
	require.Positive(t, l.blocked("guesser", now))
	for i := range 10 {
		l.fail("spoofed-"+string(rune('a'+i)), now)
		// The guesser keeps trying, so it stays recently used.
		require.Positive(t, l.blocked("guesser", now), "after %d spoofed addresses", i+1)
	}
	l.fail("quiet", now)
	require.Zero(t, l.blocked("quiet", now), "the quiet client was forgotten and starts afresh")
	require.Zero(t, l.blocked("guesser", now.Add(time.Minute)), "the window still ends")
}
