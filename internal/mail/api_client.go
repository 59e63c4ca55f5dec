package mail

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
	"strconv"
	"strings"
	"time"

	"github.com/todoapp/resetmail/internal/mail/addr"
)

// Defaults for APIConfig fields left at their zero value.
const (
	// DefaultAPITimeout bounds one API call when Timeout is zero. The job's
	// own deadline bounds it further.
	DefaultAPITimeout = 30 * time.Second
	// DefaultAPIMaxConnections is the connections kept open to the provider
	// when MaxConnections is zero.
	DefaultAPIMaxConnections = 100
)

// APIConfig configures the HTTPS providers (Resend, Postmark).
type APIConfig struct {
	// APIKey is MAIL_API_KEY. It is never logged or put in an error.
	// Required.
	APIKey string
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

// CheckAPIURL validates MAIL_API_URL: an absolute https URL, or http only
// to a loopback host, where nothing crosses the network in clear text.
func CheckAPIURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || !u.IsAbs() {
		return errors.New("must be an absolute URL such as https://api.example.com")
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !IsLoopbackHost(u.Hostname()) {
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

func (c APIConfig) withDefaults(defaultURL string) APIConfig {
	if c.BaseURL == "" {
		c.BaseURL = defaultURL
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.Timeout == 0 {
		c.Timeout = DefaultAPITimeout
	}
	if c.MaxConnections == 0 {
		c.MaxConnections = DefaultAPIMaxConnections
	}
	if c.MessageStream == "" {
		c.MessageStream = "outbound"
	}
	return c
}

func (c APIConfig) validate(provider string) error {
	var problems []string
	if strings.TrimSpace(c.APIKey) == "" {
		problems = append(problems, "API key is empty")
	} else if addr.HasControl(c.APIKey) {
		problems = append(problems, "API key contains control characters")
	}
	if err := CheckAPIURL(c.BaseURL); err != nil {
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

// apiClient is what the HTTPS providers share: one keep-alive client, a
// timeout per call within the caller's deadline, and the translation of
// transport failures into *SendError.
type apiClient struct {
	provider string
	base     string
	timeout  time.Duration
	http     *http.Client
}

func newAPIClient(provider string, c APIConfig) *apiClient {
	return &apiClient{provider: provider, base: c.BaseURL, timeout: c.Timeout, http: newHTTPClient(c.MaxConnections, c.RootCAs)}
}

// newHTTPClient keeps connections alive and reuses them, so that a busy
// worker pays one TLS handshake per connection rather than per mail, and
// refuses anything below TLS 1.2. Timeouts come from each call's context.
func newHTTPClient(maxConns int, roots *x509.CertPool) *http.Client {
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
		// Providers do not redirect API calls; following one could replay
		// the key elsewhere.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// apiResponse is a provider's answer.
type apiResponse struct {
	status int
	header http.Header
	body   []byte
}

// maxAPIBody bounds what is read of an answer; errors are small.
const maxAPIBody = 1 << 20

// call sends one request with a JSON body (nil for none) and reads the
// answer. A failure to get an answer is a *SendError: one to connect at all
// is at StageDial, so it counts as an outage, and one after the request
// went out is at StageAPI and transient.
func (c *apiClient) call(ctx context.Context, method, path string, header http.Header, body any) (*apiResponse, *SendError) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		buf, err := json.Marshal(body)
		if err != nil {
			return nil, &SendError{Provider: c.provider, Class: ClassRejected, Stage: StageBody, Text: "cannot encode the request", Err: err}
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return nil, &SendError{Provider: c.provider, Class: ClassConfig, Stage: StageAPI, Text: "cannot build the request: " + Describe(err), Err: err}
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, c.transportError(ctx, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAPIBody))
	if err != nil {
		return nil, c.transportError(ctx, err)
	}
	// Drain what is left so the connection goes back to the pool.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxAPIBody))
	return &apiResponse{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

func (c *apiClient) transportError(ctx context.Context, err error) *SendError {
	se := TransportError(ctx, c.provider, err)
	se.Server = c.host()
	return se
}

// TransportError classifies a call that got no answer: a failure to
// connect at all is an outage at StageDial, a certificate or TLS setup that
// fails is configuration, anything after the request went out (a timeout,
// a reset) is transient. Provider clients outside this package (SES) use it
// so that every provider classifies the network the same way.
func TransportError(ctx context.Context, provider string, err error) *SendError {
	se := &SendError{Provider: provider, Temporary: true, Stage: StageAPI, Err: err}
	var certErr *tls.CertificateVerificationError
	var opErr *net.OpError
	var dnsErr *net.DNSError
	switch {
	case ContextErr(ctx) != nil:
		se.Err = ContextErr(ctx)
		se.Class = ClassTransient
	case errors.As(err, &certErr), errors.As(err, new(tls.RecordHeaderError)), errors.As(err, new(tls.AlertError)):
		// Not network weather: the certificate or TLS setup is wrong.
		se.Temporary = false
		se.Stage = StageTLS
		se.Class = ClassConfig
	case errors.As(err, &dnsErr), errors.As(err, &opErr) && opErr.Op == "dial":
		se.Stage = StageDial
		se.Class = ClassOutage
	default:
		se.Class = ClassTransient
	}
	return se
}

func (c *apiClient) host() string {
	if u, err := url.Parse(c.base); err == nil {
		return u.Host
	}
	return ""
}

// statusError classifies an HTTP error status; each provider then refines
// it from its error body.
func (c *apiClient) statusError(r *apiResponse, code, text string) *SendError {
	se := StatusError(c.provider, r.status, r.header, code, text)
	se.Server = c.host()
	return se
}

// StatusError builds the error for an HTTP answer with an error status, the
// way every provider documents them: 429 throttled (with its Retry-After
// or rate-limit reset), 503 outage, other 5xx and 408 transient, 401 and
// 403 configuration, other 4xx rejected. code is the provider's own error
// code or name and text its message, with addresses masked.
func StatusError(provider string, status int, header http.Header, code, text string) *SendError {
	se := &SendError{
		Provider:     provider,
		Code:         status,
		EnhancedCode: code,
		Text:         maskAddresses(oneLine(text)),
		Stage:        StageAPI,
		RetryAfter:   retryAfter(header, time.Now()),
	}
	switch {
	case status == http.StatusTooManyRequests:
		se.SetClass(ClassThrottled)
	case status == http.StatusServiceUnavailable:
		se.SetClass(ClassOutage)
	case status >= 500, status == http.StatusRequestTimeout:
		se.SetClass(ClassTransient)
	case status == http.StatusUnauthorized, status == http.StatusForbidden:
		se.SetClass(ClassConfig)
	default:
		se.SetClass(ClassRejected)
	}
	if se.Text == "" {
		se.Text = http.StatusText(status)
	}
	return se
}

// SetClass sets Class and the Temporary flag that goes with it.
func (e *SendError) SetClass(class string) {
	e.Class = class
	e.Temporary = class == ClassTransient || class == ClassOutage || class == ClassThrottled
}

// MaskAddresses hides every email-looking substring of a provider's
// message, for clients outside this package.
func MaskAddresses(s string) string { return maskAddresses(oneLine(s)) }

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
