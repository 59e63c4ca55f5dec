// Package neontest is an in-process stand-in for Neon's WebSocket endpoint
// (wss://<endpoint-host>/v2), built from Neon's documentation, its proxy
// (neondatabase/neon, proxy/src/serverless and proxy/src/pglb) and its JS
// driver (@neondatabase/serverless). It does what that endpoint does, as far
// as a client can tell:
//
//   - TLS with a certificate from a test CA (CAFile, for SSL_CERT_FILE);
//   - an HTTP/1.1 WebSocket upgrade on any path;
//   - the endpoint taken from the first label of the Host header ("-pooler"
//     included), which must agree with an options=endpoint=… if both are
//     given; for an IP address Host, options=endpoint=… alone names it;
//   - binary frames only: a text frame ends the connection; replies cut into
//     frames at odd sizes, because frame boundaries carry no meaning; pings
//     sent (PingEvery) and answered;
//   - an SSLRequest or GSSENCRequest answered N, since there is no TLS
//     inside;
//   - cleartext password authentication checked by the stand-in itself,
//     then the startup message (with endpoint= removed from options) replayed
//     to the server behind the endpoint: local Postgres for a direct host,
//     PgBouncer for a "-pooler" one; then a byte pipe;
//   - a CancelRequest forwarded to the same server.
//
// What it cannot reproduce: the real endpoint and its certificate chain,
// SNI-based routing in front of the proxy, the compute's suspend and
// wake-up latency (a suspended compute takes a few hundred milliseconds to
// a few seconds to answer the first connection), Neon's own connection
// limits and rate limits, its cancel-key mapping (here the server's own key
// passes through), its password hashing (SCRAM verification on the proxy),
// network latency and loss between a Space and Neon, and proxy restarts
// that drop established sessions.
package neontest

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/todoapp/resetmail/internal/testcert"
)

// Domain is the parent domain of the endpoint names the certificate covers
// (*.neon.test). It never resolves; tests reach it through DialTCP.
const Domain = "neon.test"

// Options configure a stand-in.
type Options struct {
	// Endpoints maps an endpoint ID, the first label of Host (for example
	// "ep-quiet-fog-123456" or "ep-quiet-fog-123456-pooler", or "localhost"),
	// to the host:port of the server behind it.
	Endpoints map[string]string
	// Password is the one every role must send.
	Password string
	// WholeFrames sends each reply in one frame, as Neon's proxy does
	// for each write, instead of cutting it at odd sizes; the benchmark
	// uses it so that the stand-in's own cutting is not measured.
	WholeFrames bool
	// PingEvery, when positive, makes the stand-in ping each client at this
	// interval; a client that does not answer is dropped.
	PingEvery time.Duration
}

// Stats count what the stand-in saw.
type Stats struct {
	// Upgrades is WebSocket upgrades accepted.
	Upgrades int64
	// Sessions is connections that authenticated and reached the server
	// behind the endpoint; Closed is how many of those have ended.
	Sessions, Closed int64
	// Refused is connections ended by the stand-in before the pipe: wrong
	// password, unknown or inconsistent endpoint, protocol violations.
	Refused int64
	// Cancels is cancel requests forwarded.
	Cancels int64
	// Pongs is pings the clients answered.
	Pongs int64
	// TextFrames is connections ended because the client sent text.
	TextFrames int64
}

// Server is a running stand-in.
type Server struct {
	// URL is wss://localhost:<port>/v2.
	URL string
	// Addr is the listener's host:port.
	Addr string
	// CAFile holds the test CA in PEM, for SSL_CERT_FILE.
	CAFile string

	o     Options
	dir   string
	ca    *testcert.Authority
	srv   *httptest.Server
	stats struct {
		upgrades, sessions, closed, refused, cancels, pongs, text atomic.Int64
	}
	lastErr atomic.Value
}

// Start runs a stand-in until t ends.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// New runs a stand-in until Close, for programs (the benchmark) that have
// no testing.TB.
func New(o Options) (*Server, error) {
	ca, err := testcert.New("neontest", []string{"localhost", "127.0.0.1", "*." + Domain})
	if err != nil {
		return nil, err
	}
	s := &Server{o: o, ca: ca}
	dir, err := os.MkdirTemp("", "neontest-")
	if err != nil {
		return nil, err
	}
	s.dir = dir
	s.CAFile = filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(s.CAFile, ca.PEM, 0o600); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.srv.TLS = &tls.Config{Certificates: []tls.Certificate{ca.Server}, NextProtos: []string{"http/1.1"}}
	s.srv.StartTLS()
	s.Addr = s.srv.Listener.Addr().String()
	_, port, _ := net.SplitHostPort(s.Addr)
	s.URL = "wss://localhost:" + port + "/v2"
	return s, nil
}

// Close stops the stand-in and ends its sessions.
func (s *Server) Close() {
	s.srv.CloseClientConnections()
	s.srv.Close()
	_ = os.RemoveAll(s.dir)
}

