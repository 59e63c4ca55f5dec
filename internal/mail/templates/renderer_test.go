package templates

import (
	"bytes"
	netmail "net/mail"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/mail"
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

// writeTemplate writes one file under dir, making its directory.
func writeTemplate(t *testing.T, dir, rel, text string) {
	t.Helper()
	full := filepath.Join(dir, rel)
	require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o700))
	require.NoError(t, os.WriteFile(full, []byte(text), 0o600))
}

func TestRendererResetEmbedded(t *testing.T) {
	t.Parallel()
	r := newRenderer(t, "")
	out, err := r.Reset(resetData())
	require.NoError(t, err)

	require.Equal(t, "en", out.Lang)
	require.Equal(t, "Reset your Todo password", out.Subject)
	for part, body := range map[string]string{"text": out.Text, "html": out.HTML} {
		require.Contains(t, body, "https://todo.example.com/reset?token=abc123", part)
		require.Contains(t, body, "This link expires in 60 minutes", part)
		require.Contains(t, body, "8:15 pm UTC", part)
		require.Contains(t, body, "If you did not ask for this, ignore this email", part)
		require.Contains(t, body, "Hello,", part)
	}
	// The HTML part is built for mail clients: tables, inline CSS, a button
	// and the link again as text.
	require.Contains(t, out.HTML, `<html lang="en">`)
	require.Contains(t, out.HTML, `<table role="presentation"`)
	require.Contains(t, out.HTML, `style="`)
	require.NotContains(t, out.HTML, "<style")
	require.Contains(t, out.HTML, `>Reset password</a>`)
	require.Equal(t, 2, strings.Count(out.HTML, `href="https://todo.example.com/reset?token=abc123"`))
	require.Contains(t, out.HTML, `>https://todo.example.com/reset?token=abc123</a>`)
}

// TestRendererEveryLanguage renders both kinds in each shipped language and
// checks that the text is really in that language, with dates written the
// language's way and a matching lang attribute.
func TestRendererEveryLanguage(t *testing.T) {
	t.Parallel()
	r := newRenderer(t, "")
	for _, lang := range []string{"en", "de", "es", "fr"} {
		require.Equal(t, lang, r.Pick(lang), "shipped language %s", lang)
	}
	cases := []struct {
		lang, resetSubject, expiresIn, changedSubject, changedAt string
	}{
		{"en", "Reset your Todo password", "expires in 60 minutes (8:15 pm UTC)", "Your Todo password was changed", "Wednesday, January 2, 2030, 8:15 pm UTC"},
		{"de", "Passwort für Todo zurücksetzen", "läuft in 60 Minuten ab (20:15 UTC)", "Ihr Passwort für Todo wurde geändert", "am Mittwoch, 2. Januar 2030, 20:15 UTC geändert"},
		{"es", "Restablece tu contraseña de Todo", "caduca en 60 minutos (20:15 UTC)", "Se ha cambiado tu contraseña de Todo", "el miércoles, 2 de enero de 2030, 20:15 UTC"},
		{"fr", "Réinitialisez votre mot de passe Todo", "expire dans 60 minutes (20:15 UTC)", "Votre mot de passe Todo a été modifié", "le mercredi 2 janvier 2030, 20:15 UTC"},
	}
	for _, tc := range cases {
		d := resetData()
		d.Lang = tc.lang
		out, err := r.Reset(d)
		require.NoError(t, err)
		require.Equal(t, tc.lang, out.Lang)
		require.Equal(t, tc.resetSubject, out.Subject)
		require.Contains(t, out.Text, tc.expiresIn, tc.lang)
		require.Contains(t, out.HTML, `<html lang="`+tc.lang+`">`)

		changed, err := r.PasswordChanged(PasswordChangedData{Lang: tc.lang, AppName: "Todo", ChangedAt: d.ExpiresAt})
		require.NoError(t, err)
		require.Equal(t, tc.changedSubject, changed.Subject)
		require.Contains(t, changed.Text, tc.changedAt, tc.lang)
		require.Contains(t, changed.HTML, `<html lang="`+tc.lang+`">`)
	}
	// A link that lives for days shows its date too.
	d := resetData()
	d.Lang, d.TTL = "de", 48*time.Hour
	out, err := r.Reset(d)
	require.NoError(t, err)
	require.Contains(t, out.Text, "läuft in 48 Stunden ab (Mittwoch, 2. Januar 2030, 20:15 UTC)")
}

