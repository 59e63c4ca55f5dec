package smtptest

import (
	"context"
	"sync"
	"time"
)

// Received is one message the server accepted.
type Received struct {
	// From is the envelope sender.
	From string
	// To are the envelope recipients.
	To []string
	// Data is the message as received (dot-unstuffed), or only its first
	// Options.KeepBytes bytes in Discard mode.
	Data []byte
	// Size is the full size of the message in bytes.
	Size int
	// At is when the server accepted the message.
	At time.Time
	// TLS reports whether the session was encrypted (STARTTLS or implicit).
	TLS bool
}

// store keeps received messages and wakes WaitForCount callers.
type store struct {
	mu      sync.Mutex
	msgs    []Received
	waiters []waiter
}

// waiter is one WaitForCount call waiting for n messages.
type waiter struct {
	n  int
	ch chan struct{}
}

// init prepares an empty store.
func (st *store) init() {
	st.msgs = make([]Received, 0, 64)
}

// add records a message and wakes the waiters it satisfies.
func (st *store) add(r Received) {
	st.mu.Lock()
	st.msgs = append(st.msgs, r)
	n := len(st.msgs)
	kept := st.waiters[:0]
	for _, w := range st.waiters {
		if n >= w.n {
			close(w.ch)
		} else {
			kept = append(kept, w)
		}
	}
	clear(st.waiters[len(kept):])
	st.waiters = kept
	st.mu.Unlock()
}

// Messages returns a copy of the list of received messages, oldest first.
// The Data slices are shared and must not be modified.
func (s *Server) Messages() []Received {
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	out := make([]Received, len(s.store.msgs))
	copy(out, s.store.msgs)
	return out
}

// Count returns how many messages the server accepted.
func (s *Server) Count() int {
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	return len(s.store.msgs)
}

// WaitForCount blocks until the server accepted at least n messages or ctx
// ends, whichever comes first.
func (s *Server) WaitForCount(ctx context.Context, n int) error {
	s.store.mu.Lock()
	if len(s.store.msgs) >= n {
		s.store.mu.Unlock()
		return nil
	}
	w := waiter{n: n, ch: make(chan struct{})}
	s.store.waiters = append(s.store.waiters, w)
	s.store.mu.Unlock()
	select {
	case <-w.ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
