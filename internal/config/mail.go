package config

import (
	"math"
	"net/mail"

	mailer "github.com/todoapp/resetmail/internal/mail"
)

// Mail providers accepted by MAIL_PROVIDER.
const (
	MailProviderSMTP     = mailer.ProviderSMTP
	MailProviderResend   = mailer.ProviderResend
	MailProviderPostmark = mailer.ProviderPostmark
	MailProviderSES      = mailer.ProviderSES
)

// Mail is how the worker reaches the mail provider, whatever the transport.
// The SMTP_* settings of Worker apply only to MAIL_PROVIDER=smtp.
type Mail struct {
	// MailProvider is smtp, resend, postmark or ses. Hosts that block
	// outbound SMTP (Hugging Face Spaces, DigitalOcean) need an HTTPS one.
	// Defaults to smtp.
	MailProvider string `env:"MAIL_PROVIDER" envDefault:"smtp"`
	// MailFrom is the sender, bare or with a display name, e.g.
	// "Todo <no-reply@example.com>", for every provider. SMTP_FROM is
	// accepted as its old name. Required.
	MailFrom string `env:"MAIL_FROM"`
	// MailAPIKey is the Resend API key or the Postmark server token.
	// Required for resend and postmark. Defaults to empty.
	MailAPIKey string `env:"MAIL_API_KEY"`
	// MailAPIURL overrides the Resend or Postmark API base URL, for a
	// regional endpoint or tests. https only, except on a loopback host.
	// Defaults to the provider's public API.
	MailAPIURL string `env:"MAIL_API_URL"`
	// PostmarkMessageStream is the Postmark message stream transactional
	// mail goes to. Defaults to outbound.
	PostmarkMessageStream string `env:"POSTMARK_MESSAGE_STREAM" envDefault:"outbound"`
	// AWSRegion is the SES region, e.g. eu-west-1. Defaults to the AWS
	// SDK's own chain (AWS_DEFAULT_REGION, the shared config file).
	AWSRegion string `env:"AWS_REGION"`
	// AWSEndpointURLSESV2 is the AWS SDK's own override of the SES v2
	// endpoint (a VPC endpoint, tests). https only, except on a loopback
	// host. Defaults to the regional endpoint.
	AWSEndpointURLSESV2 string `env:"AWS_ENDPOINT_URL_SESV2"`
	// SESConfigurationSet is the SES configuration set every mail names,
	// for event publishing. Defaults to empty: none.
	SESConfigurationSet string `env:"SES_CONFIGURATION_SET"`
	// MailRateLimit caps messages per second across all workers together,
	// enforced through Postgres. 0 turns it off. Defaults to 0.
	MailRateLimit float64 `env:"MAIL_RATE_LIMIT" envDefault:"0"`
	// MailRateBurst is how many messages may go out at once above
	// MAIL_RATE_LIMIT after a quiet spell. 0 means one second's worth.
	// Defaults to 0.
	MailRateBurst int `env:"MAIL_RATE_BURST" envDefault:"0"`
}

// validate checks the provider's settings. smtpFrom is SMTP_FROM, the old
// name of MAIL_FROM; validate copies it into MailFrom when MAIL_FROM is
// empty, so that everything else reads MailFrom only.
func (c *Mail) validate(p *problems, smtpFrom string) {
	fromVar := "MAIL_FROM"
	switch {
	case c.MailFrom == "" && smtpFrom != "":
		c.MailFrom, fromVar = smtpFrom, "SMTP_FROM"
	case c.MailFrom != "" && smtpFrom != "" && c.MailFrom != smtpFrom:
		p.add("MAIL_FROM", "MAIL_FROM and SMTP_FROM (its old name) are both set and differ; keep MAIL_FROM only")
	}
	if c.MailFrom == "" {
		p.add("MAIL_FROM", `MAIL_FROM is required (SMTP_FROM is accepted as its old name), e.g. "Todo <no-reply@example.com>"`)
	} else if _, err := mail.ParseAddress(c.MailFrom); err != nil {
		p.addf(fromVar, `%s must be an address such as no-reply@example.com or "Todo <no-reply@example.com>", not %q`, fromVar, c.MailFrom)
	}

	switch c.MailProvider {
	case MailProviderSMTP, MailProviderSES:
	case MailProviderResend, MailProviderPostmark:
		if c.MailAPIKey == "" {
			p.addf("MAIL_API_KEY", "MAIL_API_KEY is required with MAIL_PROVIDER=%s", c.MailProvider)
		}
	default:
		p.addf("MAIL_PROVIDER", "MAIL_PROVIDER must be smtp, resend, postmark or ses, not %q", c.MailProvider)
	}
	if c.MailAPIURL != "" {
		if err := mailer.CheckAPIURL(c.MailAPIURL); err != nil {
			p.addf("MAIL_API_URL", "MAIL_API_URL %v, not %q", err, c.MailAPIURL)
		}
	}
	if c.AWSEndpointURLSESV2 != "" {
		if err := mailer.CheckAPIURL(c.AWSEndpointURLSESV2); err != nil {
			p.addf("AWS_ENDPOINT_URL_SESV2", "AWS_ENDPOINT_URL_SESV2 %v, not %q", err, c.AWSEndpointURLSESV2)
		}
	}
	if c.PostmarkMessageStream == "" {
		p.add("POSTMARK_MESSAGE_STREAM", "POSTMARK_MESSAGE_STREAM must not be empty (the default is outbound)")
	}
	if c.MailRateLimit < 0 || math.IsNaN(c.MailRateLimit) || math.IsInf(c.MailRateLimit, 0) {
		p.add("MAIL_RATE_LIMIT", "MAIL_RATE_LIMIT must be 0 (off) or a positive number of messages per second")
	}
	if c.MailRateBurst < 0 {
		p.add("MAIL_RATE_BURST", "MAIL_RATE_BURST must be 0 (one second's worth) or positive")
	}
}
