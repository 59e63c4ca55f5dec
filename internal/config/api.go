package config

import (
	"net"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/todoapp/resetmail/internal/clientip"
	"github.com/todoapp/resetmail/internal/webhook"
)

// API is the configuration of cmd/api.
type API struct {
	Common

	// Port is the public HTTP port. Hugging Face Spaces sets it to 7860.
	// Defaults to 8080.
	Port int `env:"PORT" envDefault:"8080"`
	// ListenHost is the address the API listens on, with PORT: an IP such
	// as 127.0.0.1 (`make run` keeps the dev API on loopback) or
	// "localhost". Defaults to empty: every interface, as a container needs.
	ListenHost string `env:"LISTEN_HOST"`
	// JWTSecret signs access tokens with HS256. At least 32 bytes. Required.
	JWTSecret string `env:"JWT_SECRET"`
	// JWTTTL is how long an access token lives. Defaults to 1h.
	JWTTTL time.Duration `env:"JWT_TTL" envDefault:"1h"`
	// BcryptCost is the bcrypt work factor for new password hashes: each
	// step doubles the time a hash (and a login) takes. At least 10 in
	// production; the tests use 4, bcrypt's minimum. Defaults to 10.
	BcryptCost int `env:"BCRYPT_COST" envDefault:"10"`
	// CORSAllowedOrigins lists, comma-separated, the browser origins allowed
	// to call the API. Defaults to FRONTEND_URL's origin.
	CORSAllowedOrigins []string `env:"CORS_ALLOWED_ORIGINS"`
	// TrustedProxies lists, comma-separated, the proxy IPs or CIDRs whose
	// X-Forwarded-For is believed when finding a client's IP. A CIDR must be
	// /8 or longer (IPv4), /16 or longer (IPv6): 0.0.0.0/0 is refused.
	// Defaults to none, so the TCP peer is the client.
	TrustedProxies []string `env:"TRUSTED_PROXIES"`
	// RateLimitEnabled turns the per-IP limits on the auth endpoints on or
	// off; load tests turn them off. Defaults to true.
	RateLimitEnabled bool `env:"RATE_LIMIT_ENABLED" envDefault:"true"`
	// RateLimitAuthPerMinute is how many requests one client IP may make per
	// minute to each of register, login, forgot-password and reset-password.
	// Defaults to 10.
	RateLimitAuthPerMinute int `env:"RATE_LIMIT_AUTH_PER_MINUTE" envDefault:"10"`
	// RateLimitAuthBurst is how many of those requests may arrive at once.
	// Defaults to 5.
	RateLimitAuthBurst int `env:"RATE_LIMIT_AUTH_BURST" envDefault:"5"`
	// RateLimitLoginFailures is how many failed logins one email address
	// may have, from any client IPs, before each further attempt for it
	// must wait: 1s, then twice as long after every failure, up to
	// RATE_LIMIT_LOGIN_WINDOW. Unknown addresses count alike. Defaults to 5.
	RateLimitLoginFailures int `env:"RATE_LIMIT_LOGIN_FAILURES" envDefault:"5"`
	// RateLimitLoginWindow is the longest wait between two login attempts
	// for one address, and how long an address must stay quiet after its
	// last wait to start afresh. Defaults to 15m.
	RateLimitLoginWindow time.Duration `env:"RATE_LIMIT_LOGIN_WINDOW" envDefault:"15m"`
	// SignupVerification is "required": register answers 202 with the same
	// body for every address and mails a verification link (or, to an
	// address that has an account, a notice), so sign-up never reveals who
	// has an account; or "off": register creates the account at once (201)
	// and answers 409 for a taken address. Defaults to required.
	SignupVerification string `env:"SIGNUP_VERIFICATION" envDefault:"required"`
	// SignupTokenTTL is how long a sign-up verification link works, counted
	// from the register request; pending sign-ups expire after it. Defaults
	// to 24h.
	SignupTokenTTL time.Duration `env:"SIGNUP_TOKEN_TTL" envDefault:"24h"`
	// MaxBodyBytes caps request bodies; larger ones get 413. Defaults to
	// 1048576 (1 MiB).
	MaxBodyBytes int64 `env:"MAX_BODY_BYTES" envDefault:"1048576"`
	// HTTPWriteTimeout bounds writing one response. Defaults to 30s.
	HTTPWriteTimeout time.Duration `env:"HTTP_WRITE_TIMEOUT" envDefault:"30s"`
	// MetricsAddr is where Prometheus metrics are served, e.g. ":9091".
	// Never the public port. Defaults to empty: metrics off.
	MetricsAddr string `env:"METRICS_ADDR"`
	// DashboardUsername is the dashboard's user name. With DashboardPassword it guards the job dashboard at
	// /admin/jobs/ with HTTP basic auth. Both empty (the default) turn the
	// dashboard off.
	DashboardUsername string `env:"DASHBOARD_USERNAME"`
	// DashboardPassword is the dashboard's password, at least 12 bytes when
	// set. Defaults to empty: dashboard off.
	DashboardPassword string `env:"DASHBOARD_PASSWORD"`
	// WorkerWakeURLs lists, comma-separated, the wake URLs of the workers
	// (http://worker:9090/wake): after committing a job the API POSTs to
	// each, in the background, so that a hibernating worker wakes at once.
	// Needs WORKER_WAKE_TOKEN. Defaults to empty: the API never wakes
	// anything.
	WorkerWakeURLs []string `env:"WORKER_WAKE_URLS"`
	// WorkerWakeToken is the bearer token sent with each wake, the same
	// value as the workers' WORKER_WAKE_TOKEN. At least 32 bytes. Required
	// with WORKER_WAKE_URLS. Defaults to empty.
	WorkerWakeToken string `env:"WORKER_WAKE_TOKEN"`
	// ResendWebhookSecret is the signing secret ("whsec_…") of the Resend
	// webhook that posts delivery events to /api/webhooks/resend.
	// Defaults to empty: that receiver answers 404.
	ResendWebhookSecret string `env:"RESEND_WEBHOOK_SECRET"`
	// PostmarkWebhookUsername is the basic-auth user name put in the
	// Postmark webhook's URL for /api/webhooks/postmark. Set together with
	// POSTMARK_WEBHOOK_PASSWORD. Defaults to empty: that receiver answers
	// 404.
	PostmarkWebhookUsername string `env:"POSTMARK_WEBHOOK_USERNAME"`
	// PostmarkWebhookPassword is its password, at least 12 bytes. Defaults
	// to empty: that receiver answers 404.
	PostmarkWebhookPassword string `env:"POSTMARK_WEBHOOK_PASSWORD"`
	// SESSNSTopicARN is the ARN of the SNS topic SES publishes events to;
	// /api/webhooks/ses accepts and confirms only that topic's messages.
	// Defaults to empty: that receiver answers 404.
	SESSNSTopicARN string `env:"SES_SNS_TOPIC_ARN"`
	// SNS is how the SES receiver reaches SNS: the HTTP client that fetches
	// signing certificates and visits SubscribeURL, and which hosts may
	// serve them (TopicARN is taken from SES_SNS_TOPIC_ARN). Not read from
	// the environment: production leaves it zero, which accepts
	// https://sns.<region>.amazonaws.com only, with the system's roots;
	// tests point it at their SNS stand-in on 127.0.0.1.
	SNS webhook.SNSConfig
}