// TestRendererTranslationsAreComplete guards against a language that
// forgot a sentence: no shipped translation may contain an English sentence
// of the English template.
func TestRendererTranslationsAreComplete(t *testing.T) {
	t.Parallel()
	r := newRenderer(t, "")
	english := map[Kind]mail.Rendered{}
	for _, kind := range Kinds() {
		out, err := r.Sample(kind, "en", SampleInput{})
		require.NoError(t, err)
		english[kind] = out
	}
	sentence := regexp.MustCompile(`[A-Z][a-z]+ [a-z]+ [a-z]+ [a-z]+`)
	for _, lang := range []string{"de", "es", "fr"} {
		for _, kind := range Kinds() {
			out, err := r.Sample(kind, lang, SampleInput{})
			require.NoError(t, err)
			require.Equal(t, lang, out.Lang)
			for _, s := range sentence.FindAllString(english[kind].Text, -1) {
				require.NotContains(t, out.Text, s, "%s %s", lang, kind)
				require.NotContains(t, out.HTML, s, "%s %s", lang, kind)
			}
		}
	}
}

func TestRendererPick(t *testing.T) {
	t.Parallel()
	r := newRenderer(t, "")
	for _, tc := range []struct {
		prefs []string
		want  string
	}{
		{nil, "en"},
		{[]string{""}, "en"},
		{[]string{"de-DE,de"}, "de"},
		{[]string{"de-AT"}, "de"},
		{[]string{"fr-CA"}, "fr"},
		{[]string{"es-419"}, "es"},
		{[]string{"xx"}, "en"},
		{[]string{"ca"}, "en"},          // Catalan does not get Spanish
		{[]string{"ja,fr"}, "fr"},       // the first matching tag wins
		{[]string{"", "fr"}, "fr"},      // no request preference: the stored one
		{[]string{"de", "fr"}, "de"},    // the request's beats the stored one
		{[]string{"zh", "es-MX"}, "es"}, // nothing in the request matches
		{[]string{"not a tag!", "de"}, "de"},
	} {
		require.Equal(t, tc.want, r.Pick(tc.prefs...), "%q", tc.prefs)
	}

	// DEFAULT_LOCALE decides when nothing matches.
	fr, err := NewRenderer(RendererConfig{DefaultLocale: "fr"})
	require.NoError(t, err)
	require.Equal(t, "fr", fr.Pick("xx"))
	require.Equal(t, "de", fr.Pick("de"))
	_, err = NewRenderer(RendererConfig{DefaultLocale: "it"})
	require.ErrorContains(t, err, "DEFAULT_LOCALE it must have every kind of email")
}

func TestRendererEscapesHTML(t *testing.T) {
	t.Parallel()
	r := newRenderer(t, "")
	d := resetData()
	d.AppName = `Todo <b>`
	d.Link = "https://todo.example.com/reset?token=a&next=/x\"onmouseover=1"
	out, err := r.Reset(d)
	require.NoError(t, err)
	require.NotContains(t, out.HTML, "<b>")
	require.NotContains(t, out.HTML, `"onmouseover`)
	require.Contains(t, out.HTML, "token=a&amp;next=")
	// The text part is not HTML, but configuration text still cannot add
	// lines.
	d.AppName = "Todo\n\nClick https://evil.example to reset"
	out, err = r.Reset(d)
	require.NoError(t, err)
	require.Contains(t, out.Text, "your Todo Click https://evil.example to reset account")
}

