// Package dashboard guards River UI, the job dashboard on-call reads. River
// UI's embedded handler has no authentication and no CSRF protection, so
// this package puts HTTP basic auth, a rate limit on failed logins, a
// same-origin check on state-changing requests, and security headers in
// front of it.
package dashboard

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/todoapp/resetmail/internal/clientip"
)

// Config configures the guard.
type Config struct {
	// Username is DASHBOARD_USERNAME. Required.
	Username string
	// Password is DASHBOARD_PASSWORD. Required.
	Password string
	// Next is the handler being guarded, River UI's. Required.
	Next http.Handler
	// ClientIP returns the client's address for rate limiting. Defaults to
	// the TCP peer; the API passes its clientip.Resolver's, which honours
	// TRUSTED_PROXIES, because behind a proxy every peer is the proxy.
	ClientIP func(*http.Request) string
	// FailuresPerMinute is how many failed logins one client may make per
	// minute before it gets 429; IPv6 clients count per /64. Defaults to 10.
	FailuresPerMinute int
	// GlobalFailuresPerMinute caps failed logins from all clients together
	// per minute. Past it, only clients that have signed in during the last
	// KnownClientFor may try; the others get 429 until the minute is over,
	// so that guesses spread over many addresses are not all checked.
	// Defaults to 100.
	GlobalFailuresPerMinute int
	// Logger receives one line per refused request. Defaults to discarding.
	Logger *slog.Logger
}

// Guard is the guarded dashboard handler.
type Guard struct {
	cfg      Config
	userHash [32]byte
	passHash [32]byte
	failures *failureLimiter
	// global counts every client's failures under one key.
	global *failureLimiter
	known  *knownClients
}

// New validates cfg and returns the guard.
func New(cfg Config) (*Guard, error) {
	if cfg.Username == "" || cfg.Password == "" || cfg.Next == nil {
		return nil, errors.New("dashboard: Username, Password and Next are required")
	}
	if cfg.ClientIP == nil {
		cfg.ClientIP = peerIP
	}
	if cfg.FailuresPerMinute <= 0 {
		cfg.FailuresPerMinute = 10
	}
	if cfg.GlobalFailuresPerMinute <= 0 {
		cfg.GlobalFailuresPerMinute = 100
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Guard{
		cfg:      cfg,
		userHash: sha256.Sum256([]byte(cfg.Username)),
		passHash: sha256.Sum256([]byte(cfg.Password)),
		failures: newFailureLimiter(cfg.FailuresPerMinute, time.Minute, 10_000),
		global:   newFailureLimiter(cfg.GlobalFailuresPerMinute, time.Minute, 1),
		known:    newKnownClients(knownClientFor, 1_000),
	}, nil
}

// ServeHTTP implements http.Handler.
func (g *Guard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	setHeaders(w.Header())
	ip := g.cfg.ClientIP(r)
	key := clientip.Key(ip)
	now := time.Now()
	wait := g.failures.blocked(key, now)
	if wait == 0 && !g.known.has(key, now) {
		wait = g.global.blocked(globalKey, now)
	}
	if wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds()+0.999)))
		writeError(w, http.StatusTooManyRequests, "rate_limited", "Too many failed logins. Try again later.")
		return
	}
	if !g.authorized(r) {
		// A browser's first request carries no credentials and only asks
		// for the prompt; only a wrong guess counts against the limit.
		if _, _, presented := r.BasicAuth(); presented {
			g.failures.fail(key, time.Now())
			g.global.fail(globalKey, time.Now())
			g.cfg.Logger.WarnContext(r.Context(), "dashboard login refused", slog.String("client_ip", ip))
		}
		w.Header().Set("WWW-Authenticate", `Basic realm="jobs", charset="UTF-8"`)
		writeError(w, http.StatusUnauthorized, "unauthorized", "Dashboard credentials required.")
		return
	}
	if !safeMethod(r.Method) && !sameOrigin(r) {
		g.cfg.Logger.WarnContext(r.Context(), "dashboard cross-origin request refused",
			slog.String("method", r.Method), slog.String("path", r.URL.Path))
		writeError(w, http.StatusForbidden, "forbidden", "Cross-origin requests to the dashboard are refused.")
		return
	}
	g.known.add(key, now)
	g.cfg.Next.ServeHTTP(w, r)
}

// authorized compares SHA-256 digests in constant time, so that neither the
// content nor the length of the credentials leaks through timing.
func (g *Guard) authorized(r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	if !ok {
		return false
	}
	u := sha256.Sum256([]byte(user))
	p := sha256.Sum256([]byte(pass))
	userOK := subtle.ConstantTimeCompare(u[:], g.userHash[:])
	passOK := subtle.ConstantTimeCompare(p[:], g.passHash[:])
	return userOK&passOK == 1
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// sameOrigin accepts a state-changing request only when its Origin, or
// failing that its Referer, names this very host. Basic auth credentials are
// sent by the browser automatically, so without this check any page the
// on-call engineer visits could retry, cancel or delete jobs.
func sameOrigin(r *http.Request) bool {
	src := r.Header.Get("Origin")
	if src == "" || src == "null" {
		src = r.Header.Get("Referer")
	}
	if src == "" {
		return false
	}
	u, err := url.Parse(src)
	if err != nil || u.Host == "" {
		return false
	}
	return u.Host == r.Host
}

// setHeaders applies the API's security headers, loosened only as far as
// River UI needs: it loads its own scripts, styles, fonts and images, and
// fetches its API on the same origin. Referrer-Policy is same-origin rather
// than no-referrer because browsers send "Origin: null" on same-origin POSTs
// under no-referrer, which would defeat the same-origin check.
func setHeaders(h http.Header) {
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(`{"error":{"code":"` + code + `","message":"` + msg + `"}}` + "\n"))
}

func peerIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
