package workerapp

import (
	"log/slog"

	"github.com/todoapp/resetmail/internal/config"
	"github.com/todoapp/resetmail/internal/mail/smtp"
)

// SMTPConfig maps the worker's SMTP_* settings onto the transport's config.
// New and `worker check-mail` share it, so the check tests exactly what
// sends use. tokens is the OAuth token source of SMTP_AUTH=xoauth2, else
// nil.
func SMTPConfig(cfg *config.Worker, logger *slog.Logger, tokens smtp.Tokens) smtp.SenderConfig {
	return smtp.SenderConfig{
		Host:           cfg.SMTPHost,
		Port:           cfg.SMTPPort,
		Username:       cfg.SMTPUsername,
		Password:       cfg.SMTPPassword,
		Auth:           smtp.AuthMode(cfg.SMTPAuth),
		Tokens:         tokens,
		TLS:            smtp.TLSMode(cfg.SMTPTLS),
		DialTimeout:    cfg.SMTPDialTimeout,
		CommandTimeout: cfg.SMTPCommandTimeout,
		MaxConnections: cfg.SMTPMaxConnections,
		RateLimit:      cfg.SMTPRateLimit,
		Logger:         logger,
	}
}
