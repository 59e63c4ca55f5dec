package smtp

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"strings"
	"time"

	"github.com/todoapp/resetmail/internal/mail"
	"github.com/todoapp/resetmail/internal/mail/addr"
)

// TLSMode says how the connection to the SMTP server is encrypted.
type TLSMode string

// The TLS modes (SMTP_TLS).
const (
	// TLSNone speaks plain SMTP. Use it only for a relay on the same host or
	// a local test server such as Mailpit.
	TLSNone TLSMode = "none"
	// TLSStartTLS connects in plain text and upgrades with STARTTLS, usually
	// on port 587. A server that does not offer STARTTLS is an error, never a
	// silent downgrade.
	TLSStartTLS TLSMode = "starttls"
	// TLSImplicit speaks TLS from the first byte, usually on port 465.
	TLSImplicit TLSMode = "tls"
)

// AuthMode says which SASL mechanism AUTH uses (SMTP_AUTH).
type AuthMode string

// The AUTH modes (SMTP_AUTH).
const (
	// AuthAuto uses PLAIN, or LOGIN when the server offers only that.
	AuthAuto AuthMode = "auto"
	// AuthPlain uses PLAIN and fails when the server does not offer it.
	AuthPlain AuthMode = "plain"
	// AuthLogin uses LOGIN and fails when the server does not offer it.
	AuthLogin AuthMode = "login"
	// AuthXOAuth2 sends an OAuth 2.0 access token with SASL XOAUTH2, as
	// Microsoft 365 and Google Workspace document it.
	AuthXOAuth2 AuthMode = "xoauth2"
)

// ParseAuthMode returns the mode SMTP_AUTH names, or an error listing the
// modes; "" is AuthAuto.
func ParseAuthMode(s string) (AuthMode, error) {
	switch m := AuthMode(s); m {
	case "":
		return AuthAuto, nil
	case AuthAuto, AuthPlain, AuthLogin, AuthXOAuth2:
		return m, nil
	}
	return "", fmt.Errorf("must be auto, plain, login or xoauth2, not %q", s)
}

// Tokens gives XOAUTH2 its access tokens; internal/mail/oauth.Source is
// the one implementation. A token is shared by every connection.
type Tokens interface {
	// AccessToken returns a token that has not expired, or a
	// *mail.SendError at StageAuth.
	AccessToken(ctx context.Context) (string, error)
	// Invalidate drops token after the server refused it, so that the next
	// AccessToken fetches a fresh one; it reports whether it did.
	Invalidate(token string) bool
	// Check gets a token and describes it for check-mail.
	Check(ctx context.Context) (string, error)
}

// Defaults for SenderConfig fields left at their zero value.
const (
	// DefaultHelloName is the EHLO name used when HelloName is empty.
	DefaultHelloName = "localhost"
	// DefaultDialTimeout bounds the TCP connection when DialTimeout is zero.
	DefaultDialTimeout = 10 * time.Second
	// DefaultCommandTimeout bounds each command when CommandTimeout is zero.
	DefaultCommandTimeout = 30 * time.Second
	// DefaultMaxConnections is the pool size when MaxConnections is zero.
	DefaultMaxConnections = 10
	// DefaultIdleTimeout is the pooled connection lifetime when IdleTimeout
	// is zero.
	DefaultIdleTimeout = 30 * time.Second
)

// SenderConfig configures NewSender and Check. Zero values take the
// defaults stated on each field.
type SenderConfig struct {
	// Host is the SMTP server's name or IP (SMTP_HOST); it is also the name
	// the TLS certificate must match. Required; there is no default.
	Host string
	// Port is the server's port (SMTP_PORT). Default 0 means 465 with
	// TLSImplicit, 587 with TLSStartTLS and 25 with TLSNone.
	Port int
	// Username enables SMTP AUTH (PLAIN, or LOGIN when only LOGIN is
	// offered) when set (SMTP_USERNAME). Default "" sends no credentials.
	Username string
	// Password is the AUTH password (SMTP_PASSWORD). It is never logged or
	// put in an error. Default "".
	Password string
	// Auth is the SASL mechanism (SMTP_AUTH). Default "" means AuthAuto.
	Auth AuthMode
	// Tokens gives the access tokens of AuthXOAuth2, which requires it.
	// Default nil.
	Tokens Tokens
	// TLS is the encryption mode (SMTP_TLS). Default "" means TLSStartTLS.
	TLS TLSMode
	// HelloName is the name sent with EHLO. Default "localhost".
	HelloName string
	// RootCAs verifies the server's certificate. Default nil uses the
	// system roots; tests pass the pool of their own server.
	RootCAs *x509.CertPool
	// DialTimeout bounds the TCP connection. Default 10s.
	DialTimeout time.Duration
	// CommandTimeout is the deadline for each command and its reply, for
	// the TLS handshake, and for sending the message body. Default 30s.
	CommandTimeout time.Duration
	// MaxConnections caps the connections open at once, and so the Sends in
	// flight (SMTP_MAX_CONNECTIONS). Default 10.
	MaxConnections int
	// IdleTimeout is how long an unused pooled connection may wait before it
	// is closed instead of reused. Default 30s, below the idle timeout of
	// most providers.
	IdleTimeout time.Duration
	// RateLimit caps messages per second for one Sender (SMTP_RATE_LIMIT),
	// with bursts of up to one second's worth. Default 0 means no limit.
	RateLimit float64
	// Logger receives connection-level events, never addresses or
	// credentials. Default nil discards them.
	Logger *slog.Logger
}

