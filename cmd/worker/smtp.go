package main

import (
	"log/slog"

	"github.com/todoapp/resetmail/internal/config"
	"github.com/todoapp/resetmail/internal/mail/smtp"
)

// senderConfig maps the worker's SMTP_* settings onto the transport's config.
// serve and check-smtp share it, so the check tests exactly what sends use.
func senderConfig(cfg *config.Worker, logger *slog.Logger) smtp.SenderConfig {
	return smtp.SenderConfig{
		Host:           cfg.SMTPHost,
		Port:           cfg.SMTPPort,
		Username:       cfg.SMTPUsername,
		Password:       cfg.SMTPPassword,
		TLS:            smtp.TLSMode(cfg.SMTPTLS),
		DialTimeout:    cfg.SMTPDialTimeout,
		CommandTimeout: cfg.SMTPCommandTimeout,
		MaxConnections: cfg.SMTPMaxConnections,
		RateLimit:      cfg.SMTPRateLimit,
		Logger:         logger,
	}
}
