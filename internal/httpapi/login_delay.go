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
//
// Memory is bounded twice over. Addresses still within their free
// failures sit in an LRU table of capacity entries, where a flood of other
// addresses may evict them: that costs the guesser nothing it did not
// have. An address that has used up its free failures moves to delayed, a
// table nothing evicts while its wait is running or its window has not
// passed (issue 23, item 6: the LRU alone let logins for 65,536 other
// addresses give a delayed address fresh guesses). delayed holds at most
// capacity entries too; when full, cold ones are swept out, and if none is
// cold the newcomer stays in the LRU table. Filling delayed with hot
// entries takes free+1 failures for each of capacity addresses within one
// window, against the per-IP limit.
type loginDelay struct {
	free     int
	window   time.Duration
	capacity int
	now      func() time.Time

	mu      sync.Mutex
	byAddr  *lru.Cache[string, *addressFailures]
	delayed map[string]*addressFailures
	// sweptAt is when delayed was last swept, so that a full table of hot
	// entries is scanned at most once per firstLoginDelay.
	sweptAt time.Time
}

type addressFailures struct {
	count int
	// until is when the next attempt may start.
	until time.Time
}

func newLoginDelay(free int, window time.Duration, capacity int, now func() time.Time) *loginDelay {
	// lru.New fails only for a size below 1.
	cache, _ := lru.New[string, *addressFailures](max(1, capacity))
	return &loginDelay{free: free, window: window, capacity: max(1, capacity), now: now, byAddr: cache, delayed: map[string]*addressFailures{}}
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
	f, ok := d.get(key)
	if ok && d.cold(f, now) {
		// Quiet for a whole window after its last delay: start afresh.
		delete(d.delayed, key)
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
	if f.count >= d.free {
		d.protect(key, f, now)
	}
	return true, 0
}

// get finds key's failures in either table.
func (d *loginDelay) get(key string) (*addressFailures, bool) {
	if f, ok := d.delayed[key]; ok {
		return f, true
	}
	return d.byAddr.Get(key)
}

// cold reports whether f has been quiet for a whole window after its last
// wait, so that it may be forgotten.
func (d *loginDelay) cold(f *addressFailures, now time.Time) bool {
	return now.Sub(f.until) >= d.window
}

// protect moves key, whose next attempt is delayed, out of reach of the LRU
// table's eviction, if delayed has room or can make some by sweeping out
// cold entries.
func (d *loginDelay) protect(key string, f *addressFailures, now time.Time) {
	if _, ok := d.delayed[key]; ok {
		return
	}
	if len(d.delayed) >= d.capacity && now.Sub(d.sweptAt) >= firstLoginDelay {
		d.sweptAt = now
		for k, g := range d.delayed {
			if d.cold(g, now) {
				delete(d.delayed, k)
			}
		}
	}
	if len(d.delayed) < d.capacity {
		d.delayed[key] = f
		d.byAddr.Remove(key)
	}
}

// failed records that key's attempt, reserved by begin, failed: its wait
// counts again from now, so a slow password check does not eat into it.
func (d *loginDelay) failed(key string) {
	now := d.now()
	d.mu.Lock()
	defer d.mu.Unlock()
	if f, ok := d.get(key); ok {
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
	delete(d.delayed, key)
}
