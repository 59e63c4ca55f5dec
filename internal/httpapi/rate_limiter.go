package httpapi

import (
	"container/list"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// maxRateLimitKeys bounds how many (route, client) buckets one API process
// remembers. At about 200 bytes each this caps the limiter near 13 MB, so a
// flood of distinct addresses cannot exhaust memory; the least recently
// seen bucket is forgotten first. A forgotten client only gets a fresh
// bucket, so eviction can make the limit laxer for it, never stricter.
const maxRateLimitKeys = 65536

// rateLimiter is a token bucket per key with least-recently-used eviction.
// It is safe for concurrent use.
type rateLimiter struct {
	limit    rate.Limit
	burst    int
	capacity int
	now      func() time.Time

	mu      sync.Mutex
	buckets map[string]*list.Element
	// lru orders buckets from most (front) to least (back) recently used.
	lru *list.List
}

type bucket struct {
	key     string
	limiter *rate.Limiter
}

// newRateLimiter allows perMinute requests per key per minute, with bursts
// of up to burst, remembering at most capacity keys.
func newRateLimiter(perMinute, burst, capacity int, now func() time.Time) *rateLimiter {
	return &rateLimiter{
		limit:    rate.Limit(float64(perMinute) / 60),
		burst:    burst,
		capacity: capacity,
		now:      now,
		buckets:  make(map[string]*list.Element),
		lru:      list.New(),
	}
}

// allow takes one token from key's bucket. When none is left it returns
// false and how long until one will be.
func (l *rateLimiter) allow(key string) (bool, time.Duration) {
	now := l.now()
	lim := l.bucketFor(key)
	r := lim.ReserveN(now, 1)
	if !r.OK() {
		return false, time.Minute
	}
	if d := r.DelayFrom(now); d > 0 {
		// Refused requests do not consume the future token they would
		// have waited for, or a client that keeps retrying would lock
		// itself out for ever longer.
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// bucketFor returns key's limiter, creating it and evicting the least
// recently used one when the limiter is full.
func (l *rateLimiter) bucketFor(key string) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	if el, ok := l.buckets[key]; ok {
		l.lru.MoveToFront(el)
		return el.Value.(*bucket).limiter
	}
	if l.lru.Len() >= l.capacity {
		oldest := l.lru.Back()
		l.lru.Remove(oldest)
		delete(l.buckets, oldest.Value.(*bucket).key)
	}
	b := &bucket{key: key, limiter: rate.NewLimiter(l.limit, l.burst)}
	l.buckets[key] = l.lru.PushFront(b)
	return b.limiter
}

// len reports how many buckets are remembered, for tests.
func (l *rateLimiter) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lru.Len()
}

// retryAfterSeconds rounds a wait up to whole seconds, at least 1, as the
// Retry-After header needs.
func retryAfterSeconds(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}
