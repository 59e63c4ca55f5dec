package config

import (
	"net"
	"strconv"
	"time"

	"golang.org/x/text/language"

	"github.com/todoapp/resetmail/internal/mail/addr"
	"github.com/todoapp/resetmail/internal/mail/smtp"
)

// Worker is the configuration of cmd/worker.
type Worker struct {
	Common
	Mail

	// ResetTokenKey is the HMAC key that derives each reset token from its
	// request ID. At least 32 bytes; the same value on every worker. Only
	// the worker holds it: with it and a request ID, shown in the
	// dashboard, anyone could compute that request's token, so the API
	// never reads it. Required.
	ResetTokenKey string `env:"RESET_TOKEN_KEY"`
	// SMTPHost is the mail server's host name. Required.
	SMTPHost string `env:"SMTP_HOST"`
	// SMTPPort is the mail server's port, e.g. 1025 for a local Mailpit.
	// Defaults by SMTP_TLS (mail.DefaultPort): 587 for starttls, 465 for
	// tls, 25 for none.
	SMTPPort int `env:"SMTP_PORT"`
	// SMTPUsername turns on AUTH when set. Defaults to empty.
	SMTPUsername string `env:"SMTP_USERNAME"`
	// SMTPPassword is the AUTH password. Defaults to empty.
	SMTPPassword string `env:"SMTP_PASSWORD"`
	// SMTPAuth is the AUTH mechanism: auto (PLAIN, or LOGIN when only that
	// is offered), plain, login or xoauth2 (an OAuth 2.0 token from the
	// SMTP_OAUTH_* settings instead of SMTP_PASSWORD). Defaults to auto.
	SMTPAuth string `env:"SMTP_AUTH" envDefault:"auto"`
	// SMTPFrom is the old name of MAIL_FROM, still accepted as an alias.
	// Defaults to empty.
	SMTPFrom string `env:"SMTP_FROM"`
	// SMTPTLS is none, starttls (required, fails if not offered) or tls
	// (implicit TLS, port 465). Defaults to starttls.
	SMTPTLS string `env:"SMTP_TLS" envDefault:"starttls"`
	// SMTPMaxConnections caps the SMTP connections one worker process keeps
	// open and reuses. Defaults to 10.
	SMTPMaxConnections int `env:"SMTP_MAX_CONNECTIONS" envDefault:"10"`
	// SMTPRateLimit caps messages per second per worker process for
	// providers with quotas; 0 turns it off. Defaults to 0.
	SMTPRateLimit float64 `env:"SMTP_RATE_LIMIT" envDefault:"0"`
	// SMTPDialTimeout bounds connecting and the TLS handshake. Defaults to 10s.
	SMTPDialTimeout time.Duration `env:"SMTP_DIAL_TIMEOUT" envDefault:"10s"`
	// SMTPCommandTimeout bounds each SMTP command and the message body.
	// Defaults to 30s.
	SMTPCommandTimeout time.Duration `env:"SMTP_COMMAND_TIMEOUT" envDefault:"30s"`
	// WorkerConcurrency is how many jobs one worker process works at once,
	// and the connections an HTTPS provider gets. Defaults to 200:
	// docs/scaling.md says why, and what it costs with a slow SMTP server.
	WorkerConcurrency int `env:"WORKER_CONCURRENCY" envDefault:"200"`
	// WorkerHTTPAddr serves /healthz, /readyz and /metrics. Defaults to ":9090".
	WorkerHTTPAddr string `env:"WORKER_HTTP_ADDR" envDefault:":9090"`
	// WorkerPollOnly makes the worker poll for jobs instead of using
	// LISTEN/NOTIFY, which PgBouncer's transaction pooling does not support.
	// DATABASE_POOLER=transaction implies it. Defaults to false.
	WorkerPollOnly bool `env:"WORKER_POLL_ONLY" envDefault:"false"`
	// WorkerFetchCooldown is the shortest pause between two fetches of jobs.
	// River's default of 100ms caps a worker near 1,000 jobs/s. Defaults to 5ms.
	WorkerFetchCooldown time.Duration `env:"WORKER_FETCH_COOLDOWN" envDefault:"5ms"`
	// WorkerFetchPollInterval is how often the worker polls for jobs when no
	// notification arrives. Defaults to 1s.
	WorkerFetchPollInterval time.Duration `env:"WORKER_FETCH_POLL_INTERVAL" envDefault:"1s"`
	// WorkerPprof serves Go's CPU and heap profiles at /debug/pprof/ on
	// WORKER_HTTP_ADDR, for profiling a worker under load. Profiles reveal
	// code paths and may hold data, so keep WORKER_HTTP_ADDR private when it
	// is on. Defaults to false.
	WorkerPprof bool `env:"WORKER_PPROF" envDefault:"false"`
	// TemplateDir holds email templates as <lang>/<kind>.{subject,txt,html}.tmpl:
	// a file replaces the embedded one of that language and kind, and a new
	// <lang> directory adds a language. Defaults to empty: embedded templates
	// only.
	TemplateDir string `env:"TEMPLATE_DIR"`
	// DefaultLocale is the language (BCP 47) of a mail when neither the
	// request nor the user's stored locale names one the templates exist in.
	// It must have templates for every kind of email. Defaults to "en".
	DefaultLocale string `env:"DEFAULT_LOCALE" envDefault:"en"`
	// AppName appears in email subjects and bodies. Defaults to "Todo".
	AppName string `env:"APP_NAME" envDefault:"Todo"`
	// SupportEmail is the address the "your password was changed" mail
	// tells a reader to write to when they did not make the change, e.g.
	// support@example.com. Defaults to empty: the mail says to contact
	// support without an address (it always links to forgot-password).
	SupportEmail string `env:"SUPPORT_EMAIL"`
	// ResetEmailInterval is the least time between two reset emails to one
	// user; requests inside it complete as throttled. Defaults to 60s.
	ResetEmailInterval time.Duration `env:"RESET_EMAIL_INTERVAL" envDefault:"60s"`
	// EmailRetryBase is the delay before the second attempt; each later one
	// doubles it, with jitter. Defaults to 1s.
	EmailRetryBase time.Duration `env:"EMAIL_RETRY_BASE" envDefault:"1s"`
	// EmailRetryMax caps the delay between two attempts. Defaults to 5m.
	EmailRetryMax time.Duration `env:"EMAIL_RETRY_MAX" envDefault:"5m"`
	// JobTimeout bounds one job's run, after which its context is cancelled.
	// Defaults to 60s.
	JobTimeout time.Duration `env:"JOB_TIMEOUT" envDefault:"60s"`
	// RescueStuckJobsAfter is how long a job may stay running before River
	// assumes its worker died and runs it again. At least JOB_TIMEOUT.
	// Defaults to 90s.
	RescueStuckJobsAfter time.Duration `env:"RESCUE_STUCK_JOBS_AFTER" envDefault:"90s"`
	// ResetRetention is how long reset requests are kept after they expire
	// before the cleanup job deletes them. Defaults to 24h.
	ResetRetention time.Duration `env:"RESET_RETENTION" envDefault:"24h"`
	// WorkerIdleAfter turns hibernation on: after this long with no job
	// worked and none due within it, the worker stops River and closes its
	// database connections, running no query until a POST /wake, a
	// scheduled job or WORKER_IDLE_SWEEP wakes it. At least 1s when set.
	// Defaults to 0: never sleep.
	WorkerIdleAfter time.Duration `env:"WORKER_IDLE_AFTER" envDefault:"0s"`
	// WorkerIdleSweep is the longest a hibernating worker sleeps: it wakes
	// this often on its own to pick up jobs enqueued without a wake.
	// Defaults to 1h.
	WorkerIdleSweep time.Duration `env:"WORKER_IDLE_SWEEP" envDefault:"1h"`
	// WorkerWakeToken is the bearer token POST /wake on WORKER_HTTP_ADDR
	// requires; the API sends it with every wake. At least 32 bytes when
	// set. Defaults to empty: every /wake is refused with 401, and a
	// hibernating worker wakes only on its own.
	WorkerWakeToken string `env:"WORKER_WAKE_TOKEN"`
}

