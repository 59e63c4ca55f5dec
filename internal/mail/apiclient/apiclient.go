// Package apiclient is what the HTTPS mail providers (resend, postmark,
// and the HTTP parts of ses and oauth) share: their configuration, one
// keep-alive client with a timeout per call within the caller's deadline,
// and one classification of HTTP statuses and transport failures into
// *mail.SendError, so that every provider fails the same way.
package apiclient

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/todoapp/resetmail/internal/mail"
	"github.com/todoapp/resetmail/internal/mail/addr"
	"github.com/todoapp/resetmail/internal/redact"
)

// Defaults for Config fields left at their zero value.
const (
	// DefaultTimeout bounds one API call when Timeout is zero. The job's
	// own deadline bounds it further.
	DefaultTimeout = 30 * time.Second
	// DefaultMaxConnections is the connections kept open to the provider
	// when MaxConnections is zero.
	DefaultMaxConnections = 100
)

// Config configures the HTTPS providers (Resend, Postmark).
type Config struct {
	// APIKey is MAIL_API_KEY. It is never logged or put in an error.
	// Required unless Keyless.
	APIKey string
	// Keyless is for a provider that authenticates each call itself, such
	// as Graph with an OAuth token in its header: APIKey stays empty.
	// Default false.
	Keyless bool
	// BaseURL is MAIL_API_URL. Default "" means the provider's public API.
	// It must be https, except on a loopback host (tests, a local relay).
	BaseURL string
	// MessageStream is POSTMARK_MESSAGE_STREAM. Default "outbound".
	MessageStream string
	// Timeout bounds each call, within the caller's deadline. Default 30s.
	Timeout time.Duration
	// MaxConnections caps the idle connections kept for reuse, so that a
	// busy worker does not pay a TLS handshake per mail. Default 100.
	MaxConnections int
	// RootCAs verifies the provider's certificate. Default nil uses the
	// system roots; tests pass their server's.
	RootCAs *x509.CertPool
}

// CheckURL validates MAIL_API_URL: an absolute https URL, or http only
// to a loopback host, where nothing crosses the network in clear text.
func CheckURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || !u.IsAbs() {
		return errors.New("must be an absolute URL such as https://api.example.com")
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !mail.IsLoopbackHost(u.Hostname()) {
			return errors.New("must use https (http is allowed only to a loopback host)")
		}
	default:
		return errors.New("must use https")
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return errors.New("must not carry credentials, a query or a fragment")
	}
	return nil
}

func (c Config) withDefaults(defaultURL string) Config {
	if c.BaseURL == "" {
		c.BaseURL = defaultURL
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.MaxConnections == 0 {
		c.MaxConnections = DefaultMaxConnections
	}
	if c.MessageStream == "" {
		c.MessageStream = "outbound"
	}
	return c
}

func (c Config) validate(provider string) error {
	var problems []string
	if c.Keyless {
		if c.APIKey != "" {
			problems = append(problems, "API key is set but unused")
		}
	} else if strings.TrimSpace(c.APIKey) == "" {
		problems = append(problems, "API key is empty")
	} else if addr.HasControl(c.APIKey) {
		problems = append(problems, "API key contains control characters")
	}
	if err := CheckURL(c.BaseURL); err != nil {
		problems = append(problems, "base URL "+err.Error())
	}
	if c.Timeout < 0 {
		problems = append(problems, "timeout is negative")
	}
	if c.MaxConnections < 0 {
		problems = append(problems, "max connections is negative")
	}
	if len(problems) > 0 {
		return fmt.Errorf("mail: invalid %s config: %s", provider, strings.Join(problems, "; "))
	}
	return nil
}

// Client is what the HTTPS providers share: one keep-alive client, a
// timeout per call within the caller's deadline, and the translation of
// transport failures into *mail.SendError.
type Client struct {
	provider string
	cfg      Config
	timeout  time.Duration
	http     *http.Client
}

// New fills cfg's defaults (defaultURL for an empty BaseURL), validates it
// (listing every problem in one error) and returns the client for
// provider, one of the mail.Provider* names.
func New(provider, defaultURL string, cfg Config) (*Client, error) {
	cfg = cfg.withDefaults(defaultURL)
	if err := cfg.validate(provider); err != nil {
		return nil, err
	}
	return &Client{provider: provider, cfg: cfg, timeout: cfg.Timeout, http: NewHTTPClient(cfg.MaxConnections, cfg.RootCAs)}, nil
}

// Config is the configuration with its defaults filled in.
func (c *Client) Config() Config { return c.cfg }

// NewHTTPClient is the one HTTPS client of every provider and of the OAuth
// token endpoint. It keeps up to maxConns connections alive and reuses
// them, so that a busy worker pays one TLS handshake per connection rather
// than per mail, and refuses anything below TLS 1.2. Timeouts come from
// each call's context.
func NewHTTPClient(maxConns int, roots *x509.CertPool) *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: roots, ClientSessionCache: tls.NewLRUClientSessionCache(maxConns)},
			TLSHandshakeTimeout:   10 * time.Second,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          maxConns,
			MaxIdleConnsPerHost:   maxConns,
			IdleConnTimeout:       90 * time.Second,
			ExpectContinueTimeout: time.Second,
		},
		// Providers and token endpoints do not redirect API calls;
		// following one could replay the key or secret elsewhere.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Send is a JSON provider's Send: the message's one cleaning (Fields),
