package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/todoapp/resetmail/internal/boot"
	"github.com/todoapp/resetmail/internal/config"
	"github.com/todoapp/resetmail/internal/mail"
)

// checkSMTP connects to the configured server, does TLS and AUTH as
// configured, optionally sends a test message, and QUITs, printing each
// step. It needs only the SMTP settings, so operators can run it before the
// database exists.
func checkSMTP(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("check-smtp", flag.ContinueOnError)
	fs.SetOutput(stdout)
	sendTo := fs.String("send-to", "", "also send a test message to this address")
	if err := fs.Parse(args); err != nil {
		return boot.UsageError{Msg: err.Error()}
	}
	cfg, err := config.LoadWorker(boot.Environ(getenv, &config.Worker{}))
	if cfgErr := boot.AsConfigError(err); cfgErr != nil {
		if smtpErr := cfgErr.Only("SMTP_"); smtpErr != nil {
			return smtpErr
		}
	}
	var msg *mail.CheckMessage
	if *sendTo != "" {
		if msg, err = testMessage(cfg, *sendTo); err != nil {
			return boot.UsageError{Msg: fmt.Sprintf("--send-to: %v", err)}
		}
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.SMTPDialTimeout+4*cfg.SMTPCommandTimeout)
	defer cancel()
	return mail.Check(ctx, senderConfig(cfg, slog.New(slog.DiscardHandler)), stdout, msg)
}

func testMessage(cfg *config.Worker, to string) (*mail.CheckMessage, error) {
	from, err := mail.EnvelopeAddress(cfg.SMTPFrom)
	if err != nil {
		return nil, err
	}
	data, err := mail.Compose(mail.Message{
		From:    cfg.SMTPFrom,
		To:      to,
		Subject: cfg.AppName + " SMTP check",
		Text:    "This is a test message from `worker check-smtp`, sent at " + time.Now().UTC().Format(time.RFC1123) + ".\n",
	})
	if err != nil {
		return nil, err
	}
	return &mail.CheckMessage{From: from, To: to, Data: data}, nil
}