// addr returns host:port for dialling.
func (c SenderConfig) addr() string {
	return net.JoinHostPort(c.Host, fmt.Sprint(c.Port))
}

// withDefaults returns c with every zero field set to its default.
func (c SenderConfig) withDefaults() SenderConfig {
	c.Host = strings.TrimSpace(c.Host)
	if c.TLS == "" {
		c.TLS = TLSStartTLS
	}
	if c.Auth == "" {
		c.Auth = AuthAuto
	}
	if c.Port == 0 {
		c.Port = DefaultPort(c.TLS)
	}
	if c.HelloName == "" {
		c.HelloName = DefaultHelloName
	}
	if c.DialTimeout == 0 {
		c.DialTimeout = DefaultDialTimeout
	}
	if c.CommandTimeout == 0 {
		c.CommandTimeout = DefaultCommandTimeout
	}
	if c.MaxConnections == 0 {
		c.MaxConnections = DefaultMaxConnections
	}
	if c.IdleTimeout == 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// validate lists every problem at once, so that a misconfigured deployment
// is fixed in one round rather than one error at a time.
func (c SenderConfig) validate() error {
	var problems []string
	add := func(format string, args ...any) {
		problems = append(problems, fmt.Sprintf(format, args...))
	}
	if c.Host == "" {
		add("host is empty")
	} else if strings.ContainsAny(c.Host, " /") || addr.HasControl(c.Host) {
		add("host %q is not a host name or IP", c.Host)
	}
	if c.Port < 1 || c.Port > 65535 {
		add("port %d is out of range", c.Port)
	}
	switch c.TLS {
	case TLSNone, TLSStartTLS, TLSImplicit:
	default:
		add("tls mode %q is not one of none, starttls, tls", string(c.TLS))
	}
	if strings.ContainsAny(c.HelloName, " <>") || addr.HasControl(c.HelloName) {
		add("hello name %q is not a domain or address literal", c.HelloName)
	}
	if c.Password != "" && c.Username == "" {
		add("password is set but username is empty")
	}
	switch c.Auth {
	case AuthAuto, AuthPlain, AuthLogin:
	case AuthXOAuth2:
		if c.Tokens == nil || c.Username == "" {
			add("auth xoauth2 needs a username and a token source")
		}
		if c.Password != "" {
			add("auth xoauth2 sends a token, not a password; leave the password empty")
		}
	default:
		add("auth mode %q is not one of auto, plain, login, xoauth2", string(c.Auth))
	}
	if strings.ContainsRune(c.Username, 0) || strings.ContainsRune(c.Password, 0) {
		add("username and password may not contain NUL")
	}
	if CleartextCredentials(c.Host, c.TLS, c.Username) {
		add("credentials over tls=none are only allowed to a loopback host; use starttls or tls")
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"dial timeout", c.DialTimeout},
		{"command timeout", c.CommandTimeout},
		{"idle timeout", c.IdleTimeout},
	} {
		if d.v < 0 {
			add("%s %s is negative", d.name, d.v)
		}
	}
	if c.MaxConnections < 0 {
		add("max connections %d is negative", c.MaxConnections)
	}
	if c.RateLimit < 0 || math.IsNaN(c.RateLimit) || math.IsInf(c.RateLimit, 0) {
		add("rate limit %v must be zero (off) or a positive number", c.RateLimit)
	}
	if len(problems) > 0 {
		return errors.New("mail: invalid sender config: " + strings.Join(problems, "; "))
	}
	return nil
}

// DefaultPort is the SMTP port of a TLS mode, used when SMTP_PORT is
// unset: 465 for tls, 25 for none, 587 for starttls (and anything else).
func DefaultPort(m TLSMode) int {
	switch m {
	case TLSImplicit:
		return 465
	case TLSNone:
		return 25
	default:
		return 587
	}
}

// ParseTLSMode returns the mode SMTP_TLS names, or an error listing the
// modes; "" is TLSStartTLS.
func ParseTLSMode(s string) (TLSMode, error) {
	switch m := TLSMode(s); m {
	case "":
		return TLSStartTLS, nil
	case TLSNone, TLSStartTLS, TLSImplicit:
		return m, nil
	}
	return "", fmt.Errorf("must be none, starttls or tls, not %q", s)
}

// CleartextCredentials reports whether AUTH with username would cross the
// network unencrypted: credentials over TLSNone to anything but a loopback
// host. The one rule for SMTP_TLS=none, at start-up and in NewSender.
func CleartextCredentials(host string, m TLSMode, username string) bool {
	return username != "" && m == TLSNone && !mail.IsLoopbackHost(host)
}
