package httpapi

// The tests of the two in-memory limiters in front of login: the
// per-client-IP token buckets (rate_limiter.go) and the per-address login
// delay (login_delay.go). Both run on testClock.

import (
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestRateLimiterForgetsTheLeastRecentlyUsedClient(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	l := newRateLimiter(60, 1, 3, clock.now)

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
	clock.add(time.Second)
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

func TestLoginDelayGrowsAndEnds(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	d := newLoginDelay(3, time.Minute, 100, clock.now)

	requireAllowed(t, d, "a@example.com", 2)
	// The third failure uses up the free ones; from then on each attempt
	// waits twice as long as the one before, up to the window.
	var waits []time.Duration
	for range 9 {
		ok, _ := d.begin("a@example.com")
		require.True(t, ok)
		ok, wait := d.begin("a@example.com")
		require.False(t, ok)
		waits = append(waits, wait)
		clock.add(wait)
	}
	require.Equal(t, []time.Duration{
		time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 32 * time.Second,
		time.Minute, time.Minute, time.Minute,
	}, waits)

	// Other addresses are not affected.
	ok, _ := d.begin("b@example.com")
	require.True(t, ok)

	// Quiet for a window after the last wait: the address starts afresh.
	clock.add(2 * time.Minute)
	requireAllowed(t, d, "a@example.com", 2)
}

func TestLoginDelayForgetsAnAddressOnSuccess(t *testing.T) {
	t.Parallel()
	d, clock := delayedAddress(t, 100, "a@example.com")
	clock.add(time.Second)
	ok, _ := d.begin("a@example.com")
	require.True(t, ok)
	d.succeeded("a@example.com")
	requireAllowed(t, d, "a@example.com", 2, "a successful login clears the count")
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
	clock := newTestClock()
	d := newLoginDelay(1, time.Minute, 100, clock.now)
	ok, _ := d.begin("a@example.com")
	require.True(t, ok)
	clock.add(3 * time.Second) // a slow bcrypt comparison
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
	d, clock := delayedAddress(t, 8, "victim@example.com")

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
	clock.add(wait)
	ok, _ = d.begin("victim@example.com")
	require.True(t, ok)
	ok, wait = d.begin("victim@example.com")
	require.False(t, ok)
	require.Equal(t, 2*time.Second, wait)
}

// requireAllowed begins n attempts for key and requires that each may go
// ahead.
func requireAllowed(t *testing.T, d *loginDelay, key string, n int, msgAndArgs ...any) {
	t.Helper()
	for range n {
		ok, _ := d.begin(key)
		require.True(t, ok, msgAndArgs...)
	}
}

// delayedAddress is a login delay with two free attempts in a one-minute
// window, room for capacity addresses, and key already delayed: its free
// attempts are used up and the next one is refused.
func delayedAddress(t *testing.T, capacity int, key string) (*loginDelay, *testClock) {
	t.Helper()
	clock := newTestClock()
	d := newLoginDelay(2, time.Minute, capacity, clock.now)
	requireAllowed(t, d, key, 2)
	ok, _ := d.begin(key)
	require.False(t, ok, "%s is delayed", key)
	return d, clock
}

// testClock is the limiters' clock in their tests: it stands still until
// the test moves it, so waits can be asserted to the second.
type testClock struct{ t time.Time }

func newTestClock() *testClock {
	return &testClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
}

func (c *testClock) now() time.Time { return c.t }

func (c *testClock) add(d time.Duration) { c.t = c.t.Add(d) }
