// Package pgws carries the Postgres wire protocol over a WebSocket, the way
// Neon serves it on port 443 (wss://<endpoint-host>/v2), for hosts that
// block outbound port 5432, such as Hugging Face Spaces.
//
// It plugs into pgx as a DialFunc: pgx speaks the ordinary protocol over a
// net.Conn that this package builds on top of a WebSocket. Three rules come
// from Neon's proxy (neondatabase/neon, proxy/src/serverless) and its JS
// driver (@neondatabase/serverless):
//
//   - the socket is TLS, verified against the system roots (Go honours
//     SSL_CERT_FILE), then an HTTP/1.1 upgrade; the endpoint is read from
//     the first label of the Host header, so Host is the database's host
//     name (or DATABASE_WEBSOCKET_URL's host when that overrides the URL);
//   - frames are binary and their boundaries mean nothing;
//   - there is no TLS inside (an SSLRequest is answered N) and the password
//     is sent in clear, inside the outer TLS: Configure forces sslmode=disable
//     and no channel binding on the inner connection, whatever the pasted
//     connection string says.
//
// pgx and River need read deadlines that behave like TCP's: River cancels
// its wait for notifications every few seconds and then uses the same
// connection. A WebSocket library closes the socket when a read deadline
// fires, so pgx never sees the WebSocket: it gets one end of a net.Pipe,
// whose deadlines time out and leave the pipe usable, and two goroutines
// pump bytes between the other end and the socket.
package pgws

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/jackc/pgx/v5/pgconn"
)

// Path is the path Neon's JS driver upgrades on; Neon accepts any.
const Path = "/v2"

// Dialer opens Postgres connections over a WebSocket.
type Dialer struct {
	// fixed is DATABASE_WEBSOCKET_URL; nil derives wss://<host>/v2 from the
	// address pgx dials.
	fixed  *url.URL
	client *http.Client
}

// Options are what tests change; the zero value is what the binaries use.
type Options struct {
	// TLS is the client TLS configuration. Nil verifies against the system
	// roots. Tests pass their own CA here; the binaries read it from
	// SSL_CERT_FILE instead.
	TLS *tls.Config
	// DialTCP opens the TCP connection under TLS. Nil uses net.Dialer.
	// Tests use it to reach a stand-in under a Neon-like host name that
	// does not resolve here.
	DialTCP func(ctx context.Context, network, addr string) (net.Conn, error)
}

// CheckURL validates a DATABASE_WEBSOCKET_URL: wss://host[:port][/path], or
// ws:// only when host is a loopback address, since a plain WebSocket would
// carry the password in clear. The sentence it returns names the variable.
func CheckURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Hostname() == "" {
		return nil, errors.New("DATABASE_WEBSOCKET_URL must be a URL such as wss://ep-example-123456.eu-central-1.aws.neon.tech/v2")
	}
	if u.User != nil {
		return nil, errors.New("DATABASE_WEBSOCKET_URL must not carry a user or password; they come from DATABASE_URL")
	}
	switch u.Scheme {
	case "wss":
	case "ws":
		if !isLoopback(u.Hostname()) {
			return nil, fmt.Errorf("DATABASE_WEBSOCKET_URL uses ws:// to %s: a plain WebSocket would carry the database password in clear; use wss:// (ws:// is accepted only for a loopback host)", u.Hostname())
		}
	default:
		return nil, fmt.Errorf("DATABASE_WEBSOCKET_URL must start with wss:// (or ws:// for a loopback host), not %q", u.Scheme+"://")
	}
	return u, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// New returns a Dialer. override is DATABASE_WEBSOCKET_URL, or "" to dial
// wss://<database host>/v2 on port 443.
func New(override string, o Options) (*Dialer, error) {
	d := &Dialer{}
	if override != "" {
		u, err := CheckURL(override)
		if err != nil {
			return nil, err
		}
		d.fixed = u
	}
	tlsConfig := o.TLS
	if tlsConfig == nil {
		tlsConfig = &tls.Config{}
	}
	tlsConfig = tlsConfig.Clone()
	if tlsConfig.MinVersion < tls.VersionTLS12 {
		tlsConfig.MinVersion = tls.VersionTLS12
	}
	dialTCP := o.DialTCP
	if dialTCP == nil {
		dialTCP = (&net.Dialer{KeepAlive: 30 * time.Second}).DialContext
	}
	d.client = &http.Client{Transport: &http.Transport{
		DialContext:     dialTCP,
		TLSClientConfig: tlsConfig,
		// The upgrade is HTTP/1.1; no proxy is consulted, so that the
		// socket goes exactly where the operator said.
		ForceAttemptHTTP2:   false,
		TLSHandshakeTimeout: 10 * time.Second,
	}}
	return d, nil
}

// URL is the WebSocket URL the Dialer uses for a database at host.
func (d *Dialer) URL(host string) string {
	if d.fixed != nil {
		return d.fixed.String()
	}
	return (&url.URL{Scheme: "wss", Host: host, Path: Path}).String()
}

