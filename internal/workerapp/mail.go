package workerapp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/todoapp/resetmail/internal/config"
	"github.com/todoapp/resetmail/internal/health"
	"github.com/todoapp/resetmail/internal/mail"
	"github.com/todoapp/resetmail/internal/mail/apiclient"
	"github.com/todoapp/resetmail/internal/mail/graph"
	"github.com/todoapp/resetmail/internal/mail/oauth"
	"github.com/todoapp/resetmail/internal/mail/postmark"
	"github.com/todoapp/resetmail/internal/mail/resend"
	"github.com/todoapp/resetmail/internal/mail/ses"
	"github.com/todoapp/resetmail/internal/mail/smtp"
	"github.com/todoapp/resetmail/internal/metrics"
)

// NewProvider builds the provider MAIL_PROVIDER names. The returned close
// releases its connections. New and `worker check-mail` share it, so the
// check tests exactly what sends use.
func NewProvider(ctx context.Context, cfg *config.Worker, logger *slog.Logger) (mail.Provider, func(), error) {
	nothing := func() {}
	api := apiclient.Config{
		APIKey:         cfg.MailAPIKey,
		BaseURL:        cfg.MailAPIURL,
		MessageStream:  cfg.PostmarkMessageStream,
		MaxConnections: cfg.WorkerConcurrency,
	}
	switch cfg.MailProvider {
	case config.MailProviderResend:
		p, err := resend.New(api)
		if err != nil {
			return nil, nil, fmt.Errorf("resend settings: %w", err)
		}
		return p, nothing, nil
	case config.MailProviderPostmark:
		p, err := postmark.New(api)
		if err != nil {
			return nil, nil, fmt.Errorf("postmark settings: %w", err)
		}
		return p, nothing, nil
	case config.MailProviderSES:
		p, err := ses.New(ctx, ses.Config{
			Region:           cfg.AWSRegion,
			Endpoint:         cfg.AWSEndpointURLSESV2,
			ConfigurationSet: cfg.SESConfigurationSet,
			MaxConnections:   cfg.WorkerConcurrency,
		})
		if err != nil {
			return nil, nil, fmt.Errorf("ses settings: %w", err)
		}
		return p, nothing, nil
	case config.MailProviderGraph:
		tokens, err := NewTokens(cfg)
		if err != nil {
			return nil, nil, err
		}
		p, err := graph.New(graph.Config{Tokens: tokens, From: cfg.MailFrom, BaseURL: cfg.MailAPIURL, MaxConnections: cfg.WorkerConcurrency})
		if err != nil {
			return nil, nil, fmt.Errorf("graph settings: %w", err)
		}
		return p, nothing, nil
	}
	var tokens smtp.Tokens
	if cfg.SMTPAuth == string(smtp.AuthXOAuth2) {
		src, err := NewTokens(cfg)
		if err != nil {
			return nil, nil, err
		}
		tokens = src
	}
	sender, err := smtp.NewSender(SMTPConfig(cfg, logger, tokens))
	if err != nil {
		// config.LoadWorker applies mail's rules already; whatever the
		// transport still refuses is a configuration problem too (exit 2).
		return nil, nil, &config.Error{Problems: []config.Problem{{Var: "SMTP_HOST", Problem: "SMTP settings: " + err.Error()}}}
	}
	return smtp.NewProvider(sender), func() { _ = sender.Close() }, nil
}

// NewTokens builds the worker's one OAuth token source (SMTP_OAUTH_*), for
// SMTP XOAUTH2 or Graph: every connection and call shares its token. What
// it refuses (an unreadable key file, a token URL) is a configuration
// problem (exit 2).
func NewTokens(cfg *config.Worker) (*oauth.Source, error) {
	provider := ""
	if cfg.MailProvider == config.MailProviderGraph {
		provider = mail.ProviderGraph
	}
	src, err := oauth.New(oauth.Config{
		Provider:           provider,
		TokenURL:           cfg.SMTPOAuthTokenURL,
		ClientID:           cfg.SMTPOAuthClientID,
		ClientSecret:       cfg.SMTPOAuthClientSecret,
		Scopes:             strings.Fields(cfg.SMTPOAuthScope),
		RefreshToken:       cfg.SMTPOAuthRefreshToken,
		ServiceAccountFile: cfg.SMTPOAuthServiceAccountFile,
		Subject:            cfg.SMTPUsername,
	})
	if err != nil {
		v := oauth.VarTokenURL
		if cfg.SMTPOAuthServiceAccountFile != "" {
			v = oauth.VarServiceAccountFile
		}
		return nil, &config.Error{Problems: []config.Problem{{Var: v, Problem: "OAuth settings: " + err.Error()}}}
	}
	return src, nil
}

// newGateway wraps the provider in what every provider shares: the send-rate
// cap and 429 hold shared by all workers (limiter), the pause while it is
// down or refusing our configuration, and the problem /readyz reports. Its
// metrics are labelled with the provider's name.
func newGateway(p mail.Provider, closeProvider func(), logger *slog.Logger, reg prometheus.Registerer, limiter mail.Limiter) (*mail.Gateway, func(), error) {
	reg = metrics.WithProvider(reg, p.Name())
	g, err := mail.NewGateway(mail.GatewayConfig{
		Provider: p,
		Limiter:  limiter,
		Observer: metrics.NewMailProblems(reg),
		Logger:   logger,
	})
	if err != nil {
		closeProvider()
		return nil, nil, err
	}
	metrics.RegisterMailReady(reg, func() bool { return g.Problem() == nil })
	return g, closeProvider, nil
}

// mailReadiness fails while the provider refuses our configuration, naming
// the problem (never a key or a password: errors carry neither).
func mailReadiness(g *mail.Gateway) health.Check {
	return func(context.Context) error {
		if p := g.Problem(); p != nil {
			if errors.Is(p, oauth.ErrRefused) {
				// Every send asks the token endpoint again: mail resumes
				// by itself once it accepts, without a restart.
				return health.Problem(p.Error() + " (mail is held; it resumes by itself once the token endpoint accepts again; see `worker check-mail`)")
			}
			return health.Problem(p.Error() + " (fix the setting, then restart; see `worker check-mail`)")
		}
		return nil
	}
}
