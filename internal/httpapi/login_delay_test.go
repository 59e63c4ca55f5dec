package httpapi

import (
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestLoginDelayGrowsAndEnds(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	d := newLoginDelay(3, time.Minute, 100, func() time.Time { return now })

	for range 2 {
		ok, _ := d.begin("a@example.com")
		require.True(t, ok)
	}
	// The third failure uses up the free ones; from then on each attempt
	// waits twice as long as the one before, up to the window.
	var waits []time.Duration
	for range 9 {
		ok, _ := d.begin("a@example.com")
		require.True(t, ok)
		ok, wait := d.begin("a@example.com")
		require.False(t, ok)
		waits = append(waits, wait)
		now = now.Add(wait)
	}
	require.Equal(t, []time.Duration{
		time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 32 * time.Second,
		time.Minute, time.Minute, time.Minute,
	}, waits)

	// Other addresses are not affected.
	ok, _ := d.begin("b@example.com")
	require.True(t, ok)

	// Quiet for a window after the last wait: the address starts afresh.
	now = now.Add(2 * time.Minute)
	for range 2 {
		ok, _ := d.begin("a@example.com")
		require.True(t, ok)
	}
}

func TestLoginDelayForgetsAnAddressOnSuccess(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	d := newLoginDelay(2, time.Minute, 100, func() time.Time { return now })
	for range 2 {
		ok, _ := d.begin("a@example.com")
		require.True(t, ok)
	}
	ok, _ := d.begin("a@example.com")
	require.False(t, ok)
	now = now.Add(time.Second)
	ok, _ = d.begin("a@example.com")
	require.True(t, ok)
	d.succeeded("a@example.com")
	for range 2 {
		ok, _ := d.begin("a@example.com")
		require.True(t, ok, "a successful login clears the count")
	}
}

// TestLoginDelayCountsConcurrentGuesses: attempts are counted when they
// start, so a burst of parallel guesses gets only the free ones.
func TestLoginDelayCountsConcurrentGuesses(t *testing.T) {
	t.Parallel()
	d := newLoginDelay(5, time.Minute, 100, time.Now)
	var allowed atomic.Int32
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if ok, _ := d.begin("a@example.com"); ok {
				allowed.Add(1)
			}
		}()
	}
	wg.Wait()
	require.EqualValues(t, 5, allowed.Load())
}

func TestLoginDelayKeyFoldsCase(t *testing.T) {
	t.Parallel()
	require.Equal(t, loginDelayKey("ada@example.com"), loginDelayKey("  ADA@Example.COM "))
}

// TestLoginDelayCountsFromTheKnownFailure: a password check that takes
// longer than the wait must not use the wait up.
func TestLoginDelayCountsFromTheKnownFailure(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	d := newLoginDelay(1, time.Minute, 100, func() time.Time { return now })
	ok, _ := d.begin("a@example.com")
	require.True(t, ok)
	now = now.Add(3 * time.Second) // a slow bcrypt comparison
	d.failed("a@example.com")
	ok, wait := d.begin("a@example.com")
	require.False(t, ok)
	require.Equal(t, time.Second, wait)
}

// TestLoginDelayEvictionKeepsADelayingAddress is issue 23, item 6: logins
// for as many other addresses as the table holds evicted the victim's
// counter and gave the guesser its free guesses again. An address that is
// being delayed now is never the one evicted.
func TestLoginDelayEvictionKeepsADelayingAddress(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	d := newLoginDelay(2, time.Minute, 8, func() time.Time { return now })
	for range 2 {
		ok, _ := d.begin("victim@example.com")
		require.True(t, ok)
	}
	ok, _ := d.begin("victim@example.com")
	require.False(t, ok, "the victim's address is delayed")

	// The guesser floods the table with many times its capacity.
	for i := range 100 {
		ok, _ := d.begin(strconv.Itoa(i) + "@example.com")
		require.True(t, ok)
	}
	ok, wait := d.begin("victim@example.com")
	require.False(t, ok, "the flood reset the victim's counter")
	require.Equal(t, time.Second, wait)

	// Once the wait is over the next guess is checked, and fails: the
	// count goes on from where it was, so the wait doubles.
	now = now.Add(wait)
	ok, _ = d.begin("victim@example.com")
	require.True(t, ok)
	ok, wait = d.begin("victim@example.com")
	require.False(t, ok)
	require.Equal(t, 2*time.Second, wait)
}
