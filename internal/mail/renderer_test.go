package mail

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// resetData is a valid reset that tests vary.
func resetData() ResetData {
	return ResetData{
		AppName:   "Todo",
		Link:      "https://todo.example.com/reset?token=abc123",
		ExpiresAt: time.Date(2030, 1, 2, 20, 15, 0, 0, time.UTC),
		TTL:       time.Hour,
	}
}

func newRenderer(t testing.TB, dir string) *Renderer {
	t.Helper()
	r, err := NewRenderer(RendererConfig{Dir: dir})
	require.NoError(t, err)
	return r
}

func TestRendererResetEmbedded(t *testing.T) {
	t.Parallel()
	r := newRenderer(t, "")
	out, err := r.Reset(resetData())
	require.NoError(t, err)

	require.Equal(t, "Reset your Todo password", out.Subject)
	for part, body := range map[string]string{"text": out.Text, "html": out.HTML} {
		require.Contains(t, body, "https://todo.example.com/reset?token=abc123", part)
		require.Contains(t, body, "expires at", part)
		require.Contains(t, body, "20:15 UTC", part)
		require.Contains(t, body, "in 60 minutes", part)
		require.Contains(t, body, "If you did not ask for this, ignore this email", part)
		require.Contains(t, body, "Hello,", part)
	}
	// The HTML part is built for mail clients: tables, inline CSS, a button
	// and the link again as text.
	require.Contains(t, out.HTML, `<table role="presentation"`)
	require.Contains(t, out.HTML, `style="`)
	require.NotContains(t, out.HTML, "<style")
	require.Contains(t, out.HTML, `>Reset password</a>`)
	require.Equal(t, 2, strings.Count(out.HTML, `href="https://todo.example.com/reset?token=abc123"`))
	require.Contains(t, out.HTML, `>https://todo.example.com/reset?token=abc123</a>`)
}

func TestRendererEscapesHTML(t *testing.T) {
	t.Parallel()
	r := newRenderer(t, "")
	d := resetData()
	d.AppName = `Todo <script>alert("x")</script> <b>`
	d.Link = "https://todo.example.com/reset?token=a&next=/x\"onmouseover=1"
	out, err := r.Reset(d)
	require.NoError(t, err)
	require.NotContains(t, strings.ToLower(out.HTML), "<script")
	require.Contains(t, out.HTML, "&lt;script&gt;")
	require.NotContains(t, out.HTML, "<b>")
	require.NotContains(t, out.HTML, `"onmouseover`)
	require.Contains(t, out.HTML, "token=a&amp;next=")
	// The text part is not HTML, but configured text still cannot add lines.
	d.AppName = "Todo\n\nClick here"
	out, err = r.Reset(d)
	require.NoError(t, err)
	require.Contains(t, out.Text, "your Todo Click here account")
}

// TestSecurityMailCannotReachTheName shows that the templates have no way
// to print a user's display name, not even through an override: the data
// they see has no such field, so a template that asks for one fails at
// start-up instead of quietly printing an attacker's sentence.
func TestSecurityMailCannotReachTheName(t *testing.T) {
	t.Parallel()
	for _, file := range []string{"reset.txt.tmpl", "reset.html.tmpl", "password_changed.txt.tmpl", "password_changed.html.tmpl"} {
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, file), []byte("Hi {{.Name}}"), 0o600))
		_, err := NewRenderer(RendererConfig{Dir: dir})
		require.Error(t, err, file)
	}
}

func TestRendererValidation(t *testing.T) {
	t.Parallel()
	r := newRenderer(t, "")
	cases := map[string]func(*ResetData){
		"no app":         func(d *ResetData) { d.AppName = " " },
		"no link":        func(d *ResetData) { d.Link = "" },
		"javascript":     func(d *ResetData) { d.Link = "javascript:alert('token=secret')" },
		"relative":       func(d *ResetData) { d.Link = "/reset?token=secret" },
		"link with CRLF": func(d *ResetData) { d.Link = "https://x.example/?token=secret\r\n" },
		"no expiry":      func(d *ResetData) { d.ExpiresAt = time.Time{} },
	}
	for name, mutate := range cases {
		d := resetData()
		mutate(&d)
		_, err := r.Reset(d)
		require.Error(t, err, name)
		require.NotContains(t, err.Error(), "secret", name)
	}
}

func TestRendererOverrideFromDir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "reset.subject.tmpl"), []byte("{{.AppName}}: new password\n"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "reset.html.tmpl"), []byte(`<p>{{.AppName}}: <a href="{{.Link}}">go</a> before {{.ExpiresAt}}</p>`), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "unrelated.txt"), []byte("ignored"), 0o600))

	r := newRenderer(t, dir)
	d := resetData()
	d.AppName = "<i>J</i>"
	out, err := r.Reset(d)
	require.NoError(t, err)
	require.Equal(t, "<i>J</i>: new password", out.Subject)
	require.Equal(t, `<p>&lt;i&gt;J&lt;/i&gt;: <a href="https://todo.example.com/reset?token=abc123">go</a> before 20:15 UTC</p>`, out.HTML)
	// Templates without an override stay embedded.
	require.Contains(t, out.Text, "If you did not ask for this")
	changed, err := r.PasswordChanged(PasswordChangedData{AppName: "Todo"})
	require.NoError(t, err)
	require.Equal(t, "Your Todo password was changed", changed.Subject)
}

