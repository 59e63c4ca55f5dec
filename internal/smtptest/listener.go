package smtptest

import (
	"crypto/tls"
	"net"
	"sync"
)

// listener counts and tracks accepted connections, refuses them while the
// server is down, and wraps them in TLS for implicit-TLS servers.
type listener struct {
	net.Listener
	s *Server
}

// Accept implements net.Listener.
func (l *listener) Accept() (net.Conn, error) {
	for {
		nc, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		seq := l.s.dials.Add(1)
		tc := &trackedConn{Conn: nc, s: l.s, seq: seq}

		l.s.connMu.Lock()
		if l.s.down {
			l.s.connMu.Unlock()
			_ = nc.Close()
			continue
		}
		l.s.conns[tc] = struct{}{}
		l.s.connMu.Unlock()

		n := l.s.active.Add(1)
		for {
			m := l.s.maxActive.Load()
			if n <= m || l.s.maxActive.CompareAndSwap(m, n) {
				break
			}
		}
		if l.s.opts.ImplicitTLS {
			// go-smtp runs the handshake itself when it sees a *tls.Conn.
			return tls.Server(tc, l.s.tlsConfig), nil
		}
		return tc, nil
	}
}

// trackedConn keeps the open-connection count exact however the connection
// ends: client close, server close, Down or Close.
type trackedConn struct {
	net.Conn
	s    *Server
	seq  int64
	once sync.Once
}

// Close implements net.Conn.
func (c *trackedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		c.s.connMu.Lock()
		delete(c.s.conns, c)
		c.s.connMu.Unlock()
		c.s.active.Add(-1)
	})
	return err
}

// connSeq finds the accept number of the connection under a go-smtp
// connection, looking through TLS.
func connSeq(nc net.Conn) int64 {
	if tc, ok := nc.(*tls.Conn); ok {
		nc = tc.NetConn()
	}
	if tc, ok := nc.(*trackedConn); ok {
		return tc.seq
	}
	return 0
}
