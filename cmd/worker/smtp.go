package main

import (
	"log/slog"
	"time"

	"github.com/todoapp/resetmail/internal/config"
	"github.com/todoapp/resetmail/internal/mail"
)

// senderConfig maps the worker's SMTP_* settings onto the transport's config.
// serve and check-smtp share it, so the check tests exactly what sends use.
func senderConfig(cfg *config.Worker, logger *slog.Logger) mail.SenderConfig {
	return mail.SenderConfig{
		Host:           cfg.SMTPHost,
		Port:           cfg.SMTPPort,
		Username:       cfg.SMTPUsername,
		Password:       cfg.SMTPPassword,
		TLS:            mail.TLSMode(cfg.SMTPTLS),
		DialTimeout:    cfg.SMTPDialTimeout,
		CommandTimeout: cfg.SMTPCommandTimeout,
		MaxConnections: cfg.SMTPMaxConnections,
		RateLimit:      cfg.SMTPRateLimit,
		// The Gateway pauses every send while the server is down; the
		// sender's own dial backoff only spaces out redials, and a short
		// cap keeps recovery within seconds.
		DialBackoffMax: 2 * time.Second,
		Logger:         logger,
	}
}