// ClientTLS trusts the stand-in's CA, for in-process clients.
func (s *Server) ClientTLS() *tls.Config { return &tls.Config{RootCAs: s.ca.Pool} }

// DialTCP reaches the stand-in whatever address is asked for, so that an
// in-process client can use a Neon-like host name under Domain.
func (s *Server) DialTCP(ctx context.Context, network, _ string) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, network, s.Addr)
}

// Stats returns the counters so far.
func (s *Server) Stats() Stats {
	return Stats{
		Upgrades: s.stats.upgrades.Load(), Sessions: s.stats.sessions.Load(), Closed: s.stats.closed.Load(),
		Refused: s.stats.refused.Load(), Cancels: s.stats.cancels.Load(), Pongs: s.stats.pongs.Load(),
		TextFrames: s.stats.text.Load(),
	}
}

// LastError is the last reason the stand-in gave for refusing a connection.
func (s *Server) LastError() string {
	v, _ := s.lastErr.Load().(string)
	return v
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		return // Accept has answered the failed upgrade.
	}
	s.stats.upgrades.Add(1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	client := websocket.NetConn(ctx, ws, websocket.MessageBinary)
	defer client.Close()
	if s.o.PingEvery > 0 {
		go s.ping(ctx, ws)
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if err := s.session(client, host); err != nil && strings.Contains(err.Error(), "unexpected frame type") {
		// NetConn closed the socket with StatusUnsupportedData.
		s.stats.text.Add(1)
	}
}

// ConsoleURL is directURL as Neon's console shows a connection string: the
// endpoint host (port 5432), the role's password, and
// sslmode=require&channel_binding=require, which the WebSocket transport
// must override.
func ConsoleURL(directURL, host, password string) (string, error) {
	u, err := url.Parse(directURL)
	if err != nil {
		return "", err
	}
	u.Host = net.JoinHostPort(host, "5432")
	u.User = url.UserPassword(u.User.Username(), password)
	q := u.Query()
	q.Set("sslmode", "require")
	q.Set("channel_binding", "require")
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func (s *Server) ping(ctx context.Context, ws *websocket.Conn) {
	tick := time.NewTicker(s.o.PingEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := ws.Ping(pctx)
		cancel()
		if err != nil {
			if ctx.Err() == nil {
				_ = ws.Close(websocket.StatusPolicyViolation, "no pong")
			}
			return
		}
		s.stats.pongs.Add(1)
	}
}

// Startup request codes (PostgreSQL protocol, "Message Formats").
const (
	codeSSL     = 80877103
	codeGSSENC  = 80877104
	codeCancel  = 80877102
	codeVersion = 3 << 16
)

// session runs the Postgres startup on the client's byte stream, then pipes
// it to the endpoint's server.
func (s *Server) session(client net.Conn, host string) error {
	var startup []byte
	for startup == nil {
		body, err := readStartup(client)
		if err != nil {
			return s.refuse(nil, err.Error())
		}
		code := binary.BigEndian.Uint32(body)
		switch {
		case code == codeSSL || code == codeGSSENC:
			if _, err := client.Write([]byte{'N'}); err != nil {
				return err
			}
		case code == codeCancel:
			return s.cancel(host, body)
		case code>>16 == 3:
			startup = body
		default:
			return s.refuse(client, fmt.Sprintf("unsupported startup code %d", code))
		}
	}
	var msg pgproto3.StartupMessage
	if err := msg.Decode(startup); err != nil {
		return s.refuse(client, "malformed startup message")
	}
	endpoint, problem := s.endpoint(host, msg.Parameters["options"])
	if problem != "" {
		return s.refuse(client, problem)
	}
	upstream, ok := s.o.Endpoints[endpoint]
	if !ok {
		return s.refuse(client, fmt.Sprintf("endpoint %q not found", endpoint))
	}
	if err := s.authenticate(client, msg.Parameters["user"]); err != nil {
		return err
	}
	msg.Parameters["options"] = withoutEndpoint(msg.Parameters["options"])
	if msg.Parameters["options"] == "" {
		delete(msg.Parameters, "options")
	}
	server, err := net.DialTimeout("tcp", upstream, 5*time.Second)
	if err != nil {
		return s.refuse(client, "cannot reach the compute: "+err.Error())
	}
	defer server.Close()
	replay, err := msg.Encode(nil)
	if err != nil {
		return s.refuse(client, "cannot encode the startup message")
	}
	if _, err := server.Write(replay); err != nil {
		return err
	}
	s.stats.sessions.Add(1)
	defer s.stats.closed.Add(1)
	done := make(chan error, 2)
	go func() {
		_, err := io.Copy(server, client)
		done <- err
	}()
	go func() {
		var w io.Writer = &chopper{w: client}
		if s.o.WholeFrames {
			w = client
		}
		_, err := io.Copy(w, server)
		done <- err
	}()
	err = <-done
	_ = server.Close()
	_ = client.Close()
	<-done
	return err
}

// readStartup reads one length-prefixed startup packet (no type byte) and
// returns what follows the length.
func readStartup(r io.Reader) ([]byte, error) {
	var head [4]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return nil, fmt.Errorf("reading the startup packet: %w", err)
	}
	n := binary.BigEndian.Uint32(head[:])
	if n < 8 || n > 10000 {
		return nil, fmt.Errorf("startup packet of %d bytes", n)
	}
	body := make([]byte, n-4)
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, fmt.Errorf("reading the startup packet: %w", err)
	}
	return body, nil
}

