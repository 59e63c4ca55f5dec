package smtptest

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/todoapp/resetmail/internal/testcert"
)

// DefaultKeepBytes is how much of each message Discard mode keeps when
// Options.KeepBytes is zero.
const DefaultKeepBytes = 512

// Options configures Start. The zero value is a plain server that accepts
// everything and keeps every message.
type Options struct {
	// Latency delays the reply to the end of DATA, like a slow provider.
	// Default 0 answers at once.
	Latency time.Duration
	// TLS generates a self-signed certificate for 127.0.0.1 and localhost
	// and advertises STARTTLS (or, with ImplicitTLS, speaks TLS from the
	// first byte). Clients get the root from RootCAs. Default false.
	TLS bool
	// TLSConfig replaces the generated certificate; setting it implies TLS.
	// Default nil.
	TLSConfig *tls.Config
	// ImplicitTLS speaks TLS from the first byte, like port 465; it implies
	// TLS. Default false.
	ImplicitTLS bool
	// AuthUser and AuthPass, when AuthUser is set, require AUTH with these
	// credentials before MAIL FROM. Default "" needs no AUTH.
	AuthUser, AuthPass string
	// AuthMechanisms are the mechanisms offered when AuthUser is set:
	// "PLAIN", "LOGIN" and/or "XOAUTH2". Default {"PLAIN"}.
	AuthMechanisms []string
	// XOAuth2 checks the bearer token of an AUTH XOAUTH2 for AuthUser
	// (with "XOAUTH2" in AuthMechanisms). Default nil refuses every token.
	XOAuth2 func(token string) bool
	// XOAuth2Microsoft answers a refused token as Exchange Online does (535
	// 5.7.3 at once) rather than as Gmail does (a 334 error challenge, then
	// 535 5.7.8 after the client's empty response). Default false: Gmail.
	XOAuth2Microsoft bool
	// Fault, when set, is consulted at each stage and may inject a reply
	// code, a dropped connection or a delay. Default nil never interferes.
	Fault FaultFunc
	// IdleTimeout closes a connection that sends nothing for this long,
	// after a "421 4.4.2 Idle timeout" reply, like real providers. Default
	// 0 never closes idle connections.
	IdleTimeout time.Duration
	// Discard keeps only the envelope, the time and the first KeepBytes of
	// each message, so that benchmarks of tens of thousands of messages
	// stay small. Default false keeps every message whole.
	Discard bool
	// KeepBytes is how much of each message Discard keeps. Default 512.
	KeepBytes int
	// Domain is the name in the greeting. Default "smtptest.local".
	Domain string
	// Log receives go-smtp's internal error log. Default nil discards it,
	// because dropped connections are expected in fault tests.
	Log io.Writer
}

// Server is a running test SMTP server.
type Server struct {
	opts      Options
	srv       *smtp.Server
	ln        *listener
	tlsConfig *tls.Config
	rootCAs   *x509.CertPool
	done      chan struct{}
	served    chan struct{}
	closeOnce sync.Once

	dials     atomic.Int64
	active    atomic.Int64
	maxActive atomic.Int64

	// connMu guards the set of open connections and the down flag together,
	// so that Down cannot miss a connection accepted at the same moment.
	connMu sync.Mutex
	conns  map[*trackedConn]struct{}
	down   bool

	store store

	seqMu sync.Mutex
	seq   map[string]int64
}

