package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/boot"
	"github.com/todoapp/resetmail/internal/smtptest"
	"github.com/todoapp/resetmail/internal/testdb"
	"github.com/todoapp/resetmail/internal/testutil"
)

// runWorker runs the worker's run with env and returns stdout, stderr and
// the error.
func runWorker(t *testing.T, env map[string]string, args ...string) (string, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), append([]string{"worker"}, args...), testutil.Env(env), &stdout, &stderr)
	return stdout.String(), stderr.String(), err
}

// writeTemplates writes files (relative path → text) under a new
// TEMPLATE_DIR and returns it.
func writeTemplates(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for rel, text := range files {
		full := filepath.Join(dir, rel)
		require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o700))
		require.NoError(t, os.WriteFile(full, []byte(text), 0o600))
	}
	return dir
}

func TestPreviewFormats(t *testing.T) {
	t.Parallel()
	// No database, no SMTP server: a preview needs neither.
	env := map[string]string{"APP_NAME": "Todo", "FRONTEND_URL": "https://app.example.com"}

	out, stderr, err := runWorker(t, env, "preview", "--kind", "reset", "--lang", "de")
	require.NoError(t, err, stderr)
	require.True(t, strings.HasPrefix(out, "Subject: Passwort für Todo zurücksetzen\nContent-Language: de\n\n"), out)
	require.Contains(t, out, "https://app.example.com/reset-password?token=")
	require.Contains(t, out, "Dieser Link läuft in 60 Minuten ab (20:15 UTC).")
	require.Empty(t, stderr)

	out, _, err = runWorker(t, env, "preview", "--kind", "password_changed", "--lang", "fr-CA", "--format", "html")
	require.NoError(t, err)
	require.Contains(t, out, `<html lang="fr">`)
	require.Contains(t, out, "mercredi 2 janvier 2030, 20:15 UTC")

	// A language without templates gets what a user of it would get.
	out, stderr, err = runWorker(t, env, "preview", "--lang", "xx")
	require.NoError(t, err)
	require.Contains(t, out, "Subject: Reset your Todo password")
	out, stderr, err = runWorker(t, env, "preview", "--lang", "ja")
	require.NoError(t, err)
	require.Contains(t, out, "Content-Language: en")
	require.Contains(t, stderr, "a mail for --lang ja is written in en")

	for _, args := range [][]string{
		{"preview", "--kind", "welcome"},
		{"preview", "--lang", "not a tag"},
		{"preview", "--format", "pdf"},
	} {
		_, _, err := runWorker(t, env, args...)
		require.Error(t, err, "%q", args)
		require.Equal(t, boot.ExitConfig, boot.ExitCode(err), "%q", args)
	}
}

// TestPreviewIsWhatCheckSMTPSends: the bytes of `worker preview --format
// eml` are the bytes the SMTP server receives from `worker check-mail
// --send-to … --kind … --lang …`, apart from Date and Message-ID.
func TestPreviewIsWhatCheckMailSends(t *testing.T) {
	t.Parallel()
	password := testutil.Secret("preview-pw", 20)
	srv := smtptest.NewT(t, smtptest.Options{AuthUser: "mailer", AuthPass: password})
	env := smtpEnv(srv, password)

	for i, lang := range []string{"de", "fr", "en", "es"} {
		eml, stderr, err := runWorker(t, env, "preview", "--kind", "reset", "--lang", lang, "--format", "eml", "--to", "ops@example.com")
		require.NoError(t, err, stderr)
		out, _, err := runWorker(t, env, "check-mail", "--send-to", "ops@example.com", "--kind", "reset", "--lang", lang)
		require.NoError(t, err, out)
		require.Equal(t, i+1, srv.Count())
		got := srv.Messages()[i].Data

		require.Equal(t, withoutDateAndID(t, eml), withoutDateAndID(t, string(got)))
		require.Contains(t, string(got), "Content-Language: "+lang+"\r\n")
	}
}

// withoutDateAndID drops the two header lines that differ between two
// compositions of the same mail, after checking that each is there once.
func withoutDateAndID(t *testing.T, msg string) string {
	t.Helper()
	header := regexp.MustCompile(`(?m)^(Date|Message-Id): [^\r\n]*\r\n`)
	require.Len(t, header.FindAllString(msg, -1), 2)
	return header.ReplaceAllString(msg, "")
}

// TestOverrideAddsItalianForResets: a TEMPLATE_DIR/it/ with only reset
// templates adds Italian for resets; other kinds fall back to the default
// locale, with a warning naming what is missing.
func TestOverrideAddsItalianForResets(t *testing.T) {
	t.Parallel()
	dir := writeTemplates(t, map[string]string{
		"it/reset.subject.tmpl": "Reimposta la password di {{.AppName}}\n",
		"it/reset.txt.tmpl":     "Ciao,\n\napri questo link per scegliere una nuova password:\n{{.Link}}\n\nIl link scade tra {{.ExpiresIn}} ({{.ExpiresAt}}).\n",
		"it/reset.html.tmpl":    "<!DOCTYPE html>\n<html lang=\"{{.Lang}}\"><body><a href=\"{{.Link}}\">Reimposta la password</a></body></html>\n",
	})
	env := map[string]string{"TEMPLATE_DIR": dir}

	out, stderr, err := runWorker(t, env, "preview", "--kind", "reset", "--lang", "it")
	require.NoError(t, err)
	require.Contains(t, out, "Subject: Reimposta la password di Todo\nContent-Language: it\n")
	require.Contains(t, out, "Il link scade tra 60 minuti (20:15 UTC).")
	require.Equal(t, 1, strings.Count(stderr, "warning:"), stderr)
	require.Contains(t, stderr, "it has no password_changed, signup_verify, signup_exists templates")

	out, stderr, err = runWorker(t, env, "preview", "--kind", "password_changed", "--lang", "it")
	require.NoError(t, err)
	require.Contains(t, out, "Content-Language: en\n")
	require.Contains(t, stderr, "a mail for --lang it is written in en")
}

// TestBrokenTemplateStopsTheWorker: a broken TEMPLATE_DIR/de/reset.subject.tmpl
// makes the worker refuse to start, with exit status 2 and a message naming
// the file, the line and the problem, before it serves anything.
func TestBrokenTemplateStopsTheWorker(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	srv := smtptest.NewT(t, smtptest.Options{})
	dir := writeTemplates(t, map[string]string{
		"de/reset.subject.tmpl": "Passwort zurücksetzen\n{{.AppNmae}}\n",
	})
	env := map[string]string{
		"DATABASE_URL":     db.URL,
		"RESET_TOKEN_KEY":  testutil.Secret("preview-key", 48),
		"SMTP_HOST":        srv.Host(),
		"SMTP_PORT":        strconv.Itoa(srv.Port()),
		"SMTP_TLS":         "none",
		"SMTP_FROM":        "no-reply@example.com",
		"WORKER_HTTP_ADDR": "127.0.0.1:0",
		"TEMPLATE_DIR":     dir,
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr bytes.Buffer
	err := run(ctx, []string{"worker"}, testutil.Env(env), &stdout, &stderr)
	require.Error(t, err)
	require.Equal(t, boot.ExitConfig, boot.ExitCode(err))
	file := filepath.Join(dir, "de", "reset.subject.tmpl")
	require.Contains(t, err.Error(), file+":2:")
	require.Contains(t, err.Error(), "can't evaluate field AppNmae")
	require.NotContains(t, stdout.String(), "worker started")
}