func TestRendererBadOverrideFailsAtStartup(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "reset.txt.tmpl"), []byte("{{.Nope}}"), 0o600))
	_, err := NewRenderer(RendererConfig{Dir: dir})
	require.ErrorContains(t, err, "reset")

	require.NoError(t, os.WriteFile(filepath.Join(dir, "reset.txt.tmpl"), []byte("{{if}}"), 0o600))
	_, err = NewRenderer(RendererConfig{Dir: dir})
	require.Error(t, err)

	_, err = NewRenderer(RendererConfig{Dir: filepath.Join(dir, "missing")})
	require.Error(t, err)
}

func TestRendererPasswordChanged(t *testing.T) {
	t.Parallel()
	r := newRenderer(t, "")
	at := time.Date(2030, 1, 2, 20, 15, 0, 0, time.FixedZone("CET", 3600))
	out, err := r.PasswordChanged(PasswordChangedData{AppName: "<b>Todo</b>", ChangedAt: at, SupportHint: "Write to help@todo.example."})
	require.NoError(t, err)
	require.Equal(t, "Your <b>Todo</b> password was changed", out.Subject)
	for _, body := range []string{out.Text, out.HTML} {
		require.Contains(t, body, "Wednesday 2 January 2030 at 19:15 UTC")
		require.Contains(t, body, "Write to help@todo.example.")
	}
	require.Contains(t, out.HTML, "&lt;b&gt;Todo&lt;/b&gt;")

	out, err = r.PasswordChanged(PasswordChangedData{AppName: "Todo"})
	require.NoError(t, err)
	require.Contains(t, out.Text, "Hello,")
	require.Contains(t, out.Text, "contact our support team")
}

func TestFormatDuration(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		20 * time.Second:                  "less than a minute",
		time.Minute:                       "1 minute",
		15 * time.Minute:                  "15 minutes",
		time.Hour:                         "60 minutes",
		90 * time.Minute:                  "90 minutes",
		2 * time.Hour:                     "2 hours",
		3*time.Hour + 30*time.Minute:      "3 hours 30 minutes",
		59*time.Minute + 50*time.Second:   "60 minutes",
		24 * time.Hour:                    "24 hours",
		48*time.Hour + 29*time.Second:     "48 hours",
		-5 * time.Minute:                  "less than a minute",
		119*time.Minute + 29*time.Second:  "119 minutes",
		119*time.Minute + 31*time.Second:  "2 hours",
		1*time.Hour + 29*time.Second:      "60 minutes",
		1*time.Hour + 31*time.Second:      "61 minutes",
		1*time.Minute + 29*time.Second:    "1 minute",
		25*time.Hour + 1*time.Millisecond: "25 hours",
	} {
		require.Equal(t, want, formatDuration(d), d.String())
	}
	require.Equal(t, "20:15 UTC on Thursday 3 January 2030", formatExpiry(time.Date(2030, 1, 3, 20, 15, 0, 0, time.UTC), 24*time.Hour))
}

// FuzzRenderReset feeds hostile text through rendering (as the app name)
// and composition (as display name and subject): nothing may panic, the HTML
// may never contain a raw <script, and the composed message may never gain
// a header. Security mail never carries a user's name; Compose is still
// built to take any text safely.
func FuzzRenderReset(f *testing.F) {
	for _, seed := range []string{
		"John",
		"<script>alert(1)</script>",
		"<SCRIPT SRC=//evil>",
		"Eve\r\nBcc: x@evil.com",
		"Eve\nBcc: x@evil.com\n\n<script>",
		"=?utf-8?q?=0D=0ABcc:_x@evil.com?=",
		"\"><img src=x onerror=alert(1)>",
		"Doe, John",
		"Élodie\u2028Bcc: x@evil.com",
		"\x00\x01\x7f\xff\xfe",
		strings.Repeat("<", 200),
	} {
		f.Add(seed)
	}
	r := newRenderer(f, "")
	wantHeaders := []string{"Content-Type", "Date", "From", "Message-Id", "Mime-Version", "Subject", "To"}
	f.Fuzz(func(t *testing.T, name string) {
		d := resetData()
		d.AppName = "Todo " + name
		out, err := r.Reset(d)
		require.NoError(t, err)
		require.NotContains(t, strings.ToLower(out.HTML), "<script")

		raw, err := Compose(Message{
			From: "Todo <no-reply@example.com>", To: "john@example.com", ToName: name,
			Subject: out.Subject + " " + name, Text: out.Text, HTML: out.HTML,
		})
		require.NoError(t, err)
		msg := parse(t, raw)
		var got []string
		for k := range msg.Header {
			got = append(got, k)
		}
		require.ElementsMatch(t, wantHeaders, got)
		to, err := msg.Header.AddressList("To")
		require.NoError(t, err)
		require.Len(t, to, 1)
		require.Equal(t, "john@example.com", to[0].Address)
	})
}