// Start listens on 127.0.0.1 on a free port and serves until Close.
func Start(opts Options) (*Server, error) {
	if opts.KeepBytes == 0 {
		opts.KeepBytes = DefaultKeepBytes
	}
	if opts.AuthUser != "" && len(opts.AuthMechanisms) == 0 {
		opts.AuthMechanisms = []string{"PLAIN"}
	}
	if opts.Domain == "" {
		opts.Domain = "smtptest.local"
	}
	s := &Server{
		opts:   opts,
		done:   make(chan struct{}),
		served: make(chan struct{}),
		conns:  map[*trackedConn]struct{}{},
		seq:    map[string]int64{},
	}
	s.store.init()

	if opts.TLS || opts.TLSConfig != nil || opts.ImplicitTLS {
		s.tlsConfig = opts.TLSConfig
		if s.tlsConfig == nil {
			ca, err := testcert.New("smtptest", []string{"localhost", "127.0.0.1", "::1"})
			if err != nil {
				return nil, err
			}
			s.tlsConfig = &tls.Config{Certificates: []tls.Certificate{ca.Server}, MinVersion: tls.VersionTLS12}
			s.rootCAs = ca.Pool
		}
	}

	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("smtptest: listen: %w", err)
	}
	s.ln = &listener{Listener: tcp, s: s}

	srv := smtp.NewServer(smtp.BackendFunc(s.newSession))
	srv.Domain = opts.Domain
	srv.AllowInsecureAuth = true
	srv.ReadTimeout = opts.IdleTimeout
	srv.MaxMessageBytes = 32 << 20
	srv.TLSConfig = s.tlsConfig
	logOut := opts.Log
	if logOut == nil {
		logOut = io.Discard
	}
	srv.ErrorLog = log.New(logOut, "smtptest: ", 0)
	s.srv = srv

	go func() {
		defer close(s.served)
		_ = srv.Serve(s.ln)
	}()
	return s, nil
}

// NewT starts a server for a test and closes it when the test ends.
func NewT(t testing.TB, opts Options) *Server {
	t.Helper()
	s, err := Start(opts)
	if err != nil {
		t.Fatalf("smtptest: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// Addr returns the listening address as host:port.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Host returns the listening IP, "127.0.0.1".
func (s *Server) Host() string { return s.ln.Addr().(*net.TCPAddr).IP.String() }

// Port returns the listening port.
func (s *Server) Port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// RootCAs returns a pool that trusts the generated certificate, or nil when
// the server has no TLS or uses Options.TLSConfig.
func (s *Server) RootCAs() *x509.CertPool { return s.rootCAs }

// Dials returns how many TCP connections were accepted, including those
// refused while down.
func (s *Server) Dials() int64 { return s.dials.Load() }

// ActiveConns returns how many connections are open now.
func (s *Server) ActiveConns() int64 { return s.active.Load() }

// MaxActiveConns returns the most connections that were open at once.
func (s *Server) MaxActiveConns() int64 { return s.maxActive.Load() }

// Down simulates an outage while keeping the port: open connections are
// closed, and new ones are accepted (and counted by Dials) but closed at
// once without a greeting, so clients see their connection fail.
func (s *Server) Down() {
	s.closeConns(true)
}

// closeConns closes every open connection, optionally marking the server
// down in the same critical section so no new connection slips through.
func (s *Server) closeConns(markDown bool) {
	s.connMu.Lock()
	if markDown {
		s.down = true
	}
	conns := make([]*trackedConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.connMu.Unlock()
	for _, c := range conns {
		_ = c.Close()
	}
}

// Up ends an outage started by Down. It returns an error only after Close.
func (s *Server) Up() error {
	select {
	case <-s.done:
		return errors.New("smtptest: server is closed")
	default:
	}
	s.connMu.Lock()
	s.down = false
	s.connMu.Unlock()
	return nil
}

// Close stops the server, closes every connection and ends pending delays.
func (s *Server) Close() error {
	var err error
	s.closeOnce.Do(func() {
		// Connections close before done is signalled: done wakes sessions
		// held by a Delay, and they must find their connection gone rather
		// than finish the conversation.
		s.closeConns(true)
		err = s.srv.Close()
		// go-smtp closes only the listeners Serve has registered; if Serve
		// has not started yet, closing ours too keeps it from blocking in
		// Accept forever.
		if lerr := s.ln.Close(); lerr != nil && !errors.Is(lerr, net.ErrClosed) && err == nil {
			err = lerr
		}
		close(s.done)
		<-s.served
	})
	return err
}

// nextSeq numbers attempts per stage.
func (s *Server) nextSeq(stage string) int64 {
	s.seqMu.Lock()
	defer s.seqMu.Unlock()
	s.seq[stage]++
	return s.seq[stage]
}

// sleep waits for d, or less when the server closes, so that a delay fault
// never holds a test's cleanup hostage.
func (s *Server) sleep(d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-s.done:
	}
}
