package mail

import (
	"math/rand/v2"
	"sync"
	"time"
)

// dialBackoff keeps a Sender from hammering a server that is down. After a
// failed connection attempt, no new attempt starts until a pause has passed;
// the pause doubles with each failure, from min to max, with jitter so that
// many workers do not retry in step. While failing, only one attempt (a
// probe) runs at a time. Success resets everything.
type dialBackoff struct {
	min, max time.Duration

	mu       sync.Mutex
	failures int
	until    time.Time
	probing  bool
	lastErr  *SendError
	// gen changes whenever the state changes, so that attempts started
	// together when the server went away count as one failure, not ten.
	gen uint64
}

// dialTicket is what an allowed attempt carries to its report.
type dialTicket struct {
	gen   uint64
	probe bool
}

// allow reports whether a connection attempt may start now. When it may
// not, it returns the time left in the pause (zero while a probe is in
// flight) and the error that started the pause.
func (b *dialBackoff) allow(now time.Time) (dialTicket, time.Duration, *SendError, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.failures == 0 {
		return dialTicket{gen: b.gen}, 0, nil, true
	}
	if now.Before(b.until) {
		return dialTicket{}, b.until.Sub(now), b.lastErr, false
	}
	if b.probing {
		return dialTicket{}, 0, b.lastErr, false
	}
	b.probing = true
	return dialTicket{gen: b.gen, probe: true}, 0, nil, true
}

// failed records a failed attempt and returns the new pause, or zero when
// a concurrent attempt already counted this failure.
func (b *dialBackoff) failed(t dialTicket, err *SendError, now time.Time) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	if t.probe {
		b.probing = false
	}
	b.lastErr = err
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
	// Equal jitter: at least half the pause, so the backoff stays a
	// backoff, and up to all of it, so that workers drift apart.
	if half := pause / 2; half > 0 {
		pause = half + rand.N(half+1)
	}
	b.until = now.Add(pause)
	return pause
}

// succeeded records a working connection and ends any pause.
func (b *dialBackoff) succeeded(t dialTicket) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if t.probe {
		b.probing = false
	}
	if b.failures > 0 {
		b.failures = 0
		b.gen++
		b.until = time.Time{}
		b.lastErr = nil
	}
}

// released ends an attempt that says nothing about the server, such as one
// cut short by the caller's context.
func (b *dialBackoff) released(t dialTicket) {
	if !t.probe {
		return
	}
	b.mu.Lock()
	b.probing = false
	b.mu.Unlock()
}
