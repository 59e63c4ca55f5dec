package addr

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNormalize(t *testing.T) {
	t.Parallel()

	for in, want := range map[string]string{
		"ada@example.com":             "ada@example.com",
		"  Ada.Lovelace@EXAMPLE.Com ": "Ada.Lovelace@example.com",
		"a+tag@Sub.Example.ORG":       "a+tag@sub.example.org",
		"o'brien@example.ie":          "o'brien@example.ie",
		"\tada@example.com\n":         "ada@example.com",
		// Look-alikes fold to the one spelling (NFKC): the Kelvin sign
		// is K, full-width letters and @ are ASCII, ﬁ is fi.
		"\u212Aate@example.com": "Kate@example.com",
		"ｋａｔｅ＠ＥＸＡＭＰＬＥ.com":      "kate@example.com",
		"ﬁona@example.com":      "fiona@example.com",
		"jürgen@Bücher.de":      "jürgen@bücher.de",
	} {
		got, err := Normalize(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}

	for in, want := range map[string]error{
		"":    ErrRequired,
		"   ": ErrRequired,
		strings.Repeat("a", 243) + "@example.com": ErrTooLong,
		"ada":                              ErrInvalid,
		"ada@":                             ErrInvalid,
		"@example.com":                     ErrInvalid,
		"ada@localhost":                    ErrInvalid,
		"ada@example.com.":                 ErrInvalid,
		"ada@[127.0.0.1]":                  ErrInvalid,
		"Ada <ada@example.com>":            ErrInvalid,
		"<ada@example.com>":                ErrInvalid,
		"ada@example.com (Ada)":            ErrInvalid,
		`"ada lovelace"@example.com`:       ErrInvalid,
		"ada@example.com\r\nBcc: x@y.com":  ErrInvalid,
		"ada\r@example.com":                ErrInvalid,
		"ada@exa\x00mple.com":              ErrInvalid,
		"ada@example.com, bob@example.com": ErrInvalid,
		"ada @example.com":                 ErrInvalid,
	} {
		_, err := Normalize(in)
		require.ErrorIs(t, err, want, "%q", in)
	}

	// 254 bytes is the limit, inclusive.
	at254 := strings.Repeat("a", 64) + "@" + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 61)
	require.Len(t, at254, 254)
	_, err := Normalize(at254)
	require.NoError(t, err)
}

// TestParseAcceptsInternationalAddresses: UTF-8 local parts and IDN
// domains are addresses like any other (SMTPUTF8 carries them).
func TestParseAcceptsInternationalAddresses(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"jürgen@bücher.de", "用户@例子.广告", "o'brien@example.ie"} {
		got, err := Parse(in)
		require.NoError(t, err, in)
		require.Equal(t, in, got)
	}
	for _, in := range []string{"a;b@example.com", `a\b@example.com`, "a@b@example.com", "ada\u2028@example.com"} {
		_, err := Parse(in)
		require.ErrorIs(t, err, ErrInvalid, "%q", in)
	}
}
