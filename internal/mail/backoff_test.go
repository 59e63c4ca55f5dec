package mail

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestDialBackoff(t *testing.T) {
	t.Parallel()
	b := &backoff{min: 100 * time.Millisecond, max: 800 * time.Millisecond}
	now := time.Unix(1000, 0)
	boom := &SendError{Temporary: true, Stage: StageDial, Text: "connection refused"}

	// While healthy, any number of attempts may run at once.
	t1, _, _, ok := b.allow(now)
	require.True(t, ok)
	t2, _, _, ok := b.allow(now)
	require.True(t, ok)

	// Both fail: the outage counts once.
	pause := b.failed(t1, boom, now, 0)
	require.GreaterOrEqual(t, pause, 50*time.Millisecond)
	require.LessOrEqual(t, pause, 100*time.Millisecond)
	require.Zero(t, b.failed(t2, boom, now, 0))
	require.Equal(t, 1, b.failures)

	// Within the pause nothing dials, and the caller learns why.
	_, wait, last, ok := b.allow(now.Add(pause / 2))
	require.False(t, ok)
	require.Positive(t, wait)
	require.Equal(t, *boom, *last)

	// After it, exactly one probe goes out.
	later := now.Add(pause)
	probe, _, _, ok := b.allow(later)
	require.True(t, ok)
	require.True(t, probe.probe)
	_, _, _, ok = b.allow(later)
	require.False(t, ok, "only one probe at a time")

	// Failures double the pause up to max.
	var last2 time.Duration
	for range 6 {
		last2 = b.failed(probe, boom, later, 0)
		later = later.Add(last2)
		probe, _, _, ok = b.allow(later)
		require.True(t, ok)
	}
	require.GreaterOrEqual(t, last2, 400*time.Millisecond)
	require.LessOrEqual(t, last2, 800*time.Millisecond)

	// Success resets everything.
	b.succeeded(probe)
	require.Zero(t, b.failures)
	_, _, _, ok = b.allow(later)
	require.True(t, ok)

	// An attempt cut short by its caller frees the probe slot without
	// counting.
	b.failed(ticket{gen: b.gen}, boom, later, 0)
	later = later.Add(time.Second)
	probe, _, _, ok = b.allow(later)
	require.True(t, ok)
	b.released(probe)
	_, _, _, ok = b.allow(later)
	require.True(t, ok)
}
