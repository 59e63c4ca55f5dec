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
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
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
		mux.HandleFunc("POST /emails", s.resendSend)
		mux.HandleFunc("GET /domains", s.resendDomains)
	case Postmark:
		mux.HandleFunc("POST /email", s.postmarkSend)
		mux.HandleFunc("GET /server", s.postmarkServer)
	case SES:
		mux.HandleFunc("POST /v2/email/outbound-emails", s.sesSend)
		mux.HandleFunc("GET /v2/email/account", s.sesAccount)
	case Graph:
		mux.HandleFunc("POST /v1.0/users/{user}/sendMail", s.graphSend)
	default:
		panic("providertest: unknown kind " + o.Kind)
	}
	srv := httptest.NewUnstartedServer(mux)
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	if o.TLS {
		srv.TLS = &tls.Config{
			MinVersion: tls.VersionTLS12,
			GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
				s.handshakes.Add(1)
				return nil, nil
			},
		}
		srv.StartTLS()
	} else {
		srv.Start()
	}
	s.srv = srv
	s.URL = srv.URL
	return s
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// RootCAs trusts the server's certificate (with TLS).
func (s *Server) RootCAs() *x509.CertPool {
	pool := x509.NewCertPool()
	if s.srv.Certificate() != nil {
		pool.AddCert(s.srv.Certificate())
	}
	return pool
}

// SetKey changes the accepted key, as when a key is revoked or rotated.
func (s *Server) SetKey(key string) {
	s.mu.Lock()
	s.key = key
	s.mu.Unlock()
}

// SetFault replaces the fault; nil answers normally.
func (s *Server) SetFault(f Fault) {
	s.mu.Lock()
	s.fault = f
	s.mu.Unlock()
}

// Mails returns what was delivered, in order.
func (s *Server) Mails() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.mails...)
}

// Count is the number of delivered mails.
func (s *Server) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.mails)
}

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

// Authorizations returns the Authorization headers of SES calls.
func (s *Server) Authorizations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.auths...)
}

func (s *Server) deliver(m Mail) {
	m.At = time.Now()
	s.mu.Lock()
	s.mails = append(s.mails, m)
	close(s.notify)
	s.notify = make(chan struct{})
	s.mu.Unlock()
}

func (s *Server) currentKey() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.key
}

// injected runs the fault for a send call.
func (s *Server) injected(r *http.Request) *Reply {
	n := s.calls.Add(1)
	if s.opts.Latency > 0 {
		time.Sleep(s.opts.Latency)
	}
	s.mu.Lock()
	f := s.fault
	s.mu.Unlock()
	if f == nil {
		return nil
	}
	return f(n, r)
}