// TestSecurityMailCannotReachTheName shows that the templates have no way
// to print a user's display name, not even through an override: the data
// they see has no such field, so a template that asks for one fails at
// start-up instead of quietly printing an attacker's sentence.
func TestSecurityMailCannotReachTheName(t *testing.T) {
	t.Parallel()
	for _, file := range []string{"reset.txt.tmpl", "reset.html.tmpl", "password_changed.txt.tmpl", "password_changed.html.tmpl"} {
		for _, lang := range []string{"en", "de", "it"} {
			dir := t.TempDir()
			writeTemplate(t, dir, filepath.Join(lang, file), "Hi {{.Name}}")
			_, err := NewRenderer(RendererConfig{Dir: dir})
			require.Error(t, err, file)
		}
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
	writeTemplate(t, dir, "de/reset.subject.tmpl", "{{.AppName}}: neues Passwort\n")
	writeTemplate(t, dir, "de/reset.html.tmpl", `<p lang="{{.Lang}}"><a href="{{.Link}}">los</a> bis {{.ExpiresAt}}</p>`)
	writeTemplate(t, dir, "de/notes.txt", "ignored")
	writeTemplate(t, dir, "README", "ignored")

	r := newRenderer(t, dir)
	d := resetData()
	d.Lang = "de"
	out, err := r.Reset(d)
	require.NoError(t, err)
	require.Equal(t, "Todo: neues Passwort", out.Subject)
	require.Equal(t, `<p lang="de"><a href="https://todo.example.com/reset?token=abc123">los</a> bis 20:15 UTC</p>`, out.HTML)
	// A part without an override stays embedded.
	require.Contains(t, out.Text, "Wenn Sie das nicht angefordert haben")
	// Other languages are untouched.
	en, err := r.Reset(resetData())
	require.NoError(t, err)
	require.Equal(t, "Reset your Todo password", en.Subject)
	require.Empty(t, r.Warning())
}

// TestRendererOverrideAddsLanguage: a TEMPLATE_DIR/it/ with only reset
// templates adds Italian for resets; the other kinds fall back to the
// default locale, and one warning says so.
func TestRendererOverrideAddsLanguage(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeTemplate(t, dir, "it/reset.subject.tmpl", "Reimposta la password di {{.AppName}}\n")
	writeTemplate(t, dir, "it/reset.txt.tmpl", "Ciao,\n\n{{.Link}}\n\nQuesto link scade tra {{.ExpiresIn}} ({{.ExpiresAt}}).\n")
	writeTemplate(t, dir, "it/reset.html.tmpl", `<html lang="{{.Lang}}"><a href="{{.Link}}">Reimposta</a> {{.ExpiresIn}}</html>`)

	r := newRenderer(t, dir)
	require.Equal(t, "it", r.Pick("it"), "the language TEMPLATE_DIR adds")
	lang := r.Pick("it-CH")
	require.Equal(t, "it", lang)
	d := resetData()
	d.Lang = lang
	out, err := r.Reset(d)
	require.NoError(t, err)
	require.Equal(t, "it", out.Lang)
	require.Equal(t, "Reimposta la password di Todo", out.Subject)
	require.Contains(t, out.Text, "Questo link scade tra 60 minuti (20:15 UTC).")

	changed, err := r.PasswordChanged(PasswordChangedData{Lang: lang, AppName: "Todo"})
	require.NoError(t, err)
	require.Equal(t, "en", changed.Lang)
	require.Equal(t, "Your Todo password was changed", changed.Subject)
	require.Equal(t, "mail templates: it has no password_changed, signup_verify, signup_exists templates; those mails are sent in the default locale en", r.Warning())
}

// TestRendererBrokenTemplateNamesFileAndLine: every problem is found at
// start, naming the file and the line.
func TestRendererBrokenTemplateNamesFileAndLine(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		files map[string]string
		want  []string
	}{
		"parse error": {
			map[string]string{"de/reset.subject.tmpl": "Passwort\n{{if}}\n"},
			[]string{filepath.Join("de", "reset.subject.tmpl") + ":2:", "missing value for if"},
		},
		"unknown field": {
			map[string]string{"de/reset.txt.tmpl": "Hallo\n\n{{.Name}}\n"},
			[]string{filepath.Join("de", "reset.txt.tmpl") + ":3:", "can't evaluate field Name"},
		},
		"html escaping": {
			map[string]string{"fr/password_changed.html.tmpl": "<a href=\"{{.AppName}}\n"},
			[]string{filepath.Join("fr", "password_changed.html.tmpl")},
		},
		"empty subject": {
			map[string]string{"es/reset.subject.tmpl": "{{/* nothing */}}\n"},
			[]string{filepath.Join("es", "reset.subject.tmpl"), "empty subject"},
		},
		"partial kind": {
			map[string]string{"it/reset.subject.tmpl": "Reimposta\n"},
			[]string{filepath.Join("", "it"), "reset needs reset.txt.tmpl and reset.html.tmpl too"},
		},
		"misspelt file": {
			map[string]string{"de/rest.subject.tmpl": "x"},
			[]string{filepath.Join("de", "rest.subject.tmpl"), "unknown template"},
		},
		"old flat layout": {
			map[string]string{"reset.subject.tmpl": "x"},
			[]string{"reset.subject.tmpl: templates live in one directory per language", filepath.Join("en", "reset.subject.tmpl")},
		},
		"not a language": {
			map[string]string{"german!/reset.subject.tmpl": "x"},
			[]string{"german!: directory name is not a BCP 47 language tag"},
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			for rel, text := range tc.files {
				writeTemplate(t, dir, rel, text)
			}
			_, err := NewRenderer(RendererConfig{Dir: dir})
			var terr *TemplateError
			require.ErrorAs(t, err, &terr)
			for _, want := range tc.want {
				require.Contains(t, err.Error(), want)
			}
		})
	}

	_, err := NewRenderer(RendererConfig{Dir: filepath.Join(t.TempDir(), "missing")})
	require.ErrorContains(t, err, "TEMPLATE_DIR")
	_, err = NewRenderer(RendererConfig{DefaultLocale: "not a tag"})
	require.ErrorContains(t, err, "DEFAULT_LOCALE")
}

