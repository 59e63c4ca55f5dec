package smtp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/todoapp/resetmail/internal/mail/addr"
	"github.com/todoapp/resetmail/internal/redact"
)

// CheckMessage is the optional message that Check sends to prove delivery
// end to end.
type CheckMessage struct {
	// From is the bare envelope sender, usually mail.NewFrom(MAIL_FROM).Address().
	// Required; there is no default.
	From string
	// To is the recipient. It is printed masked. Required; there is no
	// default.
	To string
	// Data is the composed message (see mail.Compose). Required; there is no
	// default.
	Data []byte
}

// Check runs the connection steps of a Sender one at a time for `worker
// check-mail`: connect, TLS as configured, greeting, EHLO, STARTTLS, AUTH,
// optionally one message when msg is not nil, and QUIT. It writes one line
// per step to out, such as "connect 127.0.0.1:1025 ... ok (1ms)", and never
// prints the password. The error names the step that failed.
func Check(ctx context.Context, cfg SenderConfig, out io.Writer, msg *CheckMessage) error {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		fmt.Fprintf(out, "config ... FAILED: %v\n", err)
		return fmt.Errorf("check-mail: config: %w", err)
	}
	auth := "no auth"
	if cfg.Username != "" {
		auth = "user " + redact.Email(cfg.Username)
		if cfg.Auth != AuthAuto {
			auth += " auth=" + string(cfg.Auth)
		}
	}
	fmt.Fprintf(out, "config %s tls=%s %s ... ok\n", cfg.addr(), cfg.TLS, auth)

	var failedStep string
	step := func(name, detail string, took time.Duration, err error) {
		if err != nil {
			failedStep = name
			fmt.Fprintf(out, "%s ... FAILED (%s): %v\n", name, roundDuration(took), err)
			return
		}
		if detail != "" {
			fmt.Fprintf(out, "%s ... ok (%s) %s\n", name, roundDuration(took), detail)
			return
		}
		fmt.Fprintf(out, "%s ... ok (%s)\n", name, roundDuration(took))
	}

	if cfg.Auth == AuthXOAuth2 {
		// The token comes first: without one, AUTH cannot succeed, and a
		// token endpoint's refusal is clearer on its own line.
		start := time.Now()
		detail, err := cfg.Tokens.Check(ctx)
		step("oauth token", detail, time.Since(start), err)
		if err != nil {
			return fmt.Errorf("check-mail: oauth token: %w", err)
		}
	}

	t := newTransport(cfg)
	c, err := t.open(ctx, step)
	if err != nil {
		return fmt.Errorf("check-mail: %s: %w", failedStep, err)
	}
	defer c.close()

	if msg != nil {
		name := "send to " + redact.Email(msg.To)
		start := time.Now()
		stop := c.watch(ctx)
		var err error
		switch {
		case !validAddress(msg.From):
			err = errors.New("envelope sender is not a valid address")
		case !validAddress(msg.To):
			err = errors.New("recipient is not a valid address")
		case len(msg.Data) == 0:
			err = errors.New("message is empty")
		default:
			if res := c.transact(ctx, cfg.CommandTimeout, false, msg.From, msg.To, msg.Data); res.err != nil {
				res.err.Recipient = redact.Email(msg.To)
				err = t.fail(ctx, res.err)
			}
		}
		stop()
		step(name, "", time.Since(start), err)
		if err != nil {
			return fmt.Errorf("check-mail: %s: %w", name, err)
		}
	}

	start := time.Now()
	err = c.quit(true, cfg.CommandTimeout)
	step("quit", "", time.Since(start), err)
	if err != nil {
		return fmt.Errorf("check-mail: quit: %w", err)
	}
	return nil
}

// roundDuration keeps step timings readable: "420µs", "1.2ms", "1.2s".
func roundDuration(d time.Duration) time.Duration {
	switch {
	case d < time.Millisecond:
		return d.Round(10 * time.Microsecond)
	case d < time.Second:
		return d.Round(100 * time.Microsecond)
	}
	return d.Round(100 * time.Millisecond)
}

// validAddress applies the one address rule (addr.Parse).
func validAddress(s string) bool {
	_, err := addr.Parse(s)
	return err == nil
}