// endpoint names the endpoint from Host's first label, or from
// options=endpoint=… when Host is an IP address; both must agree.
func (s *Server) endpoint(host, options string) (string, string) {
	option := ""
	for _, f := range strings.Fields(options) {
		if v, ok := strings.CutPrefix(f, "endpoint="); ok {
			option = v
		}
	}
	fromHost := ""
	if net.ParseIP(host) == nil {
		fromHost, _, _ = strings.Cut(strings.ToLower(host), ".")
	}
	switch {
	case fromHost != "" && option != "" && fromHost != option:
		return "", fmt.Sprintf("inconsistent endpoint: Host names %q, options name %q", fromHost, option)
	case fromHost != "":
		return fromHost, ""
	case option != "":
		return option, ""
	}
	return "", "no endpoint: Host is an IP address and options carry no endpoint="
}

func withoutEndpoint(options string) string {
	var keep []string
	for _, f := range strings.Fields(options) {
		if !strings.HasPrefix(f, "endpoint=") && !strings.HasPrefix(f, "project=") {
			keep = append(keep, f)
		}
	}
	return strings.Join(keep, " ")
}

// authenticate asks for a cleartext password, as Neon does over WebSocket,
// and checks it.
func (s *Server) authenticate(client net.Conn, user string) error {
	ask, _ := (&pgproto3.AuthenticationCleartextPassword{}).Encode(nil)
	if _, err := client.Write(ask); err != nil {
		return err
	}
	var head [5]byte
	if _, err := io.ReadFull(client, head[:]); err != nil {
		return s.refuse(nil, "no password message: "+err.Error())
	}
	n := binary.BigEndian.Uint32(head[1:])
	if head[0] != 'p' || n < 5 || n > 10000 {
		return s.refuse(client, "expected a password message")
	}
	body := make([]byte, n-4)
	if _, err := io.ReadFull(client, body); err != nil {
		return s.refuse(nil, "no password message: "+err.Error())
	}
	if string(body) != s.o.Password+"\x00" {
		return s.refuseCode(client, "28P01", fmt.Sprintf("password authentication failed for user %q", user))
	}
	return nil
}

// cancel forwards a cancel request to the endpoint's server.
func (s *Server) cancel(host string, body []byte) error {
	endpoint, _ := s.endpoint(host, "")
	upstream, ok := s.o.Endpoints[endpoint]
	if !ok {
		return s.refuse(nil, "cancel request for an unknown endpoint")
	}
	server, err := net.DialTimeout("tcp", upstream, 5*time.Second)
	if err != nil {
		return err
	}
	defer server.Close()
	packet := binary.BigEndian.AppendUint32(nil, uint32(len(body)+4))
	// Counted before it is sent, so that a test that sees the cancelled
	// statement's error also sees the count.
	s.stats.cancels.Add(1)
	if _, err := server.Write(append(packet, body...)); err != nil {
		return err
	}
	// The server closes the connection once it has read the request.
	_, _ = io.Copy(io.Discard, server)
	return nil
}

func (s *Server) refuse(client net.Conn, reason string) error {
	return s.refuseCode(client, "08004", reason)
}

// refuseCode sends a FATAL ErrorResponse (when the client is still there)
// and ends the connection.
func (s *Server) refuseCode(client net.Conn, code, reason string) error {
	s.stats.refused.Add(1)
	s.lastErr.Store(reason)
	if client != nil {
		msg, _ := (&pgproto3.ErrorResponse{Severity: "FATAL", SeverityUnlocalized: "FATAL", Code: code, Message: reason}).Encode(nil)
		_, _ = client.Write(msg)
	}
	return errors.New(reason)
}

// chopper writes each reply as several binary messages at odd sizes, since
// Neon's frame boundaries carry no meaning and a client must not rely on
// them.
type chopper struct {
	w io.Writer
	i int
	// mu guards i; io.Copy calls Write from one goroutine, but keep it safe.
	mu sync.Mutex
}

var chopSizes = []int{1, 7, 3, 509, 13, 4099, 2, 64}

func (c *chopper) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	written := 0
	for len(p) > 0 {
		n := min(chopSizes[c.i%len(chopSizes)], len(p))
		c.i++
		if _, err := c.w.Write(p[:n]); err != nil {
			return written, err
		}
		written += n
		p = p[n:]
	}
	return written, nil
}