// Hibernates reports whether WORKER_IDLE_AFTER turns hibernation on.
func (c *Worker) Hibernates() bool { return c.WorkerIdleAfter > 0 }

// LoadWorker reads and validates the worker's configuration from environ.
func LoadWorker(environ map[string]string) (*Worker, error) {
	cfg := &Worker{}
	p := parse(cfg, environ)
	cfg.fillDefaults(10)
	if cfg.SMTPPort == 0 {
		// mail owns the port each TLS mode defaults to.
		cfg.SMTPPort = smtp.DefaultPort(smtp.TLSMode(cfg.SMTPTLS))
	}
	cfg.validate(p)
	return cfg, finish(p)
}

// PollOnly reports whether the worker polls for jobs instead of listening:
// when WORKER_POLL_ONLY says so, or when DATABASE_POOLER=transaction, because
// LISTEN needs a session of its own that a transaction pooler does not keep.
func (c *Worker) PollOnly() bool { return c.WorkerPollOnly || c.TransactionPooler() }

func (c *Worker) validate(p *problems) {
	c.Common.validate(p)
	p.secret("RESET_TOKEN_KEY", c.ResetTokenKey)
	c.Mail.validate(p, c.SMTPFrom)
	if c.MailProvider == MailProviderSMTP {
		c.validateSMTP(p)
	}
	c.validateQueue(p)
	if c.SupportEmail != "" {
		if err := addr.Check(c.SupportEmail); err != nil {
			p.addf("SUPPORT_EMAIL", "SUPPORT_EMAIL must be a bare address such as support@example.com: %v", err)
		}
	}
}

