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
	"github.com/todoapp/resetmail/internal/mail/apiclient"
	"github.com/todoapp/resetmail/internal/mail/graph"
	"github.com/todoapp/resetmail/internal/mail/postmark"
	"github.com/todoapp/resetmail/internal/mail/resend"
	"github.com/todoapp/resetmail/internal/mail/smtp"
	"github.com/todoapp/resetmail/internal/mail/templates"
	"github.com/todoapp/resetmail/internal/redact"
	"github.com/todoapp/resetmail/internal/workerapp"
)

// checkMail proves the configured provider works, printing each step, and
// optionally sends a test message. For SMTP it connects, does TLS and AUTH
// as configured, and QUITs; for an HTTPS provider it proves the key with a
// call that sends nothing (and for SES prints the account's sandbox status
// and quota). It needs only the mail settings, so operators can run it
// before the database exists. c.Name is "check-mail" or its
// alias "check-smtp".
func checkMail(ctx context.Context, c boot.Call) error {
	fs := flag.NewFlagSet(c.Name, flag.ContinueOnError)
	fs.SetOutput(c.Stdout)
	sendTo := fs.String("send-to", "", "also send a test message to this address")
	// With --kind or --lang, the test message is the sample mail that
	// `worker preview` shows, sent for real.
	f := addMailFlags(fs, "")
	if err := fs.Parse(c.Args); err != nil {
		return boot.UsageError{Msg: err.Error()}
	}
	if *sendTo == "" && (*f.kind != "" || *f.lang != "") {
		return boot.UsageError{Msg: "--kind and --lang choose the message that --send-to sends"}
	}
	cfg, err := c.LoadWorker()
	names := config.Names(&config.Mail{}, "")
	if cfg.MailProvider == config.MailProviderSMTP {
		names = append(names, config.Names(&config.Worker{}, "SMTP_")...)
	}
	if err := boot.ProblemsAbout(err, names...); err != nil {
		return err
	}
	var msg *mail.Message
	if *sendTo != "" {
		m, err := checkMessage(cfg, f, *sendTo)
		if err != nil {
			return err
		}
		msg = &m
	}
	if cfg.MailProvider == config.MailProviderSMTP {
		return checkSMTP(ctx, cfg, c.Stdout, msg)
	}
	return checkAPI(ctx, cfg, c.Stdout, msg)
}

// checkMessage is the test message: the sample mail of preview with --kind
// or --lang, else a short note.
func checkMessage(cfg *config.Worker, f mailFlags, to string) (mail.Message, error) {
	if *f.kind != "" || *f.lang != "" {
		if *f.kind == "" {
			*f.kind = string(templates.KindReset)
		}
		r, err := workerapp.NewRenderer(cfg)
		if err != nil {
			return mail.Message{}, err
		}
		return sampleMessage(cfg, r, f, to)
	}
	m := mail.Message{
		From:    cfg.MailFrom,
		To:      to,
		Subject: cfg.AppName + " mail check",
		Text:    "This is a test message from `worker check-mail` (" + cfg.MailProvider + "), sent at " + time.Now().UTC().Format(time.RFC1123) + ".\n",
	}
	if _, err := mail.Compose(m); err != nil {
		return mail.Message{}, boot.UsageError{Msg: fmt.Sprintf("--send-to: %v", err)}
	}
	return m, nil
}

func checkSMTP(ctx context.Context, cfg *config.Worker, stdout io.Writer, m *mail.Message) error {
	var msg *smtp.CheckMessage
	if m != nil {
		from, err := mail.NewFrom(m.From)
		if err != nil {
			return boot.UsageError{Msg: fmt.Sprintf("MAIL_FROM: %v", err)}
		}
		data, err := mail.Compose(*m)
		if err != nil {
			return boot.UsageError{Msg: fmt.Sprintf("--send-to: %v", err)}
		}
		msg = &smtp.CheckMessage{From: from.Address(), To: m.To, Data: data}
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.SMTPDialTimeout+4*cfg.SMTPCommandTimeout)
	defer cancel()
	var tokens smtp.Tokens
	if cfg.SMTPAuth == string(smtp.AuthXOAuth2) {
		src, err := workerapp.NewTokens(cfg)
		if err != nil {
			fmt.Fprintf(stdout, "config ... FAILED: %v\n", err)
			return err
		}
		tokens = src
	}
	return smtp.Check(ctx, workerapp.SMTPConfig(cfg, slog.New(slog.DiscardHandler), tokens), stdout, msg)
}

