package templates

import (
	"fmt"
	"strings"
	"time"

	"github.com/todoapp/resetmail/internal/mail"
)

// SampleInput is what a sample mail takes from the configuration.
type SampleInput struct {
	// AppName is APP_NAME. Default "Todo".
	AppName string
	// FrontendURL is FRONTEND_URL, the base of the sample link. Default
	// "https://app.example.com".
	FrontendURL string
}

// sampleAt is the sample mail's time. It is fixed, so that two previews of
// the same kind and language are the same bytes (apart from Date and
// Message-ID), and so that `worker preview` matches what `worker check-mail`
// sends.
var sampleAt = time.Date(2030, 1, 2, 20, 15, 0, 0, time.UTC)

// Sample renders kind in lang (as Pick returns it) from sample data, with
// the same templates and code as real mails. NewRenderer renders every kind
// of every language this way to check the templates; `worker preview` and
// `worker check-mail` show and send the result.
func (r *Renderer) Sample(kind Kind, lang string, s SampleInput) (mail.Rendered, error) {
	if s.AppName == "" {
		s.AppName = "Todo"
	}
	if s.FrontendURL == "" {
		s.FrontendURL = "https://app.example.com"
	}
	switch kind {
	case KindReset:
		return r.Reset(ResetData{
			Lang: lang, AppName: s.AppName,
			Link:      strings.TrimRight(s.FrontendURL, "/") + "/reset-password?token=sample-token-not-valid",
			ExpiresAt: sampleAt, TTL: time.Hour,
		})
	case KindPasswordChanged:
		return r.PasswordChanged(PasswordChangedData{Lang: lang, AppName: s.AppName, ChangedAt: sampleAt})
	case KindSignupVerify:
		return r.SignupVerify(SignupVerifyData{
			Lang: lang, AppName: s.AppName,
			Link:      strings.TrimRight(s.FrontendURL, "/") + "/verify-email?token=sample-token-not-valid",
			ExpiresAt: sampleAt, TTL: 24 * time.Hour,
		})
	case KindSignupExists:
		base := strings.TrimRight(s.FrontendURL, "/")
		return r.SignupExists(SignupExistsData{Lang: lang, AppName: s.AppName, SignInLink: base + "/sign-in", ResetLink: base + "/forgot-password"})
	}
	return mail.Rendered{}, fmt.Errorf("mail: unknown kind %q", kind)
}

// ParseKind reads a kind's name, such as "reset".
func ParseKind(s string) (Kind, error) {
	for _, k := range Kinds() {
		if string(k) == s {
			return k, nil
		}
	}
	var names []string
	for _, k := range Kinds() {
		names = append(names, string(k))
	}
	return "", fmt.Errorf("unknown kind %q; kinds are %s", s, strings.Join(names, ", "))
}
