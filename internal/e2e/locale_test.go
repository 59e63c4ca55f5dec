package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/stack"
	"github.com/todoapp/resetmail/internal/testutil"
)

// doLang is do with an Accept-Language header.
func (b *testBundle) doLang(t *testing.T, path, acceptLanguage string, body any) response {
	t.Helper()
	h := http.Header{}
	if acceptLanguage != "" {
		h.Set("Accept-Language", acceptLanguage)
	}
	return b.doWith(t, http.MethodPost, path, h, body)
}

// forgot asks for a reset mail and returns the n-th mail, parsed.
func (b *testBundle) forgot(t *testing.T, n int, acceptLanguage string, body map[string]string) *testutil.ParsedMail {
	t.Helper()
	r := b.doLang(t, "/api/auth/forgot-password", acceptLanguage, body)
	require.Equal(t, http.StatusAccepted, r.status, string(r.raw))
	_, parsed := b.waitMail(t, n)
	return parsed
}

// requireLanguage checks that a mail is in lang from top to bottom: the
// Content-Language header, the html lang attribute, and the subject.
func requireLanguage(t *testing.T, m *testutil.ParsedMail, lang, subject string) {
	t.Helper()
	require.Equal(t, lang, m.Header.Get("Content-Language"))
	require.Contains(t, m.HTML, `<html lang="`+lang+`">`)
	require.Equal(t, subject, m.Subject)
}

// TestResetMailLanguage walks the language rule through the real binaries:
// Accept-Language, an unknown language, an explicit locale beating the
// header, and a bad locale.
func TestResetMailLanguage(t *testing.T) {
	t.Parallel()
	b := setup(t, bundleOpts{})
	b.register(t, "ada@example.com", "a fine password", "Ada")
	ada := map[string]string{"email": "ada@example.com"}

	de := b.forgot(t, 1, "de-DE,de;q=0.9", ada)
	requireLanguage(t, de, "de", "Passwort für Todo zurücksetzen")
	require.Contains(t, de.Text, "wir haben eine Anfrage erhalten, das Passwort Ihres Todo-Kontos zurückzusetzen.")
	require.Regexp(t, `Dieser Link läuft in 60 Minuten ab \(\d\d:\d\d UTC\)\.`, de.Text)

	en := b.forgot(t, 2, "xx", ada)
	requireLanguage(t, en, "en", "Reset your Todo password")

	es := b.forgot(t, 3, "de-DE,de;q=0.9", map[string]string{"email": "ada@example.com", "locale": "es"})
	requireLanguage(t, es, "es", "Restablece tu contraseña de Todo")

	r := b.doLang(t, "/api/auth/forgot-password", "de", map[string]string{"email": "ada@example.com", "locale": "not a tag!"})
	require.Equal(t, http.StatusBadRequest, r.status, string(r.raw))
	require.Equal(t, "validation_failed", errorCode(r))
	require.Contains(t, string(r.raw), `"locale"`)

	// The language the request asked for is in the job args, where the
	// dashboard shows it.
	var locales []string
	jobs, err := b.db.Fixtures.JobArgs(context.Background(), b.db.Pool, "password_reset_email")
	require.NoError(t, err)
	for _, j := range jobs {
		var args struct {
			Locale string `json:"locale"`
		}
		require.NoError(t, json.Unmarshal([]byte(j.Args), &args))
		locales = append(locales, args.Locale)
	}
	require.Equal(t, []string{"de-DE,de", "", "es,de-DE,de"}, locales)
}

// TestSignedUpInFrenchGetsFrench: the language of the sign-up request is
// stored, and mail for requests that name none follows it.
func TestSignedUpInFrenchGetsFrench(t *testing.T) {
	t.Parallel()
	b := setup(t, bundleOpts{})
	r := b.doLang(t, "/api/auth/register", "fr-FR,fr;q=0.9,en;q=0.5",
		map[string]string{"email": "amelie@example.com", "password": "a fine password", "name": "Amélie"})
	require.Equal(t, http.StatusCreated, r.status, string(r.raw))

	fr := b.forgot(t, 1, "", map[string]string{"email": "amelie@example.com"})
	requireLanguage(t, fr, "fr", "Réinitialisez votre mot de passe Todo")
	require.Contains(t, fr.Text, "Ce lien expire dans 60 minutes")

	// The notice after the reset follows the stored language too.
	r = b.doLang(t, "/api/auth/reset-password", "", map[string]string{"token": tokenFrom(t, fr.Text), "new_password": "another password"})
	require.Equal(t, http.StatusOK, r.status, string(r.raw))
	_, changed := b.waitMail(t, 2)
	requireLanguage(t, changed, "fr", "Votre mot de passe Todo a été modifié")

	// A request's own language still beats the stored one.
	de := b.forgot(t, 3, "de", map[string]string{"email": "amelie@example.com"})
	requireLanguage(t, de, "de", "Passwort für Todo zurücksetzen")

	// An explicit locale at sign-up beats the header; a bad one is a 400.
	r = b.doLang(t, "/api/auth/register", "fr", map[string]string{"email": "jose@example.com", "password": "a fine password", "name": "José", "locale": "es-MX"})
	require.Equal(t, http.StatusCreated, r.status, string(r.raw))
	es := b.forgot(t, 4, "", map[string]string{"email": "jose@example.com"})
	requireLanguage(t, es, "es", "Restablece tu contraseña de Todo")
	r = b.doLang(t, "/api/auth/register", "", map[string]string{"email": "x@example.com", "password": "a fine password", "name": "X", "locale": "español"})
	require.Equal(t, http.StatusBadRequest, r.status, string(r.raw))
	require.Contains(t, string(r.raw), `"locale"`)
}

