// Package providertest runs in-process HTTP servers that follow the
// documented APIs of the HTTPS mail providers (Resend, Postmark, Amazon SES
// v2): their requests, answers, error bodies, authentication and, for
// Resend, idempotency keys. Tests point the worker at them with
// MAIL_API_URL or AWS_ENDPOINT_URL_SESV2, count what was delivered, and
// inject faults.
package providertest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Provider kinds.
const (
	Resend   = "resend"
	Postmark = "postmark"
	SES      = "ses"
	Graph    = "graph"
)

// Mail is one message the server accepted and delivered.
type Mail struct {
	// From, To and Subject as the provider received them (To is the bare
	// address).
	From, To, Subject string
	// Text and HTML are the parts.
	Text, HTML string
	// Headers are the extra headers sent.
	Headers map[string]string
	// IdempotencyKey is Resend's Idempotency-Key header.
	IdempotencyKey string
	// Raw is the RFC 5322 message, for SES.
	Raw []byte
	// ID is the message ID the server answered (Resend's id, Postmark's
	// MessageID, SES's MessageId), the one its webhooks would carry; ""
	// for Graph, which answers none.
	ID string
	// At is when it was accepted.
	At time.Time
}

// Reply is an answer a Fault injects instead of the normal one.
type Reply struct {
	Status int
	// Code and Message fill the provider's error body: Resend's "name",
	// Postmark's ErrorCode, SES's error type.
	Code, Message string
	// Header is added to the answer, e.g. Retry-After.
	Header http.Header
}

// Fault decides, for the n-th send call (from 1), whether to answer
// something else. Returning nil answers normally.
type Fault func(n int64, r *http.Request) *Reply

// Options configures New.
type Options struct {
	// Kind is Resend, Postmark or SES. Required.
	Kind string
	// Key is the API key (Resend, Postmark) or the AWS access key ID (SES)
	// the server accepts.
	Key string
	// Region is the SES region expected in the signature. Default "eu-west-1".
	Region string
	// TLS serves HTTPS with a self-signed certificate; clients get its root
	// from RootCAs. Default false: plain HTTP on loopback.
	TLS bool
	// Latency delays every send answer. Default 0.
	Latency time.Duration
	// Fault injects answers. Default nil.
	Fault Fault
	// Tokens issues the bearer tokens Graph accepts (with scope
	// https://graph.microsoft.com/.default). Required for Graph.
	Tokens *TokenServer
	// Mailbox is the one user Graph sends as; another is 404
	// ErrorInvalidUser. Default "": any.
	Mailbox string
}

// Server is one fake provider.
type Server struct {
	// URL is the base URL for MAIL_API_URL or AWS_ENDPOINT_URL_SESV2.
	URL string

	opts Options
	srv  *httptest.Server

	mu       sync.Mutex
	key      string
	fault    Fault
	mails    []Mail
	byKey    map[string]idem
	inFlight map[string]bool
	notify   chan struct{}
	auths    []string

	calls, conns, handshakes atomic.Int64
}

type idem struct {
	id   string
	body string
}

// New starts a server and closes it when the test ends.
func New(t testing.TB, o Options) *Server {
	t.Helper()
	s := Start(o)
	t.Cleanup(s.Close)
	return s
}

// Start starts a server; Close stops it.
func Start(o Options) *Server {
	if o.Region == "" {
		o.Region = "eu-west-1"
	}
	s := &Server{opts: o, key: o.Key, fault: o.Fault, byKey: map[string]idem{}, inFlight: map[string]bool{}, notify: make(chan struct{})}
	mux := http.NewServeMux()
	switch o.Kind {
	case Resend:
		a := api{refuse: s.resendError, auth: s.resendAuth}
		mux.HandleFunc("POST /emails", s.send(a, s.resendSend))
		mux.HandleFunc("GET /domains", s.check(a, s.resendDomains))
	case Postmark:
		a := api{refuse: s.postmarkError, auth: s.postmarkAuth}
		mux.HandleFunc("POST /email", s.send(a, s.postmarkSend))
		mux.HandleFunc("GET /server", s.check(a, s.postmarkServer))
	case SES:
		a := api{refuse: s.sesError, auth: s.sesAuth}
		mux.HandleFunc("POST /v2/email/outbound-emails", s.send(a, s.sesSend))
		mux.HandleFunc("GET /v2/email/account", s.check(a, s.sesAccount))
	case Graph:
		mux.HandleFunc("POST /v1.0/users/{user}/sendMail", s.send(api{refuse: s.graphError, auth: s.graphAuth}, s.graphSend))
	default:
		panic("providertest: unknown kind " + o.Kind)
	}
	srv := httptest.NewUnstartedServer(mux)
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	start(srv, o.TLS, &tls.Config{
		MinVersion: tls.VersionTLS12,
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			s.handshakes.Add(1)
			return nil, nil
		},
	})
	s.srv = srv
	s.URL = srv.URL
	return s
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// RootCAs trusts the server's certificate (with TLS).
func (s *Server) RootCAs() *x509.CertPool { return rootCAs(s.srv) }