// validateSMTP checks the SMTP_* settings, which only MAIL_PROVIDER=smtp
// uses: an HTTPS provider needs none of them.
func (c *Worker) validateSMTP(p *problems) {
	if c.SMTPHost == "" {
		p.add("SMTP_HOST", "SMTP_HOST is required")
	}
	if c.SMTPPort < 1 || c.SMTPPort > 65535 {
		p.addf("SMTP_PORT", "SMTP_PORT must be between 1 and 65535, not %d", c.SMTPPort)
	}
	mode, err := smtp.ParseTLSMode(c.SMTPTLS)
	if err != nil {
		p.addf("SMTP_TLS", "SMTP_TLS %v", err)
	}
	auth, err := smtp.ParseAuthMode(c.SMTPAuth)
	if err != nil {
		p.addf("SMTP_AUTH", "SMTP_AUTH %v", err)
	}
	secret := "SMTP_PASSWORD"
	switch {
	case auth == smtp.AuthXOAuth2:
		secret = "the OAuth token"
		if c.SMTPUsername == "" {
			p.add("SMTP_USERNAME", "SMTP_USERNAME (the mailbox address) is required with SMTP_AUTH=xoauth2")
		}
		if c.SMTPPassword != "" {
			p.add("SMTP_PASSWORD", "SMTP_AUTH=xoauth2 sends a token, not SMTP_PASSWORD; leave it empty")
		}
		c.validateXOAuth2(p)
	case (c.SMTPUsername == "") != (c.SMTPPassword == ""):
		p.add("SMTP_USERNAME", "SMTP_USERNAME and SMTP_PASSWORD must be set together")
	case c.usesOAuth():
		p.add("SMTP_AUTH", "SMTP_OAUTH_* settings are set but SMTP_AUTH is not xoauth2; set SMTP_AUTH=xoauth2 or remove them")
	}
	if smtp.CleartextCredentials(c.SMTPHost, mode, c.SMTPUsername) {
		p.addf("SMTP_TLS", "SMTP_TLS=none would send %s in clear text to a host that is not loopback; use starttls or tls", secret)
	}
	if c.SMTPMaxConnections < 1 || c.SMTPMaxConnections > 1000 {
		p.addf("SMTP_MAX_CONNECTIONS", "SMTP_MAX_CONNECTIONS must be between 1 and 1000, not %d", c.SMTPMaxConnections)
	}
	if c.SMTPRateLimit < 0 {
		p.add("SMTP_RATE_LIMIT", "SMTP_RATE_LIMIT must be 0 (off) or positive")
	}
	positive(p, "SMTP_DIAL_TIMEOUT", c.SMTPDialTimeout)
	positive(p, "SMTP_COMMAND_TIMEOUT", c.SMTPCommandTimeout)
	if c.JobTimeout > 0 && c.JobTimeout <= c.SMTPDialTimeout+c.SMTPCommandTimeout {
		p.add("JOB_TIMEOUT", "JOB_TIMEOUT must exceed SMTP_DIAL_TIMEOUT + SMTP_COMMAND_TIMEOUT, or sends are cut off mid-conversation")
	}
}

