package smtp

import (
	"crypto/tls"
	"errors"
	"strings"

	"github.com/todoapp/resetmail/internal/mail"
	"github.com/todoapp/resetmail/internal/redact"
)

// Sentinel causes found in mail.SendError.Err, for callers that want errors.Is.
var (
	// ErrStartTLSNotOffered means TLS is "starttls" but the server did not
	// advertise STARTTLS, so continuing would send mail in plain text.
	ErrStartTLSNotOffered = errors.New("server does not advertise STARTTLS")
	// ErrAuthNotOffered means a username is configured but the server offers
	// neither AUTH PLAIN nor AUTH LOGIN.
	ErrAuthNotOffered = errors.New("server offers neither AUTH PLAIN nor AUTH LOGIN")
	// ErrInsecureAuth means credentials would cross the network in plain
	// text; like net/smtp, this is only allowed to a loopback host.
	ErrInsecureAuth = errors.New("refusing to send credentials over an unencrypted connection to a non-loopback host")
	// ErrSenderClosed means Send was called after Close.
	ErrSenderClosed = errors.New("sender is closed")
)

// replyError builds the error for an unexpected SMTP reply. A 4xx reply is
// transient and a 5xx reply permanent; anything else is a protocol surprise
// that a fresh connection may not repeat, so it is treated as transient.
func replyError(stage string, code int, msg string) *mail.SendError {
	enhanced, text := splitReply(msg)
	return &mail.SendError{
		Provider:     mail.ProviderSMTP,
		Temporary:    code/100 != 5,
		Code:         code,
		EnhancedCode: enhanced,
		Text:         redact.Addresses(text),
		Stage:        stage,
	}
}

// splitReply separates the RFC 3463 enhanced code from the text of a
// (possibly multi-line) reply, and joins the lines with spaces so the error
// stays on one log line.
func splitReply(msg string) (enhanced, text string) {
	lines := strings.Split(msg, "\n")
	for i, line := range lines {
		code, rest, ok := cutEnhancedCode(line)
		if ok {
			if i == 0 {
				enhanced = code
			}
			lines[i] = rest
		}
	}
	return enhanced, strings.TrimSpace(strings.Join(lines, " "))
}

// cutEnhancedCode splits "5.1.1 user unknown" into "5.1.1" and "user
// unknown". It is hand-written rather than a regular expression because it
// runs on every failed reply and the grammar is tiny.
func cutEnhancedCode(line string) (code, rest string, ok bool) {
	field, rest, _ := strings.Cut(line, " ")
	parts := strings.Split(field, ".")
	if len(parts) != 3 || len(parts[0]) != 1 || !strings.ContainsAny(parts[0], "245") {
		return "", line, false
	}
	for _, p := range parts[1:] {
		if p == "" || len(p) > 3 || strings.Trim(p, "0123456789") != "" {
			return "", line, false
		}
	}
	return field, rest, true
}

// netError builds the error for a failure that was not an SMTP reply. Such
// failures are transient unless the cause says otherwise (see permanentCause).
func netError(stage string, err error) *mail.SendError {
	return &mail.SendError{
		Provider:  mail.ProviderSMTP,
		Temporary: !permanentCause(err),
		Stage:     stage,
		Err:       err,
	}
}

// configError builds a permanent error for a setup problem that a retry
// cannot fix, such as STARTTLS missing or credentials over plain text.
func configError(stage string, err error) *mail.SendError {
	return &mail.SendError{Provider: mail.ProviderSMTP, Stage: stage, Err: err}
}

// permanentCause reports causes that are configuration problems rather than
// network weather: a certificate that does not verify, a server speaking
// something other than TLS on a TLS port, or a TLS alert refusing our
// parameters. Retrying those only burns the job's attempts.
func permanentCause(err error) bool {
	var (
		certErr   *tls.CertificateVerificationError
		recordErr tls.RecordHeaderError
		alertErr  tls.AlertError
	)
	return errors.As(err, &certErr) || errors.As(err, &recordErr) || errors.As(err, &alertErr)
}

// classified completes an error as it leaves this package: the provider's
// name, and the class the mail core and the jobs act on, derived from the
// SMTP reply and the stage.
func classified(se *mail.SendError) *mail.SendError {
	se.Provider = mail.ProviderSMTP
	if se.Class == "" {
		se.SetClass(classOf(se))
	}
	return se
}

// classOf names the class of an SMTP failure.
func classOf(se *mail.SendError) string {
	switch {
	case se.Temporary && se.Stage == mail.StageDial:
		return mail.ClassOutage
	case se.Temporary && se.Code == 421:
		// RFC 5321: the service is not available and is closing the
		// channel. Said to every transaction, it is an outage, not this
		// message's problem.
		return mail.ClassOutage
	case se.Temporary:
		return mail.ClassTransient
	case se.Code == 530 || isSetupStage(se.Stage):
		return mail.ClassConfig
	}
	return mail.ClassRejected
}

// isSetupStage reports stages before any message was offered (dial, TLS,
// EHLO, AUTH): a permanent failure there is our configuration.
func isSetupStage(stage string) bool {
	switch stage {
	case mail.StageDial, mail.StageTLS, mail.StageEHLO, mail.StageAuth:
		return true
	}
	return false
}
