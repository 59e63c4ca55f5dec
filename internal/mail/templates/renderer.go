package templates

import (
	"bytes"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"net/url"
	"strings"
	"sync"
	texttemplate "text/template"
	"time"
	"unicode/utf8"

	"github.com/todoapp/resetmail/internal/locale"
	"github.com/todoapp/resetmail/internal/mail"
	"github.com/todoapp/resetmail/internal/mail/addr"
)

// Kind names one kind of email. Its templates are <kind>.subject.tmpl,
// <kind>.txt.tmpl and <kind>.html.tmpl in each language's directory.
type Kind string

// The kinds of email the worker sends.
const (
	KindReset           Kind = "reset"
	KindPasswordChanged Kind = "password_changed"
	// KindSignupVerify carries the link that confirms a sign-up.
	KindSignupVerify Kind = "signup_verify"
	// KindSignupExists tells an account's owner that someone tried to sign
	// up with their address.
	KindSignupExists Kind = "signup_exists"
)

// Kinds lists every kind, in the order checks report them.
func Kinds() []Kind {
	return []Kind{KindReset, KindPasswordChanged, KindSignupVerify, KindSignupExists}
}

// DefaultLocale is RendererConfig.DefaultLocale's default.
const DefaultLocale = "en"

// RendererConfig configures NewRenderer.
type RendererConfig struct {
	// Dir is TEMPLATE_DIR: TEMPLATE_DIR/<lang>/<kind>.{subject,txt,html}.tmpl
	// replaces the embedded template of that language and kind, or adds a
	// language. Default "" uses the embedded templates only.
	Dir string
	// DefaultLocale is DEFAULT_LOCALE: the language used when nothing else
	// matches, and for a kind another language lacks. It must have every
	// kind. Default "en".
	DefaultLocale string
}

// ResetData is what the reset email says. Like every security mail, it has
// no field for anything a user typed, such as the display name: anyone can
// register any address with any name, so a name would let an attacker put
// their own sentence ("account locked, go to evil.example") into our mail to
// a victim. Keep it that way when adding fields.
type ResetData struct {
	// Lang is the language, as Renderer.Pick returns it. Default "" uses
	// the default locale.
	Lang string
	// AppName is the product name shown in the subject and the body.
	// Required; there is no default.
	AppName string
	// Link is the absolute http(s) reset URL including the token. Required;
	// there is no default. It never appears in an error.
	Link string
	// ExpiresAt is when the link stops working; it is shown in UTC, in the
	// language's format. Required; there is no default.
	ExpiresAt time.Time
	// TTL is the link's lifetime, shown as "in 60 minutes". Default 0 uses
	// the time left until ExpiresAt.
	TTL time.Duration
}

// PasswordChangedData is what the "your password was changed" email says.
// It carries no user-chosen text; see ResetData.
type PasswordChangedData struct {
	// Lang is the language, as Renderer.Pick returns it. Default "" uses
	// the default locale.
	Lang string
	// AppName is the product name. Required; there is no default.
	AppName string
	// ChangedAt is when the password changed; it is shown in UTC, in the
	// language's format. Default zero uses the time of rendering.
	ChangedAt time.Time
	// SupportHint tells the user what to do if they did not make the change,
	// for example "Write to support@example.com.". It comes from
	// configuration, so it is not translated. Default "" says, in the mail's
	// language, to reset the password (linking ForgotLink) and contact
	// support (at SupportEmail when set).
	SupportHint string
	// ForgotLink is the web app's forgot-password page
	// (FRONTEND_URL/forgot-password), so that a reader who did not make the
	// change can act at once. Default "" leaves the link out.
	ForgotLink string
	// SupportEmail is SUPPORT_EMAIL, the address to write to. Default ""
	// says "contact our support team" without one.
	SupportEmail string
}

// SignupVerifyData is what the sign-up verification email says. It carries
// no user-chosen text; see ResetData.
type SignupVerifyData struct {
	// Lang is the language, as Renderer.Pick returns it. Default "" uses
	// the default locale.
	Lang string
	// AppName is the product name. Required; there is no default.
	AppName string
	// Link is the absolute http(s) verification URL including the token.
	// Required; there is no default. It never appears in an error.
	Link string
	// ExpiresAt is when the link stops working. Required; there is no
	// default.
	ExpiresAt time.Time
	// TTL is the link's lifetime. Default 0 uses the time left until
	// ExpiresAt.
	TTL time.Duration
}

