package smtptest

import (
	"fmt"
	"net"
	"sync"
	"sync/atomic"
)

// Blackhole accepts TCP connections and never says a word, like a hung
// server or a firewall that lets SYNs through. Clients must rely on their
// own deadlines.
type Blackhole struct {
	ln    net.Listener
	dials atomic.Int64
	done  chan struct{}

	mu    sync.Mutex
	conns []net.Conn
}

// StartBlackhole listens on 127.0.0.1 on a free port.
func StartBlackhole() (*Blackhole, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("smtptest: listen: %w", err)
	}
	b := &Blackhole{ln: ln, done: make(chan struct{})}
	go b.serve()
	return b, nil
}

// serve holds every connection open until Close.
func (b *Blackhole) serve() {
	defer close(b.done)
	for {
		c, err := b.ln.Accept()
		if err != nil {
			return
		}
		b.dials.Add(1)
		b.mu.Lock()
		b.conns = append(b.conns, c)
		b.mu.Unlock()
	}
}

// Addr returns the listening address as host:port.
func (b *Blackhole) Addr() string { return b.ln.Addr().String() }

// Host returns the listening IP.
func (b *Blackhole) Host() string { return b.ln.Addr().(*net.TCPAddr).IP.String() }

// Port returns the listening port.
func (b *Blackhole) Port() int { return b.ln.Addr().(*net.TCPAddr).Port }

// Dials returns how many connections were accepted.
func (b *Blackhole) Dials() int64 { return b.dials.Load() }

// Close stops listening and closes every held connection.
func (b *Blackhole) Close() error {
	err := b.ln.Close()
	<-b.done
	b.mu.Lock()
	for _, c := range b.conns {
		_ = c.Close()
	}
	b.conns = nil
	b.mu.Unlock()
	return err
}
