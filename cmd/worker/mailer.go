package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/todoapp/resetmail/internal/config"
	"github.com/todoapp/resetmail/internal/health"
	"github.com/todoapp/resetmail/internal/mail"
	"github.com/todoapp/resetmail/internal/mail/apiclient"
	"github.com/todoapp/resetmail/internal/mail/postmark"
	"github.com/todoapp/resetmail/internal/mail/resend"
	"github.com/todoapp/resetmail/internal/mail/ses"
	"github.com/todoapp/resetmail/internal/mail/smtp"
	"github.com/todoapp/resetmail/internal/metrics"
)

// newProvider builds the provider MAIL_PROVIDER names. The returned close
// releases its connections. serve and check-mail share it, so the check
// tests exactly what sends use.
func newProvider(ctx context.Context, cfg *config.Worker, logger *slog.Logger) (mail.Provider, func(), error) {
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
	}
	sender, err := smtp.NewSender(senderConfig(cfg, logger))
	if err != nil {
		// config.LoadWorker applies mail's rules already; whatever the
		// transport still refuses is a configuration problem too (exit 2).
		return nil, nil, &config.Error{Problems: []config.Problem{{Var: "SMTP_HOST", Problem: "SMTP settings: " + err.Error()}}}
	}
	return smtp.NewProvider(sender), func() { _ = sender.Close() }, nil
}

// newGateway wraps the provider in what every provider shares: the send-rate
// cap and 429 hold shared by all workers (limiter), the pause while it is
// down or refusing our configuration, and the problem /readyz reports. Its metrics are labelled with the provider's name.
func newGateway(ctx context.Context, cfg *config.Worker, logger *slog.Logger, reg prometheus.Registerer, limiter mail.Limiter) (*mail.Gateway, func(), error) {
	p, closeProvider, err := newProvider(ctx, cfg, logger)
	if err != nil {
		return nil, nil, err
	}
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
			return health.Problem(p.Error() + " (fix the setting, then restart; see `worker check-mail`)")
		}
		return nil
	}
}