// SignupExistsData is what the "someone tried to sign up with your
// address" email says. It carries no user-chosen text; see ResetData.
type SignupExistsData struct {
	// Lang is the language, as Renderer.Pick returns it. Default "" uses
	// the default locale.
	Lang string
	// AppName is the product name. Required; there is no default.
	AppName string
	// SignInLink is the absolute http(s) URL of the sign-in page. Required.
	SignInLink string
	// ResetLink is the absolute http(s) URL of the forgot-password page.
	// Required.
	ResetLink string
}

// resetView is the data the reset templates see: strings already formatted
// for the language, so that an overriding template cannot get time zones or
// escaping wrong.
type resetView struct {
	Lang      string
	AppName   string
	Link      string
	ExpiresAt string
	ExpiresIn string
}

// existsView is the data the signup_exists templates see.
type existsView struct {
	Lang       string
	AppName    string
	SignInLink string
	ResetLink  string
}

// changedView is the data the password-changed templates see.
type changedView struct {
	Lang         string
	AppName      string
	ChangedAt    string
	SupportHint  string
	ForgotLink   string
	SupportEmail string
}

// Renderer renders the emails from templates parsed and checked once in
// NewRenderer. It is safe for concurrent use.
type Renderer struct {
	set     *templateSet
	matcher *locale.Matcher
	// bufs recycles render buffers: rendering is on the hot path of every
	// job, and an HTML body is a few kilobytes.
	bufs sync.Pool
}

// NewRenderer loads the templates of every language, embedded and from
// cfg.Dir, and renders each with sample data, so that a broken template
// stops the worker at start instead of failing a user's mail. The error is a
// *TemplateError naming every file, line and problem.
func NewRenderer(cfg RendererConfig) (*Renderer, error) {
	def := cfg.DefaultLocale
	if def == "" {
		def = DefaultLocale
	}
	set, err := loadTemplates(cfg.Dir, def)
	if err != nil {
		return nil, err
	}
	matcher, err := locale.NewMatcher(set.langs)
	if err != nil {
		return nil, fmt.Errorf("mail: %w", err)
	}
	r := &Renderer{set: set, matcher: matcher, bufs: sync.Pool{New: func() any { return new(bytes.Buffer) }}}

	terr := &TemplateError{}
	for _, lang := range set.langs {
		for _, kind := range Kinds() {
			if set.own(lang, kind) == nil {
				continue
			}
			if _, err := r.Sample(kind, lang, SampleInput{}); err != nil {
				terr.Problems = append(terr.Problems, TemplateProblem{Text: templateProblem(err)})
			}
		}
	}
	if len(terr.Problems) > 0 {
		return nil, terr
	}
	return r, nil
}

// Languages lists the languages that have templates, default first.

// DefaultLocale is the language used when no preference matches.
func (r *Renderer) DefaultLocale() string { return r.set.def }

// Warning is the one start-up warning about languages that lack a kind
// (those mails fall back to the default locale), or "" when none does.
func (r *Renderer) Warning() string {
	if len(r.set.missing) == 0 {
		return ""
	}
	return fmt.Sprintf("mail templates: %s; those mails are sent in the default locale %s",
		strings.Join(r.set.missing, "; "), r.set.def)
}

// Pick returns the language to write in: the first preference (see package
// locale) that matches a language with templates, else the default locale.
// Callers pass the request's preference first, then the user's stored one.
func (r *Renderer) Pick(prefs ...string) string {
	if lang, ok := r.matcher.Match(prefs...); ok {
		return lang
	}
	return r.set.def
}

// Reset renders the password-reset email.
func (r *Renderer) Reset(d ResetData) (mail.Rendered, error) {
	return r.linkMail(KindReset, "reset", d)
}

// linkMail renders a kind whose view is a link and its expiry (reset,
// signup_verify); noun names the mail in errors.
func (r *Renderer) linkMail(kind Kind, noun string, d ResetData) (mail.Rendered, error) {
	if strings.TrimSpace(d.AppName) == "" {
		return mail.Rendered{}, errors.New("mail: " + noun + " email needs an app name")
	}
	if err := checkLink(d.Link); err != nil {
		return mail.Rendered{}, err
	}
	if d.ExpiresAt.IsZero() {
		return mail.Rendered{}, errors.New("mail: " + noun + " email needs an expiry time")
	}
	ttl := d.TTL
	if ttl <= 0 {
		ttl = time.Until(d.ExpiresAt)
	}
	t := r.set.lookup(d.Lang, kind)
	f := t.format
	return r.render(t, resetView{
		Lang:      t.lang,
		AppName:   cleanText(d.AppName, 0),
		Link:      d.Link,
		ExpiresAt: f.expiry(d.ExpiresAt, ttl),
		ExpiresIn: f.duration(ttl),
	})
}