func writeJSON(w http.ResponseWriter, status int, h http.Header, v any) {
	for k, vs := range h {
		w.Header()[k] = vs
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Resend: POST /emails with a Bearer key; errors are
// {"statusCode","name","message"}.

func (s *Server) resendError(w http.ResponseWriter, rep Reply) {
	writeJSON(w, rep.Status, rep.Header, map[string]any{"statusCode": rep.Status, "name": rep.Code, "message": rep.Message})
}

func (s *Server) resendAuth(w http.ResponseWriter, r *http.Request) bool {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		s.resendError(w, Reply{Status: 401, Code: "missing_api_key", Message: "Missing API key in the authorization header."})
		return false
	}
	if auth != "Bearer "+s.currentKey() {
		s.resendError(w, Reply{Status: 401, Code: "validation_error", Message: "API key is invalid"})
		return false
	}
	return true
}

type resendBody struct {
	From    string            `json:"from"`
	To      []string          `json:"to"`
	Subject string            `json:"subject"`
	HTML    string            `json:"html"`
	Text    string            `json:"text"`
	Headers map[string]string `json:"headers"`
}

func (s *Server) resendSend(w http.ResponseWriter, r *http.Request) {
	if rep := s.injected(r); rep != nil {
		s.resendError(w, *rep)
		return
	}
	if !s.resendAuth(w, r) {
		return
	}
	raw, _ := io.ReadAll(r.Body)
	var b resendBody
	if err := json.Unmarshal(raw, &b); err != nil || b.From == "" || len(b.To) == 0 || b.Subject == "" {
		s.resendError(w, Reply{Status: 422, Code: "missing_required_field", Message: "Missing `to`, `from` or `subject` field."})
		return
	}
	key := r.Header.Get("Idempotency-Key")
	if len(key) > 256 {
		s.resendError(w, Reply{Status: 400, Code: "invalid_idempotency_key", Message: "The key must be between 1-256 chars."})
		return
	}
	if key != "" {
		s.mu.Lock()
		prev, seen := s.byKey[key]
		busy := s.inFlight[key]
		if !seen && !busy {
			s.inFlight[key] = true
		}
		s.mu.Unlock()
		switch {
		case busy:
			s.resendError(w, Reply{Status: 409, Code: "concurrent_idempotent_requests", Message: "Same idempotency key used while original request is still in progress."})
			return
		case seen && prev.body != string(raw):
			s.resendError(w, Reply{Status: 409, Code: "invalid_idempotent_request", Message: "Same idempotency key used with a different request payload."})
			return
		case seen:
			// A repeat within 24 hours returns the first email's id and
			// sends nothing.
			writeJSON(w, 200, nil, map[string]string{"id": prev.id})
			return
		}
	}
	id := fmt.Sprintf("re_%d", s.calls.Load())
	to := bareAddress(b.To[0])
	s.deliver(Mail{From: b.From, To: to, Subject: b.Subject, Text: b.Text, HTML: b.HTML, Headers: b.Headers, IdempotencyKey: key, ID: id})
	if key != "" {
		s.mu.Lock()
		s.byKey[key] = idem{id: id, body: string(raw)}
		delete(s.inFlight, key)
		s.mu.Unlock()
	}
	writeJSON(w, 200, nil, map[string]string{"id": id})
}

func (s *Server) resendDomains(w http.ResponseWriter, r *http.Request) {
	if !s.resendAuth(w, r) {
		return
	}
	writeJSON(w, 200, nil, map[string]any{"object": "list", "data": []map[string]string{{"name": "example.com", "status": "verified"}}})
}

// Postmark: POST /email with X-Postmark-Server-Token; every answer carries
// {"ErrorCode","Message"}, 0 meaning success.

func (s *Server) postmarkError(w http.ResponseWriter, rep Reply) {
	code := 0
	_, _ = fmt.Sscan(rep.Code, &code)
	writeJSON(w, rep.Status, rep.Header, map[string]any{"ErrorCode": code, "Message": rep.Message})
}

func (s *Server) postmarkAuth(w http.ResponseWriter, r *http.Request) bool {
	if r.Header.Get("X-Postmark-Server-Token") != s.currentKey() {
		s.postmarkError(w, Reply{Status: 401, Code: "10", Message: "The Server Token you provided in the X-Postmark-Server-Token request header was invalid. Please verify that you are using a valid token."})
		return false
	}
	return true
}

func (s *Server) postmarkSend(w http.ResponseWriter, r *http.Request) {
	if rep := s.injected(r); rep != nil {
		s.postmarkError(w, *rep)
		return
	}
	if !s.postmarkAuth(w, r) {
		return
	}
	var b struct {
		From, To, Subject, HtmlBody, TextBody, MessageStream string
		Headers                                              []struct{ Name, Value string }
	}
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
		s.postmarkError(w, Reply{Status: 422, Code: "402", Message: "Invalid JSON"})
		return
	}
	if b.To == "" || !strings.Contains(b.To, "@") {
		s.postmarkError(w, Reply{Status: 422, Code: "300", Message: "Invalid 'To' address."})
		return
	}
	if b.MessageStream != "" && b.MessageStream != "outbound" && b.MessageStream != "broadcast" && !strings.HasPrefix(b.MessageStream, "test") {
		s.postmarkError(w, Reply{Status: 422, Code: "1235", Message: "The message stream for the provided 'ID' was not found."})
		return
	}
	to := bareAddress(b.To)
	headers := map[string]string{}
	for _, h := range b.Headers {
		headers[h.Name] = h.Value
	}
	id := fmt.Sprintf("pm-%d", s.calls.Load())
	s.deliver(Mail{From: b.From, To: to, Subject: b.Subject, Text: b.TextBody, HTML: b.HtmlBody, Headers: headers, ID: id})
	writeJSON(w, 200, nil, map[string]any{"To": b.To, "SubmittedAt": time.Now().Format(time.RFC3339), "MessageID": id, "ErrorCode": 0, "Message": "OK"})
}

func (s *Server) postmarkServer(w http.ResponseWriter, r *http.Request) {
	if !s.postmarkAuth(w, r) {
		return
	}
	writeJSON(w, 200, nil, map[string]any{"ID": 1, "Name": "resetmail", "ApiTokens": []string{"(hidden)"}})
}

// SES v2: REST-JSON signed with SigV4; errors carry X-Amzn-ErrorType and
// {"message"}.

func (s *Server) sesError(w http.ResponseWriter, rep Reply) {
	h := http.Header{}
	for k, v := range rep.Header {
		h[k] = v
	}
	h.Set("X-Amzn-ErrorType", rep.Code)
	writeJSON(w, rep.Status, h, map[string]string{"message": rep.Message})
}

// sesAuth checks that the request carries a SigV4 Authorization header for
// the expected access key, region and service. It does not recompute the
// signature: the SDK computes it, and the shape proves it signed.
func (s *Server) sesAuth(w http.ResponseWriter, r *http.Request) bool {
	auth := r.Header.Get("Authorization")
	s.mu.Lock()
	s.auths = append(s.auths, auth)
	s.mu.Unlock()
	prefix := "AWS4-HMAC-SHA256 Credential=" + s.currentKey() + "/"
	scope := "/" + s.opts.Region + "/ses/aws4_request"
	if !strings.HasPrefix(auth, prefix) {
		s.sesError(w, Reply{Status: 403, Code: "UnrecognizedClientException", Message: "The security token included in the request is invalid."})
		return false
	}
	if !strings.Contains(auth, scope+",") || !strings.Contains(auth, "SignedHeaders=") || !strings.Contains(auth, "Signature=") || r.Header.Get("X-Amz-Date") == "" {
		s.sesError(w, Reply{Status: 403, Code: "SignatureDoesNotMatch", Message: "The request signature we calculated does not match the signature you provided."})
		return false
	}
	return true
}