// LoadAPI reads and validates the API's configuration from environ.
func LoadAPI(environ map[string]string) (*API, error) {
	cfg := &API{}
	p := parse(cfg, environ)
	cfg.fillDefaults(10)
	if len(cfg.CORSAllowedOrigins) == 0 && cfg.FrontendURL != "" {
		cfg.CORSAllowedOrigins = []string{cfg.FrontendOrigin()}
	}
	cfg.validate(p)
	return cfg, finish(p)
}

func (c *API) validate(p *problems) {
	c.Common.validate(p)
	// Port 0 picks a free port; tests use it.
	if c.Port < 0 || c.Port > 65535 {
		p.addf("PORT", "PORT must be between 1 and 65535, not %d", c.Port)
	}
	if c.ListenHost != "" && c.ListenHost != "localhost" && net.ParseIP(c.ListenHost) == nil {
		p.addf("LISTEN_HOST", "LISTEN_HOST must be an IP address such as 127.0.0.1 or ::1, or localhost, not %q", c.ListenHost)
	}
	p.secret("JWT_SECRET", c.JWTSecret)
	if c.JWTTTL < time.Minute || c.JWTTTL > 7*24*time.Hour {
		p.addf("JWT_TTL", "JWT_TTL must be between 1m and 168h, not %s", c.JWTTTL)
	}
	minCost := 4
	if c.Production() {
		minCost = 10
	}
	if c.BcryptCost < minCost || c.BcryptCost > 16 {
		p.addf("BCRYPT_COST", "BCRYPT_COST must be between %d and 16, not %d", minCost, c.BcryptCost)
	}
	for _, o := range c.CORSAllowedOrigins {
		u, err := url.Parse(o)
		if o == "*" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" {
			p.addf("CORS_ALLOWED_ORIGINS", "CORS_ALLOWED_ORIGINS entry %q must be an origin such as https://app.example.com (no path, no wildcard)", o)
		}
	}
	for _, tp := range c.TrustedProxies {
		if err := clientip.CheckTrusted(tp); err != nil {
			p.addf("TRUSTED_PROXIES", "TRUSTED_PROXIES entry %q %s", tp, err)
		}
	}
	if c.RateLimitAuthPerMinute < 1 {
		p.add("RATE_LIMIT_AUTH_PER_MINUTE", "RATE_LIMIT_AUTH_PER_MINUTE must be at least 1 (set RATE_LIMIT_ENABLED=false to turn limits off)")
	}
	if c.RateLimitAuthBurst < 1 {
		p.add("RATE_LIMIT_AUTH_BURST", "RATE_LIMIT_AUTH_BURST must be at least 1")
	}
	if c.RateLimitLoginFailures < 1 {
		p.add("RATE_LIMIT_LOGIN_FAILURES", "RATE_LIMIT_LOGIN_FAILURES must be at least 1 (set RATE_LIMIT_ENABLED=false to turn limits off)")
	}
	if c.RateLimitLoginWindow < time.Second {
		p.add("RATE_LIMIT_LOGIN_WINDOW", "RATE_LIMIT_LOGIN_WINDOW must be at least 1s")
	}
	if c.SignupVerification != SignupRequired && c.SignupVerification != SignupOff {
		p.addf("SIGNUP_VERIFICATION", "SIGNUP_VERIFICATION must be required or off, not %q", c.SignupVerification)
	}
	if c.SignupTokenTTL < time.Minute || c.SignupTokenTTL > 7*24*time.Hour {
		p.addf("SIGNUP_TOKEN_TTL", "SIGNUP_TOKEN_TTL must be between 1m and 168h, not %s", c.SignupTokenTTL)
	}
	if c.MaxBodyBytes < 1024 {
		p.add("MAX_BODY_BYTES", "MAX_BODY_BYTES must be at least 1024")
	}
	if c.HTTPWriteTimeout <= 0 {
		p.add("HTTP_WRITE_TIMEOUT", "HTTP_WRITE_TIMEOUT must be positive")
	}
	if c.MetricsAddr != "" {
		if _, port, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			p.addf("METRICS_ADDR", "METRICS_ADDR must look like :9091 or 127.0.0.1:9091, not %q", c.MetricsAddr)
		} else if port != "0" && port == portString(c.Port) {
			p.add("METRICS_ADDR", "METRICS_ADDR must not use the public PORT")
		}
	}
	p.basicAuth("DASHBOARD_USERNAME", c.DashboardUsername, "DASHBOARD_PASSWORD", c.DashboardPassword, "the dashboard")
	if strings.ContainsRune(c.DashboardUsername, ':') {
		p.add("DASHBOARD_USERNAME", "DASHBOARD_USERNAME must not contain ':'")
	}
	c.validateWake(p)
	c.validateWebhooks(p)
}

