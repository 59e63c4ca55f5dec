package config

import (
	"math"

	mailer "github.com/todoapp/resetmail/internal/mail"
	"github.com/todoapp/resetmail/internal/mail/apiclient"
	"github.com/todoapp/resetmail/internal/mail/oauth"
)

// Mail providers accepted by MAIL_PROVIDER.
const (
	MailProviderSMTP     = mailer.ProviderSMTP
	MailProviderResend   = mailer.ProviderResend
	MailProviderPostmark = mailer.ProviderPostmark
	MailProviderSES      = mailer.ProviderSES
	MailProviderGraph    = mailer.ProviderGraph
)

// Mail is how the worker reaches the mail provider, whatever the transport.
// The SMTP_* settings of Worker apply only to MAIL_PROVIDER=smtp.
type Mail struct {
	// MailProvider is smtp, resend, postmark, ses or graph. Hosts that block
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
	// MailAPIURL overrides the Resend, Postmark or Graph API base URL, for a
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
	// SMTPOAuthTokenURL is the OAuth 2.0 token endpoint of SMTP_AUTH=xoauth2
	// and MAIL_PROVIDER=graph, e.g.
	// https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token. https
	// only, except on a loopback host. Defaults to empty (a service
	// account's key file names its own).
	SMTPOAuthTokenURL string `env:"SMTP_OAUTH_TOKEN_URL"`
	// SMTPOAuthClientID is the app's client ID. Defaults to empty.
	SMTPOAuthClientID string `env:"SMTP_OAUTH_CLIENT_ID"`
	// SMTPOAuthClientSecret is the app's client secret (client-credentials
	// grant, or a confidential client's refresh grant). Never logged.
	// Defaults to empty.
	SMTPOAuthClientSecret string `env:"SMTP_OAUTH_CLIENT_SECRET"`
	// SMTPOAuthScope is the scope asked for, space-separated. Defaults to
	// empty: https://outlook.office365.com/.default for SMTP with a client
	// secret, https://graph.microsoft.com/.default for graph,
	// https://mail.google.com/ for a service account, none for a refresh
	// token (the scopes it was granted).
	SMTPOAuthScope string `env:"SMTP_OAUTH_SCOPE"`
	// SMTPOAuthRefreshToken is a delegated mailbox's refresh token. Never
	// logged. Defaults to empty.
	SMTPOAuthRefreshToken string `env:"SMTP_OAUTH_REFRESH_TOKEN"`
	// SMTPOAuthServiceAccountFile is a Google service account key (JSON)
	// with domain-wide delegation, impersonating SMTP_USERNAME. Defaults
	// to empty.
	SMTPOAuthServiceAccountFile string `env:"SMTP_OAUTH_SERVICE_ACCOUNT_FILE"`
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
	} else if _, err := mailer.NewFrom(c.MailFrom); err != nil {
		// err masks the address it quotes: start-up errors reach logs too.
		p.addf(fromVar, `%s must be an address such as no-reply@example.com or "Todo <no-reply@example.com>" (%v)`, fromVar, err)
	}

	switch c.MailProvider {
	case MailProviderGraph:
		if c.SMTPOAuthRefreshToken != "" || c.SMTPOAuthServiceAccountFile != "" {
			p.add("SMTP_OAUTH_REFRESH_TOKEN", "MAIL_PROVIDER=graph uses the client-credentials grant (application permission Mail.Send): set SMTP_OAUTH_CLIENT_SECRET, not SMTP_OAUTH_REFRESH_TOKEN or SMTP_OAUTH_SERVICE_ACCOUNT_FILE")
		}
		for _, v := range []struct{ name, value string }{
			{"SMTP_OAUTH_TOKEN_URL", c.SMTPOAuthTokenURL}, {"SMTP_OAUTH_CLIENT_ID", c.SMTPOAuthClientID}, {"SMTP_OAUTH_CLIENT_SECRET", c.SMTPOAuthClientSecret},
		} {
			if v.value == "" {
				p.addf(v.name, "%s is required with MAIL_PROVIDER=graph (see docs/deployment/mail-providers.md, Microsoft 365)", v.name)
			}
		}
	case MailProviderSMTP, MailProviderSES:
	case MailProviderResend, MailProviderPostmark:
		if c.MailAPIKey == "" {
			p.addf("MAIL_API_KEY", "MAIL_API_KEY is required with MAIL_PROVIDER=%s", c.MailProvider)
		}
	default:
		p.addf("MAIL_PROVIDER", "MAIL_PROVIDER must be smtp, resend, postmark, ses or graph, not %q", c.MailProvider)
	}
	if c.MailAPIURL != "" {
		if err := apiclient.CheckURL(c.MailAPIURL); err != nil {
			p.addf("MAIL_API_URL", "MAIL_API_URL %v, not %q", err, c.MailAPIURL)
		}
	}
	if c.SMTPOAuthTokenURL != "" {
		if err := oauth.CheckTokenURL(c.SMTPOAuthTokenURL); err != nil {
			p.addf("SMTP_OAUTH_TOKEN_URL", "SMTP_OAUTH_TOKEN_URL %v, not %q", err, c.SMTPOAuthTokenURL)
		}
	}
	if c.AWSEndpointURLSESV2 != "" {
		if err := apiclient.CheckURL(c.AWSEndpointURLSESV2); err != nil {
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

// usesOAuth reports whether any SMTP_OAUTH_* setting is set.
func (c *Mail) usesOAuth() bool {
	return c.SMTPOAuthTokenURL != "" || c.SMTPOAuthClientID != "" || c.SMTPOAuthClientSecret != "" || c.SMTPOAuthScope != "" ||
		c.SMTPOAuthRefreshToken != "" || c.SMTPOAuthServiceAccountFile != ""
}

// validateXOAuth2 checks the settings of SMTP_AUTH=xoauth2: exactly one
// way of getting tokens, with what it needs.
func (c *Mail) validateXOAuth2(p *problems) {
	grants := 0
	for _, v := range []string{c.SMTPOAuthClientSecret, c.SMTPOAuthRefreshToken, c.SMTPOAuthServiceAccountFile} {
		if v != "" {
			grants++
		}
	}
	switch {
	case c.SMTPOAuthServiceAccountFile != "" && grants == 1:
		// The key file names the token URL and client.
	case c.SMTPOAuthRefreshToken != "" && grants <= 2:
		// A confidential client sends its secret with the refresh token.
		if c.SMTPOAuthTokenURL == "" {
			p.add("SMTP_OAUTH_TOKEN_URL", "SMTP_OAUTH_TOKEN_URL is required with SMTP_OAUTH_REFRESH_TOKEN")
		}
	case c.SMTPOAuthClientSecret != "" && grants == 1:
		if c.SMTPOAuthTokenURL == "" || c.SMTPOAuthClientID == "" {
			p.add("SMTP_OAUTH_TOKEN_URL", "SMTP_OAUTH_TOKEN_URL and SMTP_OAUTH_CLIENT_ID are required with SMTP_OAUTH_CLIENT_SECRET")
		}
	case grants == 0:
		p.add("SMTP_OAUTH_CLIENT_SECRET", "SMTP_AUTH=xoauth2 needs one way of getting tokens: SMTP_OAUTH_CLIENT_SECRET (with SMTP_OAUTH_TOKEN_URL and SMTP_OAUTH_CLIENT_ID), SMTP_OAUTH_REFRESH_TOKEN or SMTP_OAUTH_SERVICE_ACCOUNT_FILE")
	default:
		p.add("SMTP_OAUTH_SERVICE_ACCOUNT_FILE", "set one way of getting tokens: SMTP_OAUTH_SERVICE_ACCOUNT_FILE, or SMTP_OAUTH_REFRESH_TOKEN (with the client's secret if it has one), or SMTP_OAUTH_CLIENT_SECRET alone")
	}
}
