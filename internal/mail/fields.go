package mail

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	"golang.org/x/text/language"
)

// Fields is a Message validated and cleaned: what Compose hands to
// jordan-wright/email, and what the HTTPS providers send as JSON rather than
// as RFC 5322 bytes. One cleaning for both keeps header injection through a
// name or subject as impossible there as over SMTP, with the same display
// names.
type Fields struct {
	From     string // formatted, "Todo <no-reply@example.com>"
	FromBare string
	To       string // formatted, with the cleaned display name
	ToBare   string
	Subject  string
	Text     string
	HTML     string
	// Headers are the extra headers, validated and cleaned, in a stable
	// order so that a retried request carries the same body.
	Headers []Header
}

// Header is one extra header, validated and cleaned.
type Header struct{ Name, Value string }

// Fields validates and cleans m once, for a provider that sends the parts
// rather than RFC 5322 bytes (Compose uses it too).
func (m Message) Fields() (*Fields, error) {
	from := m.from
	if from.raw == "" || from.raw != m.From {
		// Not built by NewMessage from a parsed sender (or From was
		// changed since): parse it now.
		var err error
		if from, err = NewFrom(m.From); err != nil {
			return nil, err
		}
	}
	to, err := parseRecipient(m.To)
	if err != nil {
		return nil, err
	}
	if m.Text == "" && m.HTML == "" {
		return nil, errors.New("mail: message has neither a text nor an HTML part")
	}
	f := &Fields{
		From:     from.formatted,
		FromBare: from.bare,
		To:       formatAddress(displayName(m.ToName), to),
		ToBare:   to,
		Subject:  CleanHeaderValue(m.Subject),
		Text:     m.Text,
		HTML:     m.HTML,
	}
	if m.Language != "" {
		tag, err := language.Parse(m.Language)
		if err != nil {
			return nil, fmt.Errorf("mail: language %q is not a BCP 47 tag", m.Language)
		}
		f.Headers = append(f.Headers, Header{"Content-Language", tag.String()})
	}
	for _, name := range slices.Sorted(maps.Keys(m.Headers)) {
		key, err := headerKey(name)
		if err != nil {
			return nil, err
		}
		f.Headers = append(f.Headers, Header{key, CleanHeaderValue(m.Headers[name])})
	}
	return f, nil
}

// ComposeError is the error for a message that cannot be built: the same
// message would fail on every attempt, so it is rejected.
func ComposeError(provider string, err error) *SendError {
	return &SendError{Provider: provider, Class: ClassRejected, Stage: StageBody, Text: "cannot build the message: " + Describe(err), Err: err}
}