// PasswordChanged renders the notice sent after a password change.
func (r *Renderer) PasswordChanged(d PasswordChangedData) (mail.Rendered, error) {
	if strings.TrimSpace(d.AppName) == "" {
		return mail.Rendered{}, errors.New("mail: password changed email needs an app name")
	}
	at := d.ChangedAt
	if at.IsZero() {
		at = time.Now()
	}
	t := r.set.lookup(d.Lang, KindPasswordChanged)
	v := changedView{
		Lang:        t.lang,
		AppName:     cleanText(d.AppName, 0),
		ChangedAt:   t.format.dateTime(at),
		SupportHint: cleanText(d.SupportHint, 0),
		// Configuration, not user input; checked as such all the same.
		SupportEmail: cleanText(d.SupportEmail, 254),
	}
	if d.ForgotLink != "" {
		if err := checkLink(d.ForgotLink); err != nil {
			return mail.Rendered{}, err
		}
		v.ForgotLink = d.ForgotLink
	}
	return r.render(t, v)
}

// SignupVerify renders the mail with a sign-up verification link. Its view
// is the reset mail's: an app name, a link and its expiry.
func (r *Renderer) SignupVerify(d SignupVerifyData) (mail.Rendered, error) {
	return r.linkMail(KindSignupVerify, "signup", ResetData(d))
}

// SignupExists renders the notice to an address that already has an
// account: someone tried to sign up with it; sign in or reset the password.
func (r *Renderer) SignupExists(d SignupExistsData) (mail.Rendered, error) {
	if strings.TrimSpace(d.AppName) == "" {
		return mail.Rendered{}, errors.New("mail: signup notice needs an app name")
	}
	if err := checkLink(d.SignInLink); err != nil {
		return mail.Rendered{}, err
	}
	if err := checkLink(d.ResetLink); err != nil {
		return mail.Rendered{}, err
	}
	t := r.set.lookup(d.Lang, KindSignupExists)
	return r.render(t, existsView{Lang: t.lang, AppName: cleanText(d.AppName, 0), SignInLink: d.SignInLink, ResetLink: d.ResetLink})
}

// render executes the three templates of one email into a pooled buffer.
func (r *Renderer) render(t *emailTemplates, data any) (mail.Rendered, error) {
	buf := r.bufs.Get().(*bytes.Buffer)
	defer r.putBuffer(buf)

	out := mail.Rendered{Lang: t.lang}
	buf.Reset()
	if err := t.subject.Execute(buf, data); err != nil {
		return mail.Rendered{}, fmt.Errorf("mail: %w", err)
	}
	out.Subject = mail.CleanHeaderValue(buf.String())
	if out.Subject == "" {
		return mail.Rendered{}, fmt.Errorf("mail: %s: rendered an empty subject", t.subject.Name())
	}
	buf.Reset()
	if err := t.text.Execute(buf, data); err != nil {
		return mail.Rendered{}, fmt.Errorf("mail: %w", err)
	}
	out.Text = buf.String()
	buf.Reset()
	if err := t.html.Execute(buf, data); err != nil {
		return mail.Rendered{}, fmt.Errorf("mail: %w", err)
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

// emailTemplates is the subject, text and HTML template of one kind of
// email in one language.
type emailTemplates struct {
	lang string
	// format writes the language's dates and durations. It is built once
	// here: a CLDR translator is a few kilobytes of tables, and building
	// one per mail was a fifth of the bytes that rendering and composing a
	// mail allocated (BenchmarkRenderAndCompose).
	format  formatter
	subject *texttemplate.Template
	text    *texttemplate.Template
	html    *htmltemplate.Template
}

// templateProblem is err without the prefixes that say it is about a
// template: TemplateError says so once.
func templateProblem(err error) string {
	return strings.TrimPrefix(strings.TrimPrefix(err.Error(), "mail: "), "template: ")
}

// checkLink accepts only absolute http(s) URLs. The error never quotes the
// link, because it carries the reset token.
func checkLink(link string) error {
	if link == "" {
		return errors.New("mail: reset email needs a link")
	}
	u, err := url.Parse(link)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || addr.HasControl(link) {
		return errors.New("mail: reset link must be an absolute http(s) URL")
	}
	return nil
}

// cleanText turns configuration text into one tidy line: control
// characters become spaces, whitespace collapses, and with limit > 0 the text
// is cut to limit characters. Templates do the escaping; this only keeps a
// value from adding lines to the text part.
func cleanText(s string, limit int) string {
	s = mail.CleanHeaderValue(s)
	if limit > 0 && utf8.RuneCountInString(s) > limit {
		runes := []rune(s)
		s = strings.TrimSpace(string(runes[:limit-1])) + "…"
	}
	return s
}
