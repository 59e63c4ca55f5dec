package dashboard

import (
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// failureLimiter counts failed logins per client in fixed windows. It
// remembers at most maxKeys clients and forgets the least recently seen one
// first, so a flood of spoofed addresses cannot exhaust memory, and cannot
// wipe the count of the client that is guessing right now either.
type failureLimiter struct {
	mu     sync.Mutex
	limit  int
	window time.Duration
	byKey  *lru.Cache[string, *failureWindow]
}

type failureWindow struct {
	start time.Time
	count int
}

func newFailureLimiter(limit int, window time.Duration, maxKeys int) *failureLimiter {
	// lru.New fails only for a size below 1.
	cache, _ := lru.New[string, *failureWindow](max(1, maxKeys))
	return &failureLimiter{limit: limit, window: window, byKey: cache}
}

// blocked returns how long key must wait, or 0 when it may try.
func (l *failureLimiter) blocked(key string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	w, ok := l.byKey.Get(key)
	if !ok || now.Sub(w.start) >= l.window {
		return 0
	}
	if w.count >= l.limit {
		return w.start.Add(l.window).Sub(now)
	}
	return 0
}

// fail records one failed login by key.
func (l *failureLimiter) fail(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	w, ok := l.byKey.Get(key)
	if !ok || now.Sub(w.start) >= l.window {
		l.byKey.Add(key, &failureWindow{start: now, count: 1})
		return
	}
	w.count++
}

// globalKey is the one key of the guard's global failure count.
const globalKey = "*"

// knownClientFor is how long a client that signed in stays known: past the
// global cap on failed logins it may still try, so that a guesser spread
// over many addresses cannot lock out on-call at their usual desk.
const knownClientFor = 24 * time.Hour

// knownClients remembers the clients (clientip.Key) that signed in
// recently, at most maxKeys of them, forgetting the least recently seen.
type knownClients struct {
	mu    sync.Mutex
	ttl   time.Duration
	byKey *lru.Cache[string, time.Time]
}

func newKnownClients(ttl time.Duration, maxKeys int) *knownClients {
	// lru.New fails only for a size below 1.
	cache, _ := lru.New[string, time.Time](max(1, maxKeys))
	return &knownClients{ttl: ttl, byKey: cache}
}

// add records that key signed in at now.
func (k *knownClients) add(key string, now time.Time) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.byKey.Add(key, now)
}

// has reports whether key signed in within the last ttl.
func (k *knownClients) has(key string, now time.Time) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	at, ok := k.byKey.Get(key)
	return ok && now.Sub(at) < k.ttl
}