// body's request built from it and POSTed to path with header, and read's
// message ID (the one the provider's webhooks carry) from the answer, or
// its refusal; a refusal names the recipient, masked.
func (c *Client) Send(ctx context.Context, m mail.Message, path string, header http.Header,
	body func(*mail.Fields) any, read func(*Response) (string, *mail.SendError),
) (mail.Receipt, error) {
	f, err := m.Fields()
	if err != nil {
		return mail.Receipt{}, mail.ComposeError(c.provider, err)
	}
	resp, se := c.Call(ctx, http.MethodPost, path, header, body(f))
	id := ""
	if se == nil {
		id, se = read(resp)
	}
	if se != nil {
		se.Recipient = redact.Email(f.ToBare)
		return mail.Receipt{}, se
	}
	return mail.Receipt{Provider: c.provider, MessageID: id}, nil
}

// CodeClasses are a provider's documented error codes, listed under the
// class each one means.
type CodeClasses map[string][]string

// CodedError is StatusError, classed by the provider's own code where
// classes lists it, and by the HTTP status where it does not.
func (c *Client) CodedError(r *Response, code, text string, classes CodeClasses) *mail.SendError {
	se := c.StatusError(r, code, text)
	for class, codes := range classes {
		if slices.Contains(codes, code) {
			se.SetClass(class)
		}
	}
	return se
}

// Response is a provider's answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Raw is a request body Call sends as it is, for an API that does not
// take JSON (Graph's MIME form).
type Raw struct {
	ContentType string
	Data        []byte
}

// maxBody bounds what is read of an answer; errors are small.
const maxBody = 1 << 20

// Call sends one request with a JSON body (nil for none, Raw for another
// type) and reads the
// answer. A failure to get an answer is a *mail.SendError: one to connect at all
// is at mail.StageDial, so it counts as an outage, and one after the request
// went out is at mail.StageAPI and transient.
func (c *Client) Call(ctx context.Context, method, path string, header http.Header, body any) (*Response, *mail.SendError) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var rd io.Reader
	contentType := "application/json"
	if raw, ok := body.(Raw); ok {
		rd, contentType = bytes.NewReader(raw.Data), raw.ContentType
	} else if body != nil {
		buf, err := json.Marshal(body)
		if err != nil {
			return nil, &mail.SendError{Provider: c.provider, Class: mail.ClassRejected, Stage: mail.StageBody, Text: "cannot encode the request", Err: err}
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.cfg.BaseURL+path, rd)
	if err != nil {
		return nil, &mail.SendError{Provider: c.provider, Class: mail.ClassConfig, Stage: mail.StageAPI, Text: "cannot build the request: " + mail.Describe(err), Err: err}
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, c.transportError(ctx, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, c.transportError(ctx, err)
	}
	// Drain what is left so the connection goes back to the pool.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody))
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: data}, nil
}

func (c *Client) transportError(ctx context.Context, err error) *mail.SendError {
	se := TransportError(ctx, c.provider, err)
	se.Server = c.host()
	return se
}

