package mail

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"net/url"
	"os"
	"strings"
	"sync"
	texttemplate "text/template"
	"time"
)

// embeddedTemplates holds the default templates. embed.FS is read-only, so
// this package-level value is not mutable state.
//
//go:embed templates/*.tmpl
var embeddedTemplates embed.FS

// Template file names. A file with one of these names in RendererConfig.Dir
// replaces the embedded template of the same name.
const (
	resetSubjectFile   = "reset.subject.tmpl"
	resetTextFile      = "reset.txt.tmpl"
	resetHTMLFile      = "reset.html.tmpl"
	changedSubjectFile = "password_changed.subject.tmpl"
	changedTextFile    = "password_changed.txt.tmpl"
	changedHTMLFile    = "password_changed.html.tmpl"
)

// RendererConfig configures NewRenderer.
type RendererConfig struct {
	// Dir is a directory (TEMPLATE_DIR) whose files override the embedded
	// templates of the same name, one file at a time; files with other names
	// are ignored. Default "" uses the embedded templates only.
	Dir string
}

// ResetData is what the reset email says. Like every security mail, it has
// no field for anything a user typed, such as the display name: anyone can
// register any address with any name, so a name would let an attacker put
// their own sentence ("account locked, go to evil.example") into our mail to
// a victim. Keep it that way when adding fields.
type ResetData struct {
	// AppName is the product name shown in the subject and the body.
	// Required; there is no default.
	AppName string
	// Link is the absolute http(s) reset URL including the token. Required;
	// there is no default. It never appears in an error.
	Link string
	// ExpiresAt is when the link stops working; it is shown in UTC.
	// Required; there is no default.
	ExpiresAt time.Time
	// TTL is the link's lifetime, shown as "in 60 minutes". Default 0 uses
	// the time left until ExpiresAt.
	TTL time.Duration
}

// PasswordChangedData is what the "your password was changed" email says.
// It carries no user-chosen text; see ResetData.
type PasswordChangedData struct {
	// AppName is the product name. Required; there is no default.
	AppName string
	// ChangedAt is when the password changed; it is shown in UTC.
	// Default zero uses the time of rendering.
	ChangedAt time.Time
	// SupportHint tells the user what to do if they did not make the change,
	// for example "Write to support@example.com.". Default "" says to reset
	// the password and contact support.
	SupportHint string
}

// Rendered is one rendered email, ready for Message.
type Rendered struct {
	// Subject is a single line without control characters.
	Subject string
	// Text is the text/plain body.
	Text string
	// HTML is the text/html body.
	HTML string
}

// resetView is the data the reset templates see: strings already formatted,
// so that an overriding template cannot get time zones or escaping wrong.
type resetView struct {
	AppName   string
	Link      string
	ExpiresAt string
	ExpiresIn string
}

// changedView is the data the password-changed templates see.
type changedView struct {
	AppName     string
	ChangedAt   string
	SupportHint string
}

// emailTemplates is the subject, text and HTML template of one kind of
// email.
type emailTemplates struct {
	subject *texttemplate.Template
	text    *texttemplate.Template
	html    *htmltemplate.Template
}

// Renderer renders the emails from templates parsed once in NewRenderer. It
// is safe for concurrent use.
type Renderer struct {
	reset   emailTemplates
	changed emailTemplates
	// bufs recycles render buffers: rendering is on the hot path of every
	// job, and an HTML body is a few kilobytes.
	bufs sync.Pool
}

// NewRenderer parses the templates, embedded or overridden from cfg.Dir, and
// renders each once with sample data so that a broken override fails at
// startup rather than in every job.
func NewRenderer(cfg RendererConfig) (*Renderer, error) {
	src, err := templateSource(cfg.Dir)
	if err != nil {
		return nil, err
	}
	r := &Renderer{bufs: sync.Pool{New: func() any { return new(bytes.Buffer) }}}
	if r.reset, err = parseTemplates(src, resetSubjectFile, resetTextFile, resetHTMLFile); err != nil {
		return nil, err
	}
	if r.changed, err = parseTemplates(src, changedSubjectFile, changedTextFile, changedHTMLFile); err != nil {
		return nil, err
	}

	sample := time.Date(2030, 1, 2, 20, 15, 0, 0, time.UTC)
	if _, err := r.Reset(ResetData{AppName: "Sample", Link: "https://example.com/reset?token=sample", ExpiresAt: sample, TTL: time.Hour}); err != nil {
		return nil, fmt.Errorf("mail: reset templates: %w", err)
	}
	if _, err := r.PasswordChanged(PasswordChangedData{AppName: "Sample", ChangedAt: sample}); err != nil {
		return nil, fmt.Errorf("mail: password changed templates: %w", err)
	}
	return r, nil
}

// Reset renders the password-reset email.
func (r *Renderer) Reset(d ResetData) (Rendered, error) {
	if strings.TrimSpace(d.AppName) == "" {
		return Rendered{}, errors.New("mail: reset email needs an app name")
	}
	if err := checkLink(d.Link); err != nil {
		return Rendered{}, err
	}
	if d.ExpiresAt.IsZero() {
		return Rendered{}, errors.New("mail: reset email needs an expiry time")
	}
	ttl := d.TTL
	if ttl <= 0 {
		ttl = time.Until(d.ExpiresAt)
	}
	v := resetView{
		AppName:   cleanText(d.AppName),
		Link:      d.Link,
		ExpiresAt: formatExpiry(d.ExpiresAt, ttl),
		ExpiresIn: formatDuration(ttl),
	}
	return r.render(r.reset, v)
}

