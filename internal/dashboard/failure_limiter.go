package dashboard

import (
	"sync"
	"time"
)

// failureLimiter counts failed logins per client IP in fixed windows. Its
// map is capped: when full, the oldest windows are dropped, so a flood of
// spoofed addresses cannot exhaust memory.
type failureLimiter struct {
	mu      sync.Mutex
	limit   int
	window  time.Duration
	maxKeys int
	byIP    map[string]*failureWindow
}

type failureWindow struct {
	start time.Time
	count int
}

func newFailureLimiter(limit int, window time.Duration, maxKeys int) *failureLimiter {
	return &failureLimiter{limit: limit, window: window, maxKeys: maxKeys, byIP: map[string]*failureWindow{}}
}

// blocked returns how long ip must wait, or 0 when it may try.
func (l *failureLimiter) blocked(ip string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	w, ok := l.byIP[ip]
	if !ok || now.Sub(w.start) >= l.window {
		return 0
	}
	if w.count >= l.limit {
		return w.start.Add(l.window).Sub(now)
	}
	return 0
}

// fail records one failed login by ip.
func (l *failureLimiter) fail(ip string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	w, ok := l.byIP[ip]
	if !ok || now.Sub(w.start) >= l.window {
		if !ok && len(l.byIP) >= l.maxKeys {
			l.evict(now)
		}
		l.byIP[ip] = &failureWindow{start: now, count: 1}
		return
	}
	w.count++
}

// evict drops expired windows, and if none expired, all of them: losing
// counts is better than unbounded growth.
func (l *failureLimiter) evict(now time.Time) {
	for ip, w := range l.byIP {
		if now.Sub(w.start) >= l.window {
			delete(l.byIP, ip)
		}
	}
	if len(l.byIP) >= l.maxKeys {
		clear(l.byIP)
	}
}
