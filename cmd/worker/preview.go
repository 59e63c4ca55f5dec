package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/todoapp/resetmail/internal/boot"
	"github.com/todoapp/resetmail/internal/config"
	"github.com/todoapp/resetmail/internal/locale"
	"github.com/todoapp/resetmail/internal/mail"
	"github.com/todoapp/resetmail/internal/mail/templates"
	"github.com/todoapp/resetmail/internal/workerapp"
)

// previewFrom stands in for SMTP_FROM when a preview runs without it.
const previewFrom = "no-reply@example.com"

// previewTo is the recipient of a preview when --to is not given.
const previewTo = "someone@example.com"

// mailFlags are the flags that choose a sample mail, shared by preview and
// check-smtp --send-to.
type mailFlags struct {
	kind, lang *string
}

func addMailFlags(fs *flag.FlagSet, defaultKind string) mailFlags {
	var names []string
	for _, k := range templates.Kinds() {
		names = append(names, string(k))
	}
	return mailFlags{
		kind: fs.String("kind", defaultKind, "kind of email: "+strings.Join(names, ", ")),
		lang: fs.String("lang", "", "language (BCP 47), matched as for a user; default DEFAULT_LOCALE"),
	}
}

// sampleMessage renders the sample mail the flags choose, for to, with the
// renderer and NewMessage that real sends use: a preview is the mail. The
// message's Language is the language used, which may differ from --lang
// like a user's mail would.
func sampleMessage(cfg *config.Worker, r *templates.Renderer, f mailFlags, to string) (mail.Message, error) {
	kind, err := templates.ParseKind(*f.kind)
	if err != nil {
		return mail.Message{}, boot.UsageError{Msg: "--kind: " + err.Error()}
	}
	pref, err := locale.Explicit(*f.lang)
	if err != nil {
		return mail.Message{}, boot.UsageError{Msg: fmt.Sprintf("--lang %q %v", *f.lang, err)}
	}
	rendered, err := r.Sample(kind, r.Pick(pref), templates.SampleInput{AppName: cfg.AppName, FrontendURL: cfg.FrontendURL})
	if err != nil {
		return mail.Message{}, err
	}
	raw := cfg.MailFrom
	if raw == "" {
		raw = previewFrom
	}
	from, err := mail.NewFrom(raw)
	if err != nil {
		return mail.Message{}, boot.UsageError{Msg: fmt.Sprintf("MAIL_FROM: %v", err)}
	}
	return mail.NewMessage(from, to, rendered), nil
}

// preview writes a sample mail to stdout without a database or an SMTP
// server: `worker preview --kind reset --lang de --format eml`.
func preview(_ context.Context, c boot.Call) error {
	fs := flag.NewFlagSet("preview", flag.ContinueOnError)
	fs.SetOutput(c.Stderr)
	f := addMailFlags(fs, string(templates.KindReset))
	format := fs.String("format", "text", "what to write: text (subject and text part), html (the HTML part) or eml (the whole message)")
	to := fs.String("to", previewTo, "recipient shown in the eml format")
	if err := fs.Parse(c.Args); err != nil {
		return boot.UsageError{Msg: err.Error()}
	}
	if fs.NArg() > 0 {
		return boot.UsageError{Msg: fmt.Sprintf("preview: unexpected argument %q", fs.Arg(0))}
	}
	switch *format {
	case "text", "html", "eml":
	default:
		return boot.UsageError{Msg: fmt.Sprintf("--format must be text, html or eml, not %q", *format)}
	}

	var problems config.Error
	cfg, err := c.LoadWorker()
	// A preview needs no database and no SMTP server, only what shapes the
	// mail.
	problems.Collect(boot.ProblemsAbout(err, "TEMPLATE_DIR", "DEFAULT_LOCALE", "APP_NAME", "FRONTEND_URL"))
	r, err := workerapp.NewRenderer(cfg)
	problems.Collect(err)
	if err := problems.Err(); err != nil {
		return err
	}
	if w := r.Warning(); w != "" {
		fmt.Fprintln(c.Stderr, "warning: "+w)
	}
	msg, err := sampleMessage(cfg, r, f, *to)
	if err != nil {
		return err
	}
	if *f.lang != "" && msg.Language != *f.lang {
		fmt.Fprintf(c.Stderr, "note: a mail for --lang %s is written in %s\n", *f.lang, msg.Language)
	}
	switch *format {
	case "text":
		_, err = fmt.Fprintf(c.Stdout, "Subject: %s\nContent-Language: %s\n\n%s", msg.Subject, msg.Language, msg.Text)
	case "html":
		_, err = io.WriteString(c.Stdout, msg.HTML)
	case "eml":
		var raw []byte
		if raw, err = mail.Compose(msg); err == nil {
			_, err = c.Stdout.Write(raw)
		}
	}
	return err
}