func (s *Server) sesSend(w http.ResponseWriter, r *http.Request) {
	if rep := s.injected(r); rep != nil {
		s.sesError(w, *rep)
		return
	}
	if !s.sesAuth(w, r) {
		return
	}
	var b struct {
		FromEmailAddress string
		Destination      struct{ ToAddresses []string }
		Content          struct {
			Raw *struct{ Data []byte }
		}
		ConfigurationSetName string
	}
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil || b.Content.Raw == nil || len(b.Destination.ToAddresses) == 0 {
		s.sesError(w, Reply{Status: 400, Code: "BadRequestException", Message: "Invalid request"})
		return
	}
	m, err := parseRaw(b.Content.Raw.Data)
	if err != nil {
		s.sesError(w, Reply{Status: 400, Code: "MessageRejected", Message: "Could not parse message: " + err.Error()})
		return
	}
	m.To = b.Destination.ToAddresses[0]
	m.ID = fmt.Sprintf("ses-%d", s.calls.Load())
	s.deliver(m)
	writeJSON(w, 200, nil, map[string]string{"MessageId": m.ID})
}

func (s *Server) sesAccount(w http.ResponseWriter, r *http.Request) {
	if !s.sesAuth(w, r) {
		return
	}
	writeJSON(w, 200, nil, map[string]any{
		"ProductionAccessEnabled": false,
		"SendingEnabled":          true,
		"EnforcementStatus":       "HEALTHY",
		"SendQuota":               map[string]float64{"Max24HourSend": 200, "MaxSendRate": 1, "SentLast24Hours": 3},
	})
}

// bareAddress is the address in "Name <addr>", or the value as it is.
func bareAddress(to string) string {
	if i := strings.LastIndexByte(to, '<'); i >= 0 {
		return strings.TrimSuffix(to[i+1:], ">")
	}
	return to
}

// Graph: POST /v1.0/users/{id}/sendMail with a Bearer token; the MIME form
// (Content-Type text/plain, base64 body) answers 202 with no body; errors
// are {"error":{"code","message"}}. What this stand-in cannot reproduce:
// the checks of a real JWT (tenant, audience, roles), application access
// policies that limit an app to some mailboxes, the copy in Sent Items,
// and non-delivery reports for recipients Exchange accepts and later
// bounces.

// graphScope is the scope Graph's app-only tokens carry.
const graphScope = "https://graph.microsoft.com/.default"

func (s *Server) graphError(w http.ResponseWriter, rep Reply) {
	writeJSON(w, rep.Status, rep.Header, map[string]any{"error": map[string]any{
		"code": rep.Code, "message": rep.Message,
		"innerError": map[string]string{"date": time.Now().UTC().Format("2006-01-02T15:04:05"), "request-id": "0000aaaa-1111-bbbb-2222-cccc3333dddd"},
	}})
}

func (s *Server) graphSend(w http.ResponseWriter, r *http.Request) {
	if rep := s.injected(r); rep != nil {
		s.graphError(w, *rep)
		return
	}
	bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	s.auths = append(s.auths, r.Header.Get("Authorization"))
	s.mu.Unlock()
	switch {
	case !ok || bearer == "":
		s.graphError(w, Reply{Status: 401, Code: "InvalidAuthenticationToken", Message: "Access token is empty."})
		return
	case s.opts.Tokens == nil || !s.opts.Tokens.Valid(bearer, graphScope, ""):
		s.graphError(w, Reply{Status: 401, Code: "InvalidAuthenticationToken", Message: "Access token has expired or is not yet valid."})
		return
	}
	user := r.PathValue("user")
	if s.opts.Mailbox != "" && !strings.EqualFold(user, s.opts.Mailbox) {
		s.graphError(w, Reply{Status: 404, Code: "ErrorInvalidUser", Message: "The requested user '" + user + "' is invalid."})
		return
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/plain") {
		s.graphError(w, Reply{Status: 400, Code: "ErrorInvalidRequest", Message: "This test server takes the MIME form only (Content-Type: text/plain)."})
		return
	}
	b64, _ := io.ReadAll(r.Body)
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b64)))
	if err != nil {
		s.graphError(w, Reply{Status: 400, Code: "ErrorMimeContentInvalidBase64String", Message: "Invalid base64 string for MIME content."})
		return
	}
	m, err := parseRaw(raw)
	if err != nil {
		s.graphError(w, Reply{Status: 400, Code: "ErrorMimeContentInvalid", Message: "The MIME content is invalid."})
		return
	}
	to, _ := mail.ParseAddress(m.Headers["To"])
	if to == nil {
		s.graphError(w, Reply{Status: 400, Code: "ErrorInvalidRecipients", Message: "At least one recipient is not valid."})
		return
	}
	m.To = to.Address
	s.deliver(m)
	w.WriteHeader(http.StatusAccepted)
}
