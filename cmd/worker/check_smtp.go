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
	// With --kind or --lang, the test message is the sample mail that
	// `worker preview` shows, sent for real.
	f := addMailFlags(fs, "")
	if err := fs.Parse(args); err != nil {
		return boot.UsageError{Msg: err.Error()}
	}
	if *sendTo == "" && (*f.kind != "" || *f.lang != "") {
		return boot.UsageError{Msg: "--kind and --lang choose the message that --send-to sends"}
	}
	cfg, err := config.LoadWorker(boot.Environ(getenv, &config.Worker{}))
	if cfgErr := boot.AsConfigError(err); cfgErr != nil {
		if smtpErr := cfgErr.Only("SMTP_"); smtpErr != nil {
			return smtpErr
		}
	}
	var msg *mail.CheckMessage
	switch {
	case *sendTo != "" && (*f.kind != "" || *f.lang != ""):
		if *f.kind == "" {
			*f.kind = string(mail.KindReset)
		}
		if msg, err = sampleCheckMessage(cfg, f, *sendTo); err != nil {
			return err
		}
	case *sendTo != "":
		if msg, err = testMessage(cfg, *sendTo); err != nil {
			return boot.UsageError{Msg: fmt.Sprintf("--send-to: %v", err)}
		}
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.SMTPDialTimeout+4*cfg.SMTPCommandTimeout)
	defer cancel()
	return mail.Check(ctx, senderConfig(cfg, slog.New(slog.DiscardHandler)), stdout, msg)
}

// sampleCheckMessage is the sample mail of preview, composed for to.
func sampleCheckMessage(cfg *config.Worker, f mailFlags, to string) (*mail.CheckMessage, error) {
	r, err := newRenderer(cfg, nil)
	if err != nil {
		return nil, err
	}
	m, err := sampleMessage(cfg, r, f, to)
	if err != nil {
		return nil, err
	}
	from, err := mail.EnvelopeAddress(m.From)
	if err != nil {
		return nil, err
	}
	data, err := mail.Compose(m)
	if err != nil {
		return nil, boot.UsageError{Msg: fmt.Sprintf("--send-to: %v", err)}
	}
	return &mail.CheckMessage{From: from, To: to, Data: data}, nil
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