// Configure makes cc connect through d: DialFunc is d's, LookupFunc keeps
// the host name (the WebSocket's own dial resolves it), and the inner
// connection has no TLS and no channel binding, which Neon's WebSocket
// does not offer (the outer TLS protects the password). It refuses an
// options=endpoint=… that names another endpoint than the Host header.
func (d *Dialer) Configure(cc *pgconn.Config) error {
	if err := d.checkEndpoint(cc); err != nil {
		return err
	}
	cc.DialFunc = d.Dial
	cc.LookupFunc = func(_ context.Context, host string) ([]string, error) { return []string{host}, nil }
	cc.TLSConfig = nil
	cc.SSLNegotiation = ""
	cc.ChannelBinding = "disable"
	// sslmode=prefer yields a TLS and a plain attempt per host; with no
	// TLS both are the same, so keep one per host.
	seen := map[string]bool{net.JoinHostPort(cc.Host, fmt.Sprint(cc.Port)): true}
	var fallbacks []*pgconn.FallbackConfig
	for _, f := range cc.Fallbacks {
		key := net.JoinHostPort(f.Host, fmt.Sprint(f.Port))
		if seen[key] {
			continue
		}
		seen[key] = true
		f.TLSConfig = nil
		fallbacks = append(fallbacks, f)
	}
	cc.Fallbacks = fallbacks
	return nil
}

// checkEndpoint compares options=endpoint=… with the first label of the
// host the Host header will carry, as Neon does ("inconsistent project
// name"), so that the mistake shows at start rather than as a refusal from
// the proxy. Hosts without a dot (localhost) and IP addresses carry no
// endpoint, so there is nothing to compare.
func (d *Dialer) checkEndpoint(cc *pgconn.Config) error {
	option := EndpointOption(cc.RuntimeParams["options"])
	if option == "" {
		return nil
	}
	host := cc.Host
	if d.fixed != nil {
		host = d.fixed.Hostname()
	}
	label := EndpointLabel(host)
	if label != "" && label != option {
		return fmt.Errorf("DATABASE_URL's options say endpoint=%s but the WebSocket's Host is %s (endpoint %s); remove the option or make them agree", option, host, label)
	}
	return nil
}

// EndpointLabel is the endpoint a Neon-style proxy reads from host: its
// first label, "-pooler" included, or "" for an IP address or a name
// without a dot.
func EndpointLabel(host string) string {
	if net.ParseIP(host) != nil {
		return ""
	}
	label, rest, ok := strings.Cut(host, ".")
	if !ok || rest == "" {
		return ""
	}
	return strings.ToLower(label)
}

// EndpointOption is the value of endpoint=… (or its older name project=…)
// in a Postgres options string, or "".
func EndpointOption(options string) string {
	for _, f := range strings.Fields(options) {
		for _, key := range []string{"endpoint=", "project="} {
			if v, ok := strings.CutPrefix(f, key); ok {
				return strings.ToLower(v)
			}
		}
	}
	return ""
}

// Dial opens one WebSocket and returns the pgx side of a pipe to it. addr is
// the host:port pgx dials (Configure keeps the host name); with no override
// its host picks the URL.
func (d *Dialer) Dial(ctx context.Context, _, addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	target := d.URL(host)
	ws, resp, err := websocket.Dial(ctx, target, &websocket.DialOptions{
		HTTPClient:      d.client,
		CompressionMode: websocket.CompressionDisabled,
	})
	if err != nil {
		status := ""
		if resp != nil {
			status = fmt.Sprintf(" (HTTP %d)", resp.StatusCode)
		}
		return nil, &DialError{URL: redactURL(target), Status: status, Err: err}
	}
	return Pump(ws, remoteAddr(addr)), nil
}

// DialError is a failed WebSocket dial; it names the URL, which carries no
// credentials.
type DialError struct {
	URL    string
	Status string
	Err    error
}

func (e *DialError) Error() string {
	return fmt.Sprintf("websocket %s%s: %v", e.URL, e.Status, e.Err)
}

func (e *DialError) Unwrap() error { return e.Err }

func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "the WebSocket URL"
	}
	u.RawQuery, u.Fragment, u.User = "", "", nil
	return u.String()
}

// remoteAddr is what the connection reports as its peer: the host:port pgx
// dialled, so that pgx's cancel request (which dials RemoteAddr again)
// comes back to Dial and goes through the same transport.
type remoteAddr string

func (remoteAddr) Network() string  { return "tcp" }
func (a remoteAddr) String() string { return string(a) }

// Pump returns a net.Conn whose bytes travel over ws as binary messages.
// Its deadlines behave like TCP's: a read that times out returns an error
// whose Timeout() is true and the connection stays usable. Closing it
// closes the WebSocket; the WebSocket ending closes it.
func Pump(ws *websocket.Conn, peer net.Addr) net.Conn {
	ctx, cancel := context.WithCancel(context.Background())
	// NetConn reads binary messages as one byte stream and ends the
	// connection on a text message. Its own deadlines would close the
	// socket, so none is ever set on it: only the pipe gets deadlines.
	raw := websocket.NetConn(ctx, ws, websocket.MessageBinary)
	app, inner := net.Pipe()
	c := &conn{Conn: app, peer: peer}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			_ = inner.Close()
			_ = raw.Close()
			cancel()
		})
	}
	go func() {
		_, _ = io.Copy(inner, raw)
		stop()
	}()
	go func() {
		buf := make([]byte, 32*1024)
		_, _ = io.CopyBuffer(raw, inner, buf)
		stop()
	}()
	c.stop = stop
	return c
}

type conn struct {
	net.Conn
	peer net.Addr
	stop func()
}

func (c *conn) RemoteAddr() net.Addr { return c.peer }

func (c *conn) Close() error {
	err := c.Conn.Close()
	c.stop()
	return err
}