// SetKey changes the accepted key, as when a key is revoked or rotated.
func (s *Server) SetKey(key string) { set(&s.mu, &s.key, key) }

// SetFault replaces the fault; nil answers normally.
func (s *Server) SetFault(f Fault) { set(&s.mu, &s.fault, f) }

// Mails returns what was delivered, in order.
func (s *Server) Mails() []Mail { return snapshot(&s.mu, &s.mails) }

// Count is the number of delivered mails.
func (s *Server) Count() int { return len(get(&s.mu, &s.mails)) }

// WaitForCount waits until at least n mails were delivered.
func (s *Server) WaitForCount(ctx context.Context, n int) error {
	for {
		s.mu.Lock()
		got, ch := len(s.mails), s.notify
		s.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("providertest: %d of %d mails: %w", got, n, ctx.Err())
		}
	}
}

// Calls counts send calls, faults included.
func (s *Server) Calls() int64 { return s.calls.Load() }

// Connections counts TCP connections accepted.
func (s *Server) Connections() int64 { return s.conns.Load() }

// Handshakes counts TLS handshakes started.
func (s *Server) Handshakes() int64 { return s.handshakes.Load() }

// Authorizations returns the Authorization headers of SES and Graph calls.
func (s *Server) Authorizations() []string { return snapshot(&s.mu, &s.auths) }

// recordAuth keeps r's Authorization header for Authorizations.
func (s *Server) recordAuth(r *http.Request) string {
	auth := r.Header.Get("Authorization")
	s.mu.Lock()
	s.auths = append(s.auths, auth)
	s.mu.Unlock()
	return auth
}

func (s *Server) deliver(m Mail) {
	m.At = time.Now()
	s.mu.Lock()
	s.mails = append(s.mails, m)
	close(s.notify)
	s.notify = make(chan struct{})
	s.mu.Unlock()
}

func (s *Server) currentKey() string { return get(&s.mu, &s.key) }

// injected runs the fault for a send call.
func (s *Server) injected(r *http.Request) *Reply {
	n := s.calls.Add(1)
	if s.opts.Latency > 0 {
		time.Sleep(s.opts.Latency)
	}
	f := get(&s.mu, &s.fault)
	if f == nil {
		return nil
	}
	return f(n, r)
}

// api is one provider's way of turning a call away: its error body, and
// its check of the caller's credentials, which writes the refusal itself.
type api struct {
	refuse func(http.ResponseWriter, Reply)
	auth   func(http.ResponseWriter, *http.Request) bool
}

// send is a send call: the injected fault comes first, as a provider that
// is down or throttling answers before it looks at the key, then the
// credentials, then h.
func (s *Server) send(a api, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if rep := s.injected(r); rep != nil {
			a.refuse(w, *rep)
			return
		}
		if a.auth(w, r) {
			h(w, r)
		}
	}
}

// check is a call that sends nothing (the key checks of check-mail): no
// fault, not counted, credentials then h.
func (s *Server) check(a api, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if a.auth(w, r) {
			h(w, r)
		}
	}
}

func writeJSON(w http.ResponseWriter, status int, h http.Header, v any) {
	for k, vs := range h {
		w.Header()[k] = vs
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// bareAddress is the address in "Name <addr>", or the value as it is.
func bareAddress(to string) string {
	if i := strings.LastIndexByte(to, '<'); i >= 0 {
		return strings.TrimSuffix(to[i+1:], ">")
	}
	return to
}