func (c *Worker) validateQueue(p *problems) {
	if c.WorkerConcurrency < 1 || c.WorkerConcurrency > 10000 {
		p.addf("WORKER_CONCURRENCY", "WORKER_CONCURRENCY must be between 1 and 10000, not %d", c.WorkerConcurrency)
	}
	if _, _, err := net.SplitHostPort(c.WorkerHTTPAddr); err != nil {
		p.addf("WORKER_HTTP_ADDR", "WORKER_HTTP_ADDR must look like :9090 or 127.0.0.1:9090, not %q", c.WorkerHTTPAddr)
	}
	if c.WorkerFetchCooldown < time.Millisecond {
		p.add("WORKER_FETCH_COOLDOWN", "WORKER_FETCH_COOLDOWN must be at least 1ms")
	}
	if c.WorkerFetchPollInterval < c.WorkerFetchCooldown {
		p.add("WORKER_FETCH_POLL_INTERVAL", "WORKER_FETCH_POLL_INTERVAL must be at least WORKER_FETCH_COOLDOWN")
	}
	if c.ResetEmailInterval < 0 {
		p.add("RESET_EMAIL_INTERVAL", "RESET_EMAIL_INTERVAL must be 0 (off) or positive")
	}
	positive(p, "EMAIL_RETRY_BASE", c.EmailRetryBase)
	if c.EmailRetryMax < c.EmailRetryBase {
		p.add("EMAIL_RETRY_MAX", "EMAIL_RETRY_MAX must be at least EMAIL_RETRY_BASE")
	}
	positive(p, "JOB_TIMEOUT", c.JobTimeout)
	if c.RescueStuckJobsAfter < c.JobTimeout {
		p.add("RESCUE_STUCK_JOBS_AFTER", "RESCUE_STUCK_JOBS_AFTER must be at least JOB_TIMEOUT, or River rescues jobs that are still running")
	}
	positive(p, "RESET_RETENTION", c.ResetRetention)
	c.validateHibernation(p)
	if _, err := language.Parse(c.DefaultLocale); err != nil {
		p.addf("DEFAULT_LOCALE", "DEFAULT_LOCALE must be a BCP 47 language tag such as en or pt-BR, not %q", c.DefaultLocale)
	}
}

func (c *Worker) validateHibernation(p *problems) {
	if c.WorkerIdleAfter < 0 || (c.WorkerIdleAfter > 0 && c.WorkerIdleAfter < time.Second) {
		p.addf("WORKER_IDLE_AFTER", "WORKER_IDLE_AFTER must be 0 (never sleep) or at least 1s, not %s", c.WorkerIdleAfter)
	}
	if c.WorkerIdleSweep < time.Second {
		p.addf("WORKER_IDLE_SWEEP", "WORKER_IDLE_SWEEP must be at least 1s, not %s", c.WorkerIdleSweep)
	}
	if c.WorkerWakeToken != "" {
		p.secret("WORKER_WAKE_TOKEN", c.WorkerWakeToken)
	}
}

func positive(p *problems, name string, d time.Duration) {
	if d <= 0 {
		p.addf(name, "%s must be positive", name)
	}
}

func portString(port int) string { return strconv.Itoa(port) }