// keyChecker is what the HTTPS providers offer to prove their credentials
// without sending.
type keyChecker interface {
	Check(ctx context.Context) (string, error)
}

func checkAPI(ctx context.Context, cfg *config.Worker, stdout io.Writer, m *mail.Message) error {
	ctx, cancel := context.WithTimeout(ctx, 2*apiclient.DefaultTimeout)
	defer cancel()
	p, closeProvider, err := workerapp.NewProvider(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		fmt.Fprintf(stdout, "config ... FAILED: %v\n", err)
		return fmt.Errorf("check-mail: config: %w", err)
	}
	defer closeProvider()
	fmt.Fprintf(stdout, "config provider=%s%s ... ok\n", cfg.MailProvider, describeAPI(cfg))

	step := func(name string, f func() (string, error)) error {
		start := time.Now()
		detail, err := f()
		took := time.Since(start).Round(100 * time.Microsecond)
		if err != nil {
			fmt.Fprintf(stdout, "%s ... FAILED (%s): %v [%s]\n", name, took, err, mail.Classify(err))
			return fmt.Errorf("check-mail: %s: %w", name, err)
		}
		if detail != "" {
			fmt.Fprintf(stdout, "%s ... ok (%s) %s\n", name, took, detail)
		} else {
			fmt.Fprintf(stdout, "%s ... ok (%s)\n", name, took)
		}
		return nil
	}
	name := "prove the key without sending"
	switch cfg.MailProvider {
	case config.MailProviderSES:
		name = "GetAccount"
	case config.MailProviderGraph:
		name = "oauth token"
	}
	if err := step(name, func() (string, error) { return p.(keyChecker).Check(ctx) }); err != nil {
		return err
	}
	if m != nil {
		return step("send to "+redact.Email(m.To), func() (string, error) {
			r, err := p.Send(ctx, mail.Outgoing{Message: *m, IdempotencyKey: "resetmail/check-mail/" + time.Now().UTC().Format(time.RFC3339Nano)})
			if err != nil || r.MessageID == "" {
				return "", err
			}
			return "message ID " + r.MessageID, nil
		})
	}
	return nil
}

// describeAPI names where the check goes, never the key.
func describeAPI(cfg *config.Worker) string {
	switch cfg.MailProvider {
	case config.MailProviderSES:
		out := " region=" + orDefault(cfg.AWSRegion, "(SDK default)")
		if cfg.AWSEndpointURLSESV2 != "" {
			out += " endpoint=" + cfg.AWSEndpointURLSESV2
		}
		if cfg.SESConfigurationSet != "" {
			out += " configuration-set=" + cfg.SESConfigurationSet
		}
		return out
	case config.MailProviderGraph:
		return " url=" + orDefault(cfg.MailAPIURL, graph.URL) + " mailbox=" + redact.Email(mailbox(cfg.MailFrom)) + " token-url=" + cfg.SMTPOAuthTokenURL + " client-secret=set"
	case config.MailProviderPostmark:
		return " url=" + orDefault(cfg.MailAPIURL, postmark.URL) + " stream=" + cfg.PostmarkMessageStream + " key=set"
	}
	return " url=" + orDefault(cfg.MailAPIURL, resend.URL) + " key=set"
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// mailbox is the bare address of MAIL_FROM, the mailbox Graph sends as.
func mailbox(from string) string {
	if f, err := mail.NewFrom(from); err == nil {
		return f.Address()
	}
	return from
}