// basicAuth checks a username and password that turn a feature on
// together: both or neither, and a password of at least 12 bytes. feature
// names what leaving both empty turns off.
func (p *problems) basicAuth(userVar, user, passVar, pass, feature string) {
	if (user == "") != (pass == "") {
		p.addf(userVar, "%s and %s must be set together (or both left empty to turn %s off)", userVar, passVar, feature)
	} else if pass != "" && len(pass) < 12 {
		p.addf(passVar, "%s must be at least 12 bytes", passVar)
	}
}

func (c *API) validateWake(p *problems) {
	for _, raw := range c.WorkerWakeURLs {
		u, err := url.Parse(raw)
		switch {
		case err == nil && u.User != nil:
			// Not echoed: the entry holds a password.
			p.add("WORKER_WAKE_URLS", "WORKER_WAKE_URLS entries must not carry credentials; the API authenticates with WORKER_WAKE_TOKEN")
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
			p.addf("WORKER_WAKE_URLS", "WORKER_WAKE_URLS entry %q must be an http(s) URL such as http://worker:9090/wake", raw)
		}
	}
	if len(c.WorkerWakeURLs) > 0 || c.WorkerWakeToken != "" {
		p.secret("WORKER_WAKE_TOKEN", c.WorkerWakeToken)
	}
}

