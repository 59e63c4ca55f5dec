// Package locale reads a request's language preference and matches it
// against the languages the mail templates exist in. It wraps
// golang.org/x/text/language, so that "de-AT" gets "de" and "pt-BR" falls
// back to "pt".
//
// A preference is written as BCP 47 tags in order, joined by commas:
// "de-DE,de,en". That one string travels in job args (where the dashboard
// shows it) and is stored as users.locale. It names a language, which is not
// secret.
package locale

import (
	"errors"
	"slices"
	"strings"

	"golang.org/x/text/language"
)

// MaxTags caps how many tags a preference keeps: enough for any real
// Accept-Language header, small enough for a job arg and a column.
const MaxTags = 6

// maxTagLen is longer than any useful tag ("zh-Hant-TW" is 10); it keeps a
// hostile value out of job args and the database.
const maxTagLen = 35

// MaxLen is the longest preference string this package produces.
const MaxLen = MaxTags*(maxTagLen+1) - 1

// ErrInvalid is the answer for an explicit locale that is not a BCP 47 tag.
var ErrInvalid = errors.New("must be a BCP 47 language tag such as de or pt-BR")

// Explicit checks a locale field from a request body. Empty is no
// preference. A tag that is not well-formed BCP 47 is ErrInvalid (the API
// answers 400). A well-formed tag for a language nobody knows, such as "xx",
// is accepted as no preference, because the next source (Accept-Language,
// the stored locale, DEFAULT_LOCALE) still picks a language.
func Explicit(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	if len(s) > maxTagLen {
		return "", ErrInvalid
	}
	tag, err := language.Parse(s)
	if err != nil {
		var ve language.ValueError
		if errors.As(err, &ve) {
			return "", nil
		}
		return "", ErrInvalid
	}
	if !known(tag) {
		return "", nil
	}
	return tag.String(), nil
}

// FromRequest is the preference of one request: the explicit locale, if
// any, then the languages of the Accept-Language header by quality. An
// unreadable header entry is skipped, never an error: the header is the
// browser's, not the user's. explicit must have passed Explicit.
func FromRequest(explicit, acceptLanguage string) string {
	var tags []language.Tag
	if explicit != "" {
		if t, err := language.Parse(explicit); err == nil {
			tags = append(tags, t)
		}
	}
	tags = append(tags, acceptLanguageTags(acceptLanguage)...)
	return join(tags)
}

// Request is where one request says which language its mail should be in.
type Request struct {
	// Explicit is the body's locale field (BCP 47). Default "" leaves the
	// choice to AcceptLanguage.
	Explicit string
	// AcceptLanguage is the request's Accept-Language header. Default ""
	// says nothing.
	AcceptLanguage string
}

// Preference checks Explicit (see Explicit for what is an error) and
// returns the request's preference, as FromRequest.
func (r Request) Preference() (string, error) {
	tag, err := Explicit(r.Explicit)
	if err != nil {
		return "", err
	}
	return FromRequest(tag, r.AcceptLanguage), nil
}

// acceptLanguageTags reads the header entry by entry, so that one unknown
// entry such as "xx" does not discard the rest, and orders the tags by
// quality, keeping the header's order among equals.
func acceptLanguageTags(h string) []language.Tag {
	type entry struct {
		tag language.Tag
		q   float32
	}
	var entries []entry
	for part := range strings.SplitSeq(h, ",") {
		if len(entries) >= 4*MaxTags {
			break
		}
		tags, qs, err := language.ParseAcceptLanguage(part)
		if err != nil || len(tags) != 1 || qs[0] <= 0 {
			continue
		}
		entries = append(entries, entry{tags[0], qs[0]})
	}
	slices.SortStableFunc(entries, func(a, b entry) int {
		switch {
		case a.q > b.q:
			return -1
		case a.q < b.q:
			return 1
		}
		return 0
	})
	out := make([]language.Tag, 0, len(entries))
	for _, e := range entries {
		out = append(out, e.tag)
	}
	return out
}

// join writes tags as a preference string, without unknown languages,
// wildcards or repeats, and at most MaxTags of them.
func join(tags []language.Tag) string {
	var out []string
	for _, t := range tags {
		s := t.String()
		if !known(t) || len(s) > maxTagLen || slices.Contains(out, s) {
			continue
		}
		out = append(out, s)
		if len(out) == MaxTags {
			break
		}
	}
	return strings.Join(out, ",")
}

// known reports whether t names its language: not "und" (for which x/text
// would guess one), not "mul" (the wildcard "*"), not a private-use tag.
func known(t language.Tag) bool {
	base, conf := t.Base()
	return conf == language.Exact && base.String() != "mul"
}

// Parse reads a stored preference leniently: entries that no longer parse
// are skipped, so that a value written by an older version never fails a
// mail.
func Parse(pref string) []language.Tag {
	var out []language.Tag
	for part := range strings.SplitSeq(pref, ",") {
		if t, err := language.Parse(strings.TrimSpace(part)); err == nil && known(t) {
			out = append(out, t)
		}
	}
	return out
}

// Matcher picks one of a fixed set of languages for a preference.
type Matcher struct {
	tags    []language.Tag
	names   []string
	matcher language.Matcher
}

// NewMatcher matches against supported, which are BCP 47 tags such as "en"
// and "pt-BR".
func NewMatcher(supported []string) (*Matcher, error) {
	m := &Matcher{}
	for _, s := range supported {
		t, err := language.Parse(s)
		if err != nil {
			return nil, err
		}
		m.tags = append(m.tags, t)
		m.names = append(m.names, s)
	}
	m.matcher = language.NewMatcher(m.tags)
	return m, nil
}

// Match returns the supported language for the first preference that has
// one, trying each preference's tags in order. A tag matches when
// x/text/language is at least highly confident: "de-AT" gets "de", "pt-BR"
// gets "pt", but Catalan does not get Spanish. ok is false when nothing
// matches.
func (m *Matcher) Match(prefs ...string) (lang string, ok bool) {
	for _, pref := range prefs {
		for _, t := range Parse(pref) {
			_, i, conf := m.matcher.Match(t)
			if conf >= language.High {
				return m.names[i], true
			}
		}
	}
	return "", false
}
