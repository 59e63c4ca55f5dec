package locale

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestExplicit: a well-formed tag is normalized, or "" when it names no
// language we know (no preference); a malformed one is ErrInvalid.
func TestExplicit(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, want string
		err      error
	}{
		{"", "", nil},
		{" de ", "de", nil},
		{"pt-br", "pt-BR", nil},
		{"DE-at", "de-AT", nil},
		{"zh-Hant", "zh-Hant", nil},
		{"xx", "", nil}, // well-formed but no such language: no preference
		{"und", "", nil},
		{"not a tag", "", ErrInvalid},
		{"de_DE!", "", ErrInvalid},
		{"*", "", ErrInvalid},
		{"en-", "", ErrInvalid},
		{strings.Repeat("a", 40), "", ErrInvalid},
		{"de,fr", "", ErrInvalid},
		{"\x00", "", ErrInvalid},
	} {
		got, err := Explicit(tc.in)
		require.ErrorIs(t, err, tc.err, tc.in)
		require.Equal(t, tc.want, got, tc.in)
	}
}

func TestFromRequest(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ explicit, header, want string }{
		{"", "", ""},
		{"", "de-DE,de;q=0.9", "de-DE,de"},
		{"", "en;q=0.1, fr-CA, xx, *;q=0.5", "fr-CA,en"},
		{"", "xx", ""},
		{"", "fr;q=0, de", "de"},
		{"", ";;;,,,q=", ""},
		{"fr", "de-DE,de;q=0.9", "fr,de-DE,de"},
		{"de", "de", "de"},
		{"", "a,b,c,d,e,f,g,de,fr,es,it,pt,nl,pl", "de,fr,es,it,pt,nl"},
		{"", "de,fr,es,it,pt,nl,pl,sv", "de,fr,es,it,pt,nl"},
	} {
		got := FromRequest(tc.explicit, tc.header)
		require.Equal(t, tc.want, got, "%q %q", tc.explicit, tc.header)
		require.LessOrEqual(t, len(got), MaxLen)
	}
	long := strings.Repeat("de-DE, ", 10000)
	require.Equal(t, "de-DE", FromRequest("", long))
}

func TestMatch(t *testing.T) {
	t.Parallel()
	m, err := NewMatcher([]string{"en", "de", "pt"})
	require.NoError(t, err)
	for _, tc := range []struct {
		prefs []string
		want  string
		ok    bool
	}{
		{[]string{"de-AT"}, "de", true},
		{[]string{"pt-BR"}, "pt", true},
		{[]string{"xx"}, "", false},
		{[]string{"fr,de"}, "de", true},
		{[]string{"", "pt"}, "pt", true},
		{[]string{"garbage,,en-GB"}, "en", true},
	} {
		got, ok := m.Match(tc.prefs...)
		require.Equal(t, tc.ok, ok, "%q", tc.prefs)
		require.Equal(t, tc.want, got, "%q", tc.prefs)
	}
}

func TestRequestPreference(t *testing.T) {
	t.Parallel()
	got, err := Request{Explicit: "fr", AcceptLanguage: "de-DE,de;q=0.9"}.Preference()
	require.NoError(t, err)
	require.Equal(t, "fr,de-DE,de", got)
	got, err = Request{AcceptLanguage: "xx"}.Preference()
	require.NoError(t, err)
	require.Empty(t, got)
	_, err = Request{Explicit: "not a tag!"}.Preference()
	require.ErrorIs(t, err, ErrInvalid)
}