// snsTopicARN is an SNS topic's ARN (standard or FIFO, any partition).
var snsTopicARN = regexp.MustCompile(`^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$`)

func (c *API) validateWebhooks(p *problems) {
	if c.ResendWebhookSecret != "" {
		if _, err := webhook.SvixKey(c.ResendWebhookSecret); err != nil {
			p.addf("RESEND_WEBHOOK_SECRET", "RESEND_WEBHOOK_SECRET: %v", err)
		}
	}
	p.basicAuth("POSTMARK_WEBHOOK_USERNAME", c.PostmarkWebhookUsername, "POSTMARK_WEBHOOK_PASSWORD", c.PostmarkWebhookPassword, "the Postmark receiver")
	if strings.ContainsAny(c.PostmarkWebhookUsername, ":@/") {
		p.add("POSTMARK_WEBHOOK_USERNAME", "POSTMARK_WEBHOOK_USERNAME must not contain ':', '@' or '/' (it goes in the webhook's URL)")
	}
	if c.SESSNSTopicARN != "" && !snsTopicARN.MatchString(c.SESSNSTopicARN) {
		p.addf("SES_SNS_TOPIC_ARN", "SES_SNS_TOPIC_ARN must be an SNS topic ARN such as arn:aws:sns:eu-west-1:123456789012:ses-events, not %q", c.SESSNSTopicARN)
	}
}

// Values of SIGNUP_VERIFICATION.
const (
	// SignupRequired makes sign-up a request confirmed through a mailed link.
	SignupRequired = "required"
	// SignupOff creates the account at once and says when an address is taken.
	SignupOff = "off"
)

// SignupVerificationRequired reports whether sign-up goes through a mailed
// verification link.
func (c *API) SignupVerificationRequired() bool { return c.SignupVerification == SignupRequired }

// DashboardEnabled reports whether the job dashboard is mounted.
func (c *API) DashboardEnabled() bool { return c.DashboardUsername != "" && c.DashboardPassword != "" }