func TestRendererPasswordChanged(t *testing.T) {
	t.Parallel()
	r := newRenderer(t, "")
	at := time.Date(2030, 1, 2, 20, 15, 0, 0, time.FixedZone("CET", 3600))
	out, err := r.PasswordChanged(PasswordChangedData{AppName: "Todo", ChangedAt: at, SupportHint: "Write to help@todo.example."})
	require.NoError(t, err)
	require.Equal(t, "Your Todo password was changed", out.Subject)
	for _, body := range []string{out.Text, out.HTML} {
		require.Contains(t, body, "Wednesday, January 2, 2030, 7:15 pm UTC")
		require.Contains(t, body, "Write to help@todo.example.")
	}

	out, err = r.PasswordChanged(PasswordChangedData{AppName: "Todo"})
	require.NoError(t, err)
	require.Contains(t, out.Text, "Hello,")
	require.Contains(t, out.Text, "contact our support team")

	// What the worker sends: the forgot-password link, and the support
	// address when SUPPORT_EMAIL is set, in every shipped language.
	for _, lang := range []string{"en", "de", "es", "fr"} {
		out, err = r.PasswordChanged(PasswordChangedData{Lang: lang, AppName: "Todo",
			ForgotLink: "https://app.example.com/forgot-password", SupportEmail: "help@todo.example"})
		require.NoError(t, err, lang)
		require.Contains(t, out.Text, "https://app.example.com/forgot-password", lang)
		require.Contains(t, out.Text, "help@todo.example", lang)
		require.Contains(t, out.HTML, `href="https://app.example.com/forgot-password"`, lang)
		require.Contains(t, out.HTML, `href="mailto:help@todo.example"`, lang)
		out, err = r.PasswordChanged(PasswordChangedData{Lang: lang, AppName: "Todo", ForgotLink: "https://app.example.com/forgot-password"})
		require.NoError(t, err, lang)
		require.Contains(t, out.HTML, `href="https://app.example.com/forgot-password"`, lang)
		require.NotContains(t, out.HTML, "mailto:", lang)
	}
	_, err = r.PasswordChanged(PasswordChangedData{AppName: "Todo", ForgotLink: "javascript:alert(1)"})
	require.Error(t, err)
}

func TestFormatDuration(t *testing.T) {
	t.Parallel()
	en := formatterFor("en")
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
		require.Equal(t, want, en.duration(d), d.String())
	}
	at := time.Date(2030, 1, 3, 20, 15, 0, 0, time.UTC)
	require.Equal(t, "Thursday, January 3, 2030, 8:15 pm UTC", en.expiry(at, 24*time.Hour))
	// Sent with a 24 h link, the time left is a little under 24 h: still dated.
	require.Equal(t, "Thursday, January 3, 2030, 8:15 pm UTC", en.expiry(at, 24*time.Hour-3*time.Second))
	require.Equal(t, "Thursday, January 3, 2030, 8:15 pm UTC", en.expiry(at, 12*time.Hour+time.Minute))
	require.Equal(t, "8:15 pm UTC", en.expiry(at, 12*time.Hour))
	require.Equal(t, "8:15 pm UTC", en.expiry(at, time.Hour))
	require.Equal(t, "3 Stunden und 30 Minuten", formatterFor("de-AT").duration(210*time.Minute))
	// A language without CLDR data here gets ISO 8601 and symbols.
	require.Equal(t, "2030-01-03, 20:15 UTC", formatterFor("sv").expiry(at, 48*time.Hour))
	require.Equal(t, "90 min", formatterFor("sv").duration(90*time.Minute))
	// Every language of durations.tsv has its own words and CLDR data.
	for lang, minutes := range map[string]string{"en": "90 minutes", "de": "90 Minuten", "es": "90 minutos", "fr": "90 minutes", "it": "90 minuti", "pt": "90 minutos", "nl": "90 minuten"} {
		f := formatterFor(lang)
		require.NotNil(t, f.cldr, lang)
		require.Equal(t, minutes, f.duration(90*time.Minute), lang)
	}
}

// FuzzRenderReset feeds hostile app names and recipients through rendering
// and composition: nothing may panic, the HTML may never contain a raw
// <script, and the composed message may never gain a header.
func FuzzRenderReset(f *testing.F) {
	for _, seed := range []string{
		"Todo",
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
	from, err := mail.NewFrom("Todo <no-reply@example.com>")
	require.NoError(f, err)
	wantHeaders := []string{"Content-Language", "Content-Type", "Date", "From", "Message-Id", "Mime-Version", "Subject", "To"}
	f.Fuzz(func(t *testing.T, name string) {
		d := resetData()
		d.AppName = "Todo " + name
		out, err := r.Reset(d)
		require.NoError(t, err)
		require.NotContains(t, strings.ToLower(out.HTML), "<script")

		m := mail.NewMessage(from, "john@example.com", out)
		m.Subject += " " + name
		raw, err := mail.Compose(m)
		require.NoError(t, err)
		msg, err := netmail.ReadMessage(bytes.NewReader(raw))
		require.NoError(t, err)
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
