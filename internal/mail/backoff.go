package mail

import (
	"math/rand/v2"
	"sync"
	"time"
)

// backoff keeps callers from hammering a server or provider that is
// failing: the Sender has one for new connections, the Gateway one for
// every send. After a failure no new attempt starts until a pause has
// passed; the pause doubles with each failure, from min to max, with jitter
// so that many workers do not retry in step. While failing, only one
// attempt (a probe) runs at a time. Success resets everything. hold pauses
// every attempt until a given time without counting a failure, for a
// provider that says when to come back (429).
type backoff struct {
	min, max time.Duration

	mu       sync.Mutex
	failures int
	until    time.Time
	probing  bool
	// last is the failure that started the pause, without its recipient:
	// it is handed to callers sending to someone else.
	last *SendError
	// gen changes whenever the state changes, so that attempts started
	// together when the server went away count as one failure, not ten.
	gen uint64
}

// ticket is what an allowed attempt carries to its report.
type ticket struct {
	gen   uint64
	probe bool
}

// allow reports whether an attempt may start now. When it may not, it
// returns the time left in the pause (zero while a probe is in flight) and
// the error that started the pause.
func (b *backoff) allow(now time.Time) (ticket, time.Duration, *SendError, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if now.Before(b.until) {
		return ticket{}, b.until.Sub(now), b.last, false
	}
	if b.failures == 0 {
		return ticket{gen: b.gen}, 0, nil, true
	}
	if b.probing {
		return ticket{}, 0, b.last, false
	}
	b.probing = true
	return ticket{gen: b.gen, probe: true}, 0, nil, true
}

// failed records a failed attempt and returns the new pause, or zero when
// a concurrent attempt already counted this failure. A fixed pause above
// zero replaces the doubling one, still with jitter. It keeps its own copy
// of err, since callers go on to change theirs.
func (b *backoff) failed(t ticket, err *SendError, now time.Time, fixed time.Duration) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	if t.probe {
		b.probing = false
	}
	b.last = withoutRecipient(err)
	if t.gen != b.gen {
		return 0
	}
	b.gen++
	b.failures++
	pause := b.min
	for i := 1; i < b.failures && pause < b.max; i++ {
		pause *= 2
	}
	pause = min(pause, b.max)
	if fixed > 0 {
		pause = fixed
	}
	// Equal jitter: at least half the pause, so the backoff stays a
	// backoff, and up to all of it, so that workers drift apart.
	if half := pause / 2; half > 0 {
		pause = half + rand.N(half+1)
	}
	b.until = now.Add(pause)
	return pause
}

// hold stops every attempt until until, without counting a failure.
func (b *backoff) hold(t ticket, err *SendError, until time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if t.probe {
		b.probing = false
	}
	b.last = withoutRecipient(err)
	if until.After(b.until) {
		b.until = until
	}
}

// succeeded records a working attempt and ends any pause that failures
// started.
func (b *backoff) succeeded(t ticket) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if t.probe {
		b.probing = false
	}
	if b.failures > 0 {
		b.failures = 0
		b.gen++
		b.until = time.Time{}
		b.last = nil
	}
}

// heldSince reports whether an attempt let through at generation gen
// should now hold back: the state changed since (a failure was counted)
// and a pause or a probe is on. It returns the failure that started it and
// the time left in the pause.
func (b *backoff) heldSince(gen uint64, now time.Time) (*SendError, time.Duration, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.gen == gen || b.last == nil {
		return nil, 0, false
	}
	if now.Before(b.until) {
		return b.last, b.until.Sub(now), true
	}
	if b.probing {
		return b.last, 0, true
	}
	return nil, 0, false
}

// released ends an attempt that says nothing about the server, such as one
// cut short by the caller's context.
func (b *backoff) released(t ticket) {
	if !t.probe {
		return
	}
	b.mu.Lock()
	b.probing = false
	b.mu.Unlock()
}

func withoutRecipient(err *SendError) *SendError {
	last := *err
	last.Recipient = ""
	return &last
}
