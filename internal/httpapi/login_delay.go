package httpapi

import (
	"strings"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/todoapp/resetmail/internal/auth"
)

// firstLoginDelay is the wait after an address's free failures are used
// up; each further failure doubles it, up to the window.
const firstLoginDelay = time.Second

// loginDelay slows password guessing against one address, whichever client
// IPs the guesses come from: the per-IP limit alone let an IPv6 /56 try
// about 1,280 passwords at once. After RATE_LIMIT_LOGIN_FAILURES failed
// logins, each attempt for that address must wait a delay that starts at
// one second and doubles with every further failure, up to
// RATE_LIMIT_LOGIN_WINDOW. It slows an attacker to a few guesses an hour
// without ever locking the owner out for longer than one window, and a
// successful login clears the address.
//
// Every address is counted, whether or not it has an account, and a
// refused attempt costs no bcrypt comparison on either path, so the limit
// reveals nothing about which addresses are registered.
//
// Each attempt counts as a failure when it starts and is forgiven when it
// succeeds; concurrent guesses therefore cannot all slip through before the
// first one's bcrypt comparison ends. A failure restarts the wait when it
// is known, so the wait is never spent inside a slow comparison. Counts live in this process: with
// several API replicas each one counts on its own.
type loginDelay struct {
	free   int
	window time.Duration
	now    func() time.Time

	mu     sync.Mutex
	byAddr *lru.Cache[string, *addressFailures]
}

type addressFailures struct {
	count int
	// until is when the next attempt may start.
	until time.Time
}

func newLoginDelay(free int, window time.Duration, capacity int, now func() time.Time) *loginDelay {
	// lru.New fails only for a size below 1.
	cache, _ := lru.New[string, *addressFailures](max(1, capacity))
	return &loginDelay{free: free, window: window, now: now, byAddr: cache}
}

// loginDelayKey folds the spellings of one address together: the login
// query matches addresses case-insensitively, so the limit must too.
func loginDelayKey(email string) string {
	k := strings.ToLower(strings.TrimSpace(email))
	if len(k) > auth.MaxEmailBytes {
		k = k[:auth.MaxEmailBytes]
	}
	return k
}

// begin reserves one attempt for key. When the address must wait it
// returns false and how long.
func (d *loginDelay) begin(key string) (bool, time.Duration) {
	now := d.now()
	d.mu.Lock()
	defer d.mu.Unlock()
	f, ok := d.byAddr.Get(key)
	if ok && now.Sub(f.until) >= d.window {
		// Quiet for a whole window after its last delay: start afresh.
		ok = false
	}
	if !ok {
		f = &addressFailures{}
		d.byAddr.Add(key, f)
	}
	if wait := f.until.Sub(now); wait > 0 {
		return false, wait
	}
	f.count++
	f.until = d.next(f.count, now)
	return true, 0
}

// failed records that key's attempt, reserved by begin, failed: its wait
// counts again from now, so a slow password check does not eat into it.
func (d *loginDelay) failed(key string) {
	now := d.now()
	d.mu.Lock()
	defer d.mu.Unlock()
	if f, ok := d.byAddr.Get(key); ok {
		if u := d.next(f.count, now); u.After(f.until) {
			f.until = u
		}
	}
}

// next is when the attempt after the count-th failure, made at now, may
// start.
func (d *loginDelay) next(count int, now time.Time) time.Time {
	over := count - d.free
	if over < 0 {
		return now
	}
	delay := d.window
	if over < 32 && firstLoginDelay<<over < d.window {
		delay = firstLoginDelay << over
	}
	return now.Add(delay)
}

// succeeded forgets key's failures: its owner is in.
func (d *loginDelay) succeeded(key string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.byAddr.Remove(key)
}