// TransportError classifies a call that got no answer: a failure to
// connect at all is an outage at mail.StageDial, a certificate or TLS setup that
// fails is configuration, anything after the request went out (a timeout,
// a reset) is transient. Provider clients outside this package (SES) use it
// so that every provider classifies the network the same way.
func TransportError(ctx context.Context, provider string, err error) *mail.SendError {
	se := &mail.SendError{Provider: provider, Temporary: true, Stage: mail.StageAPI, Err: err}
	var certErr *tls.CertificateVerificationError
	var opErr *net.OpError
	var dnsErr *net.DNSError
	switch {
	case mail.ContextErr(ctx) != nil:
		se.Err = mail.ContextErr(ctx)
		se.Class = mail.ClassTransient
	case errors.As(err, &certErr), errors.As(err, new(tls.RecordHeaderError)), errors.As(err, new(tls.AlertError)):
		// Not network weather: the certificate or TLS setup is wrong.
		se.Temporary = false
		se.Stage = mail.StageTLS
		se.Class = mail.ClassConfig
	case errors.As(err, &dnsErr), errors.As(err, &opErr) && opErr.Op == "dial":
		se.Stage = mail.StageDial
		se.Class = mail.ClassOutage
	default:
		se.Class = mail.ClassTransient
	}
	return se
}

func (c *Client) host() string {
	if u, err := url.Parse(c.cfg.BaseURL); err == nil {
		return u.Host
	}
	return ""
}

// statusError classifies an HTTP error status; each provider then refines
// it from its error body.
func (c *Client) StatusError(r *Response, code, text string) *mail.SendError {
	se := StatusError(c.provider, r.Status, r.Header, code, text)
	se.Server = c.host()
	return se
}

// StatusError builds the error for an HTTP answer with an error status, the
// way every provider documents them: 429 throttled (with its Retry-After
// or rate-limit reset), 503 outage, other 5xx and 408 transient, 401 and
// 403 configuration, other 4xx rejected. code is the provider's own error
// code or name and text its message, with addresses masked.
func StatusError(provider string, status int, header http.Header, code, text string) *mail.SendError {
	se := &mail.SendError{
		Provider:     provider,
		Code:         status,
		EnhancedCode: code,
		Text:         redact.Addresses(oneLine(text)),
		Stage:        mail.StageAPI,
		RetryAfter:   retryAfter(header, time.Now()),
	}
	switch {
	case status == http.StatusTooManyRequests:
		se.SetClass(mail.ClassThrottled)
	case status == http.StatusServiceUnavailable:
		se.SetClass(mail.ClassOutage)
	case status >= 500, status == http.StatusRequestTimeout:
		se.SetClass(mail.ClassTransient)
	case status == http.StatusUnauthorized, status == http.StatusForbidden:
		se.SetClass(mail.ClassConfig)
	default:
		se.SetClass(mail.ClassRejected)
	}
	if se.Text == "" {
		se.Text = http.StatusText(status)
	}
	return se
}

// MaskText hides every email-looking substring of a provider's
// message, for clients outside this package.
func MaskText(s string) string { return redact.Addresses(oneLine(s)) }

// oneLine keeps a provider's message on one log line and bounded.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// retryAfter reads how long the provider asked us to wait: Retry-After in
// seconds or as an HTTP date, else a rate-limit reset header in seconds
// (RateLimit-Reset, X-RateLimit-Reset; a value that looks like a Unix time
// is read as one). Zero when none is given. It is capped at an hour, so
// that a confused header cannot park mail for days.
func retryAfter(h http.Header, now time.Time) time.Duration {
	var d time.Duration
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if secs, err := strconv.ParseFloat(v, 64); err == nil {
			d = time.Duration(secs * float64(time.Second))
		} else if t, err := http.ParseTime(v); err == nil {
			d = t.Sub(now)
		}
	}
	if d <= 0 {
		for _, name := range []string{"RateLimit-Reset", "X-RateLimit-Reset"} {
			v := strings.TrimSpace(h.Get(name))
			if v == "" {
				continue
			}
			secs, err := strconv.ParseFloat(v, 64)
			if err != nil {
				continue
			}
			if secs > 1e9 {
				d = time.Unix(int64(secs), 0).Sub(now)
			} else {
				d = time.Duration(secs * float64(time.Second))
			}
			break
		}
	}
	return min(max(d, 0), time.Hour)
}