// TestTemplateDirAddsItalianForResets: TEMPLATE_DIR/it/ with only reset
// templates adds Italian for resets; the password-changed notice falls
// back to DEFAULT_LOCALE, and the worker warned about it once at start.
func TestTemplateDirAddsItalianForResets(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, text := range map[string]string{
		"reset.subject.tmpl": "Reimposta la password di {{.AppName}}\n",
		"reset.txt.tmpl":     "Ciao,\n\napri questo link per scegliere una nuova password:\n\n{{.Link}}\n\nIl link scade tra {{.ExpiresIn}} ({{.ExpiresAt}}).\n",
		"reset.html.tmpl":    "<!DOCTYPE html>\n<html lang=\"{{.Lang}}\"><body><p><a href=\"{{.Link}}\">Reimposta la password</a></p></body></html>\n",
	} {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, "it"), 0o700))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "it", name), []byte(text), 0o600))
	}
	b := setup(t, bundleOpts{extra: []string{"TEMPLATE_DIR", dir}})
	b.register(t, "lucia@example.com", "a fine password", "Lucia")

	it := b.forgot(t, 1, "it-IT,it;q=0.9", map[string]string{"email": "lucia@example.com"})
	requireLanguage(t, it, "it", "Reimposta la password di Todo")
	require.Contains(t, it.Text, "Il link scade tra 60 minuti")

	r := b.doLang(t, "/api/auth/reset-password", "it-IT", map[string]string{"token": tokenFrom(t, it.Text), "new_password": "another password"})
	require.Equal(t, http.StatusOK, r.status, string(r.raw))
	_, changed := b.waitMail(t, 2)
	requireLanguage(t, changed, "en", "Your Todo password was changed")

	require.Equal(t, 1, strings.Count(b.worker.Output(), "it has no password_changed, signup_verify, signup_exists templates"), b.worker.Output())
}

// TestBrokenTemplateStopsTheWorkerBinary: a broken
// TEMPLATE_DIR/de/reset.subject.tmpl makes the worker binary exit with
// status 2, naming the file, the line and the problem.
func TestBrokenTemplateStopsTheWorkerBinary(t *testing.T) {
	t.Parallel()
	b := setup(t, bundleOpts{})
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "de"), 0o700))
	file := filepath.Join(dir, "de", "reset.subject.tmpl")
	require.NoError(t, os.WriteFile(file, []byte("Passwort {{.AppName}\n"), 0o600))

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := stack.Run(ctx, built(t).Worker, b.env.With("TEMPLATE_DIR", dir))
	var exit *exec.ExitError
	require.True(t, errors.As(err, &exit), "%v\n%s", err, out)
	require.Equal(t, 2, exit.ExitCode(), out)
	require.Contains(t, out, file+":1:")
	require.Contains(t, out, "bad character")
	require.NotContains(t, out, "worker started")
}

// TestPreviewBytesAreWhatTheServerReceives: `worker preview --format eml`
// writes the bytes that `worker check-mail --send-to … --kind … --lang …`
// delivers, apart from Date and Message-ID, both from the real binary.
func TestPreviewBytesAreWhatTheServerReceives(t *testing.T) {
	t.Parallel()
	b := setup(t, bundleOpts{})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	bin := built(t).Worker
	header := regexp.MustCompile(`(?m)^(Date|Message-Id): [^\r\n]*\r\n`)
	for i, kind := range []string{"reset", "password_changed"} {
		eml, err := stack.Run(ctx, bin, b.env, "preview", "--kind", kind, "--lang", "de", "--format", "eml", "--to", "ops@example.com")
		require.NoError(t, err, eml)
		out, err := stack.Run(ctx, bin, b.env, "check-mail", "--send-to", "ops@example.com", "--kind", kind, "--lang", "de")
		require.NoError(t, err, out)
		got, _ := b.waitMail(t, i+1)

		require.Len(t, header.FindAllString(eml, -1), 2)
		require.Len(t, header.FindAllString(string(got.Data), -1), 2)
		require.Equal(t, header.ReplaceAllString(eml, ""), header.ReplaceAllString(string(got.Data), ""))
		require.Contains(t, eml, "Content-Language: de\r\n")
	}
}