// PasswordChanged renders the notice sent after a password change.
func (r *Renderer) PasswordChanged(d PasswordChangedData) (Rendered, error) {
	if strings.TrimSpace(d.AppName) == "" {
		return Rendered{}, errors.New("mail: password changed email needs an app name")
	}
	at := d.ChangedAt
	if at.IsZero() {
		at = time.Now()
	}
	v := changedView{
		AppName:     cleanText(d.AppName),
		ChangedAt:   at.UTC().Format("Monday 2 January 2006 at 15:04 UTC"),
		SupportHint: cleanText(d.SupportHint),
	}
	return r.render(r.changed, v)
}

// render executes the three templates of one email into a pooled buffer.
func (r *Renderer) render(t emailTemplates, data any) (Rendered, error) {
	buf := r.bufs.Get().(*bytes.Buffer)
	defer r.putBuffer(buf)

	var out Rendered
	buf.Reset()
	if err := t.subject.Execute(buf, data); err != nil {
		return Rendered{}, fmt.Errorf("mail: render subject: %w", err)
	}
	out.Subject = cleanHeaderValue(buf.String())
	if out.Subject == "" {
		return Rendered{}, errors.New("mail: subject template rendered an empty subject")
	}
	buf.Reset()
	if err := t.text.Execute(buf, data); err != nil {
		return Rendered{}, fmt.Errorf("mail: render text: %w", err)
	}
	out.Text = buf.String()
	buf.Reset()
	if err := t.html.Execute(buf, data); err != nil {
		return Rendered{}, fmt.Errorf("mail: render html: %w", err)
	}
	out.HTML = buf.String()
	return out, nil
}

// putBuffer returns a buffer to the pool unless an unusually large email
// grew it, so that one outlier does not pin memory.
func (r *Renderer) putBuffer(buf *bytes.Buffer) {
	if buf.Cap() <= 64<<10 {
		r.bufs.Put(buf)
	}
}

// templateSource returns the file system that templates are read from: the
// override directory layered over the embedded files.
func templateSource(dir string) (fs.FS, error) {
	embedded, err := fs.Sub(embeddedTemplates, "templates")
	if err != nil {
		return nil, fmt.Errorf("mail: embedded templates: %w", err)
	}
	if dir == "" {
		return embedded, nil
	}
	info, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("mail: template dir: %w", err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("mail: template dir %s is not a directory", dir)
	}
	return overlayFS{top: os.DirFS(dir), bottom: embedded}, nil
}

// overlayFS serves a file from top when it exists there and from bottom
// otherwise, which is how TEMPLATE_DIR overrides single templates.
type overlayFS struct {
	top, bottom fs.FS
}

// Open implements fs.FS.
func (o overlayFS) Open(name string) (fs.File, error) {
	f, err := o.top.Open(name)
	if err == nil {
		return f, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return o.bottom.Open(name)
}

// parseTemplates parses the subject and text templates with text/template
// and the HTML template with html/template, which escapes every value for
// its context (element, attribute, URL).
func parseTemplates(src fs.FS, subjectFile, textFile, htmlFile string) (emailTemplates, error) {
	var t emailTemplates
	read := func(name string) (string, error) {
		b, err := fs.ReadFile(src, name)
		if err != nil {
			return "", fmt.Errorf("mail: template %s: %w", name, err)
		}
		return string(b), nil
	}
	text, err := read(subjectFile)
	if err != nil {
		return t, err
	}
	if t.subject, err = texttemplate.New(subjectFile).Option("missingkey=error").Parse(text); err != nil {
		return t, fmt.Errorf("mail: parse %s: %w", subjectFile, err)
	}
	if text, err = read(textFile); err != nil {
		return t, err
	}
	if t.text, err = texttemplate.New(textFile).Option("missingkey=error").Parse(text); err != nil {
		return t, fmt.Errorf("mail: parse %s: %w", textFile, err)
	}
	if text, err = read(htmlFile); err != nil {
		return t, err
	}
	if t.html, err = htmltemplate.New(htmlFile).Option("missingkey=error").Parse(text); err != nil {
		return t, fmt.Errorf("mail: parse %s: %w", htmlFile, err)
	}
	return t, nil
}

// checkLink accepts only absolute http(s) URLs. The error never quotes the
// link, because it carries the reset token.
func checkLink(link string) error {
	if link == "" {
		return errors.New("mail: reset email needs a link")
	}
	u, err := url.Parse(link)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || hasControl(link) {
		return errors.New("mail: reset link must be an absolute http(s) URL")
	}
	return nil
}

// cleanText turns configuration text into one tidy line: control
// characters become spaces and whitespace collapses. Templates do the
// escaping; this only keeps the text part to the lines the template wrote.
func cleanText(s string) string {
	return cleanHeaderValue(s)
}

// formatExpiry renders the expiry in UTC, e.g. "20:15 UTC"; a link that
// lives a day or more also gets the date, since the time alone would be
// ambiguous.
func formatExpiry(at time.Time, ttl time.Duration) string {
	at = at.UTC()
	if ttl >= 24*time.Hour {
		return at.Format("15:04 UTC on Monday 2 January 2006")
	}
	return at.Format("15:04 UTC")
}

// formatDuration renders a lifetime for people: "60 minutes", "3 hours",
// "3 hours 30 minutes". Minutes are used up to two hours because "90
// minutes" reads more naturally than "1 hours 30 minutes".
func formatDuration(d time.Duration) string {
	mins := int(d.Round(time.Minute) / time.Minute)
	switch {
	case mins < 1:
		return "less than a minute"
	case mins == 1:
		return "1 minute"
	case mins < 120:
		return fmt.Sprintf("%d minutes", mins)
	case mins%60 == 0:
		return fmt.Sprintf("%d hours", mins/60)
	}
	return fmt.Sprintf("%d hours %d minutes", mins/60, mins%60)
}
