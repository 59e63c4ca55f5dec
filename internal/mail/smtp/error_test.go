package smtp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/mail"
)

func TestSendErrorFormat(t *testing.T) {
	t.Parallel()
	rcpt := replyError(mail.StageRcpt, 550, "5.1.1 user unknown")
	rcpt.Recipient = "j***@example.com"
	rcpt.Server = "127.0.0.1:2525"
	require.Equal(t, "smtp 550 5.1.1 at rcpt for j***@example.com: user unknown", rcpt.Error())
	require.True(t, permanent(rcpt))

	dial := netError(mail.StageDial, fmt.Errorf("dial tcp 127.0.0.1:2525: connect: %w", syscall.ECONNREFUSED))
	dial.Server = "127.0.0.1:2525"
	dial.Recipient = "j***@example.com"
	require.Equal(t, "smtp dial 127.0.0.1:2525: connection refused (transient)", dial.Error())
	require.False(t, permanent(dial))
	require.ErrorIs(t, dial, syscall.ECONNREFUSED)

	auth := replyError(mail.StageAuth, 535, "5.7.8 Authentication failed")
	auth.Server = "smtp.example.com:587"
	require.Equal(t, "smtp 535 5.7.8 at auth on smtp.example.com:587: Authentication failed", auth.Error())

	noEnhanced := replyError(mail.StageMail, 451, "Requested action aborted")
	noEnhanced.Recipient = "j***@example.com"
	require.Equal(t, "smtp 451 at mail for j***@example.com: Requested action aborted (transient)", noEnhanced.Error())
}

func TestClassification(t *testing.T) {
	t.Parallel()
	for code, want := range map[int]bool{421: false, 450: false, 451: false, 452: false, 454: false, 535: true, 550: true, 552: true, 553: true, 554: true, 334: false, 220: false} {
		require.Equal(t, want, permanent(replyError(mail.StageRcpt, code, "x")), "code %d", code)
	}
	require.False(t, permanent(netError(mail.StageBody, io.EOF)))
	require.False(t, permanent(netError(mail.StageBody, context.DeadlineExceeded)))
	require.True(t, permanent(netError(mail.StageTLS, &tls.CertificateVerificationError{Err: errors.New("unknown authority")})))
	require.True(t, permanent(netError(mail.StageTLS, tls.RecordHeaderError{Msg: "not TLS"})))
	require.True(t, permanent(configError(mail.StageTLS, ErrStartTLSNotOffered)))
	require.False(t, permanent(nil))
	require.False(t, permanent(errors.New("something else")))
	require.True(t, permanent(fmt.Errorf("job: %w", replyError(mail.StageRcpt, 550, "x"))), "wrapped errors are classified")
}

func TestReplyTextIsMasked(t *testing.T) {
	t.Parallel()
	se := replyError(mail.StageRcpt, 550, "5.1.1 <john.smith@example.com>: Recipient address rejected\n5.1.1 see https://help.example.com/x?u=mary@corp.example.")
	require.Equal(t, "5.1.1", se.EnhancedCode)
	require.Equal(t, "<j***@example.com>: Recipient address rejected see https://help.example.com/x?u=m***@corp.example.", se.Text)
	require.NotContains(t, se.Error(), "john.smith")
	require.NotContains(t, se.Error(), "mary@")
}

func TestCutEnhancedCode(t *testing.T) {
	t.Parallel()
	for line, want := range map[string][3]string{
		"5.1.1 user unknown": {"5.1.1", "user unknown", "ok"},
		"4.7.0":              {"4.7.0", "", "ok"},
		"2.0.0 OK: queued":   {"2.0.0", "OK: queued", "ok"},
		"1.2.3 nope":         {"", "1.2.3 nope", ""},
		"5.1 nope":           {"", "5.1 nope", ""},
		"5.1.1234 nope":      {"", "5.1.1234 nope", ""},
		"user unknown":       {"", "user unknown", ""},
	} {
		code, rest, ok := cutEnhancedCode(line)
		require.Equal(t, want[0], code, line)
		require.Equal(t, want[1], rest, line)
		require.Equal(t, want[2] == "ok", ok, line)
	}
}

// TestReplyTextMasksInternationalAddresses: providers that speak SMTPUTF8
// echo international recipients; they are masked like any other, by the
// same function as the log redactor's.
func TestReplyTextMasksInternationalAddresses(t *testing.T) {
	t.Parallel()
	se := replyError(mail.StageRcpt, 550, "5.1.1 <jürgen@bücher.de>: Recipient address rejected; also 用户@例子.广告")
	require.Equal(t, "<j***@bücher.de>: Recipient address rejected; also 用***@例子.广告", se.Text)
	require.NotContains(t, se.Error(), "jürgen")
}

func TestClassifySMTPReplies(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		err   error
		class string
	}{
		{&mail.SendError{Temporary: true, Stage: mail.StageDial}, mail.ClassOutage},
		{&mail.SendError{Temporary: true, Code: 421, Stage: mail.StageDial}, mail.ClassOutage},
		{&mail.SendError{Temporary: true, Code: 421, Stage: mail.StageMail}, mail.ClassOutage},
		{&mail.SendError{Temporary: true, Code: 451, Stage: mail.StageBody}, mail.ClassTransient},
		{&mail.SendError{Code: 535, Stage: mail.StageAuth}, mail.ClassConfig},
		{&mail.SendError{Stage: mail.StageTLS, Err: ErrStartTLSNotOffered}, mail.ClassConfig},
		{&mail.SendError{Code: 530, Stage: mail.StageMail}, mail.ClassConfig},
		{&mail.SendError{Code: 550, Stage: mail.StageRcpt}, mail.ClassRejected},
		{errors.New("something else"), mail.ClassTransient},
	} {
		var se *mail.SendError
		if errors.As(c.err, &se) {
			classified(se)
		}
		require.Equal(t, c.class, mail.Classify(c.err), "%v", c.err)
	}
}

// permanent reports whether err's class means a retry cannot help: the
// message is rejected, or our configuration is.
func permanent(err error) bool {
	var se *mail.SendError
	if errors.As(err, &se) {
		// Errors built here directly are classified as they would be on
		// leaving the package.
		classified(se)
	}
	c := mail.Classify(err)
	return c == mail.ClassRejected || c == mail.ClassConfig
}
