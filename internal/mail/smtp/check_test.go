package smtp

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/smtptest"
)

func TestCheckSucceeds(t *testing.T) {
	t.Parallel()
	srv := smtptest.NewT(t, smtptest.Options{TLS: true, AuthUser: "mailer@example.com", AuthPass: "pa55word"})
	cfg := SenderConfig{
		Host: srv.Host(), Port: srv.Port(), TLS: TLSStartTLS, RootCAs: srv.RootCAs(),
		Username: "mailer@example.com", Password: "pa55word",
	}
	var out bytes.Buffer
	err := Check(testCtx(t), cfg, &out, &CheckMessage{From: testFrom, To: "john@example.com", Data: testMessage(t, "john@example.com")})
	require.NoError(t, err, out.String())

	text := out.String()
	t.Log("\n" + text)
	for _, line := range []string{
		"config " + srv.Addr() + " tls=starttls user m***@example.com ... ok",
		"connect " + srv.Addr() + " ... ok (",
		"greeting ... ok (",
		"ehlo localhost ... ok (",
		"starttls ... ok (",
		"ehlo localhost (after starttls) ... ok (",
		"auth as m***@example.com ... ok (",
		"send to j***@example.com ... ok (",
		"quit ... ok (",
	} {
		require.Contains(t, text, line)
	}
	require.NotContains(t, text, "pa55word")
	require.NotContains(t, text, "john@")
	require.NotContains(t, text, "FAILED")
	require.Equal(t, 1, srv.Count())
}

func TestCheckNamesFailingStep(t *testing.T) {
	t.Parallel()
	srv := smtptest.NewT(t, smtptest.Options{TLS: true, AuthUser: "mailer", AuthPass: "right"})
	cfg := SenderConfig{Host: srv.Host(), Port: srv.Port(), RootCAs: srv.RootCAs(), Username: "mailer", Password: "wrong-secret"}
	var out bytes.Buffer
	err := Check(testCtx(t), cfg, &out, nil)
	require.ErrorContains(t, err, "check-mail: auth as ***")
	require.ErrorContains(t, err, "535")
	require.True(t, permanent(err))
	require.Contains(t, out.String(), "auth as *** ... FAILED (")
	require.NotContains(t, out.String(), "wrong-secret")
	require.NotContains(t, out.String(), "quit")

	hole, herr := smtptest.StartBlackhole()
	require.NoError(t, herr)
	t.Cleanup(func() { _ = hole.Close() })
	out.Reset()
	err = Check(testCtx(t), SenderConfig{Host: hole.Host(), Port: hole.Port(), TLS: TLSNone, CommandTimeout: 100 * time.Millisecond}, &out, nil)
	require.ErrorContains(t, err, "check-mail: greeting")
	require.True(t, strings.HasPrefix(out.String(), "config "))
	require.Contains(t, out.String(), "greeting ... FAILED (")

	out.Reset()
	err = Check(testCtx(t), SenderConfig{}, &out, nil)
	require.ErrorContains(t, err, "config")
	require.Contains(t, out.String(), "config ... FAILED")
}
