package mail

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/todoapp/resetmail/internal/redact"
)

// Stage names that SendError.Stage takes. They follow the SMTP conversation in
// order, so on-call can tell "could not connect" from "the provider refused
// this recipient" at a glance.
const (
	// StageWait is waiting for the rate limiter or for a free connection.
	StageWait = "wait"
	// StageDial is the TCP connection and the server's greeting.
	StageDial = "dial"
	// StageTLS is the implicit TLS handshake or STARTTLS.
	StageTLS = "tls"
	// StageEHLO is the EHLO (or HELO) exchange.
	StageEHLO = "ehlo"
	// StageAuth is SMTP AUTH.
	StageAuth = "auth"
	// StageMail is the MAIL FROM command.
	StageMail = "mail"
	// StageRcpt is the RCPT TO command.
	StageRcpt = "rcpt"
	// StageData is the DATA command, before any of the message is sent.
	StageData = "data"
	// StageBody is sending the message and the server's final reply to it.
	StageBody = "body"
	// StageAPI is an HTTPS provider's API call, after the connection was
	// made.
	StageAPI = "api"
)

// SendError is the error Send and Check return. It carries what on-call needs
// (the SMTP code and the server's words) and what the job worker needs
// (whether a retry can help), without the recipient's full address.
type SendError struct {
	// Temporary is true when trying again later can succeed: network
	// errors, timeouts and SMTP 4xx replies. SMTP 5xx replies and
	// configuration errors are permanent.
	Temporary bool
	// Code is the SMTP reply code, or 0 when the failure was not a reply.
	Code int
	// EnhancedCode is the RFC 3463 status such as "5.1.1", or "" when the
	// server sent none.
	EnhancedCode string
	// Text is the server's reply text (or a description of the failure) with
	// every email address in it masked.
	Text string
	// Stage is where the conversation failed: one of the Stage constants.
	Stage string
	// Server is the SMTP server as host:port.
	Server string
	// Recipient is the masked recipient address (e.g. "j***@example.com"),
	// or "" for failures that happened before a recipient was involved.
	Recipient string
	// Err is the underlying cause, or nil for an SMTP reply.
	Err error
	// Provider is the provider's name (one of the Provider* constants);
	// Error starts with it.
	Provider string
	// Class is the failure class (see Classify), which the provider sets
	// from its own codes: what decides whether the job is retried,
	// snoozed or cancelled.
	Class string
	// RetryAfter is the wait the provider asked for (Retry-After or its
	// rate-limit reset header), or zero.
	RetryAfter time.Duration

	// held marks a send held back by the Gateway's pause (see Hold).
	held bool
}

// Error formats the failure for logs and job errors, for example
// "smtp 550 5.1.1 at rcpt for j***@example.com: user unknown" or
// "smtp dial 127.0.0.1:2525: connection refused (transient)".
func (e *SendError) Error() string {
	var b strings.Builder
	if e.Provider != "" {
		b.WriteString(e.Provider)
	} else {
		b.WriteString("mail")
	}
	b.WriteByte(' ')
	if e.Code != 0 {
		fmt.Fprintf(&b, "%d ", e.Code)
		if e.EnhancedCode != "" {
			b.WriteString(e.EnhancedCode)
			b.WriteByte(' ')
		}
		b.WriteString("at ")
	}
	b.WriteString(e.Stage)
	switch {
	case e.Recipient != "" && isTransactionStage(e.Stage):
		b.WriteString(" for ")
		b.WriteString(e.Recipient)
	case e.Server != "" && e.Code != 0:
		b.WriteString(" on ")
		b.WriteString(e.Server)
	case e.Server != "":
		b.WriteByte(' ')
		b.WriteString(e.Server)
	}
	b.WriteString(": ")
	text := e.Text
	if text == "" && e.Err != nil {
		text = Describe(e.Err)
	}
	b.WriteString(text)
	if e.Temporary {
		b.WriteString(" (transient)")
	}
	return b.String()
}

// Unwrap returns the underlying cause so that errors.Is works with
// context.DeadlineExceeded, the sentinels above and network errors.
func (e *SendError) Unwrap() error { return e.Err }

// isTransactionStage reports whether a stage belongs to one message rather
// than to the connection, which decides whether Error names the recipient or
// the server.
func isTransactionStage(stage string) bool {
	switch stage {
	case StageMail, StageRcpt, StageData, StageBody, StageWait, StageAPI:
		return true
	}
	return false
}

// Describe renders a cause briefly: "connection refused" reads better in a
// job error than "dial tcp 127.0.0.1:2525: connect: connection refused", and
// the server address is already in the message.
func Describe(err error) string {
	var errno syscall.Errno
	var netErr net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "context deadline exceeded"
	case errors.Is(err, context.Canceled):
		return "context canceled"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed by server"
	case errors.As(err, &errno):
		return errno.Error()
	case errors.As(err, &netErr) && netErr.Timeout():
		return "i/o timeout"
	}
	return maskAddresses(err.Error())
}

// maskAddresses hides every email-looking substring, because providers often
// echo the recipient ("<john@example.com>: user unknown") and job errors are
// shown in full in River UI. redact.Addresses is the one masking function
// for free text, shared with the log redactor.
func maskAddresses(s string) string { return redact.Addresses(s) }

// SetClass sets Class and the Temporary flag that goes with it.
func (e *SendError) SetClass(class string) {
	e.Class = class
	e.Temporary = class == ClassTransient || class == ClassOutage || class == ClassThrottled
}
