package auth

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNormalizeEmail(t *testing.T) {
	t.Parallel()

	for in, want := range map[string]string{
		"ada@example.com":             "ada@example.com",
		"  Ada.Lovelace@EXAMPLE.Com ": "Ada.Lovelace@example.com",
		"a+tag@Sub.Example.ORG":       "a+tag@sub.example.org",
		"o'brien@example.ie":          "o'brien@example.ie",
		"\tada@example.com\n":         "ada@example.com",
	} {
		got, err := NormalizeEmail(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}

	for in, want := range map[string]error{
		"":    ErrEmailRequired,
		"   ": ErrEmailRequired,
		strings.Repeat("a", 243) + "@example.com": ErrEmailTooLong,
		"ada":                              ErrEmailInvalid,
		"ada@":                             ErrEmailInvalid,
		"@example.com":                     ErrEmailInvalid,
		"ada@localhost":                    ErrEmailInvalid,
		"ada@example.com.":                 ErrEmailInvalid,
		"ada@[127.0.0.1]":                  ErrEmailInvalid,
		"Ada <ada@example.com>":            ErrEmailInvalid,
		"<ada@example.com>":                ErrEmailInvalid,
		"ada@example.com (Ada)":            ErrEmailInvalid,
		`"ada lovelace"@example.com`:       ErrEmailInvalid,
		"ada@example.com\r\nBcc: x@y.com":  ErrEmailInvalid,
		"ada\r@example.com":                ErrEmailInvalid,
		"ada@exa\x00mple.com":              ErrEmailInvalid,
		"ada@example.com, bob@example.com": ErrEmailInvalid,
		"ada @example.com":                 ErrEmailInvalid,
	} {
		_, err := NormalizeEmail(in)
		require.ErrorIs(t, err, want, "%q", in)
	}

	// 254 bytes is the limit, inclusive.
	at254 := strings.Repeat("a", 64) + "@" + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 61)
	require.Len(t, at254, 254)
	_, err := NormalizeEmail(at254)
	require.NoError(t, err)
}

func TestValidatePassword(t *testing.T) {
	t.Parallel()

	for _, ok := range []string{"12345678", "correct horse battery", strings.Repeat("x", 72), "ééééééé1", strings.Repeat("é", 36)} {
		require.Empty(t, ValidatePassword(ok), ok)
	}
	require.Equal(t, "is required", ValidatePassword(""))
	require.Equal(t, "must be at least 8 characters", ValidatePassword("1234567"))
	// Seven two-byte characters are 14 bytes but only 7 characters.
	require.Equal(t, "must be at least 8 characters", ValidatePassword("ééééééé"))
	require.Contains(t, ValidatePassword(strings.Repeat("x", 73)), "at most 72 bytes")
	require.Contains(t, ValidatePassword(strings.Repeat("é", 37)), "at most 72 bytes")
}

func TestNormalizeName(t *testing.T) {
	t.Parallel()

	name, msg := normalizeName("  Ada Lovelace ")
	require.Empty(t, msg)
	require.Equal(t, "Ada Lovelace", name)
	name, msg = normalizeName("<script>alert(1)</script>")
	require.Empty(t, msg)
	require.Equal(t, "<script>alert(1)</script>", name)
	_, msg = normalizeName(strings.Repeat("é", MaxNameChars))
	require.Empty(t, msg)

	for _, bad := range []string{"", "  ", "Ada\r\nBcc: x", "Ada\x00", strings.Repeat("n", MaxNameChars+1), "bad\xffutf8"} {
		_, msg := normalizeName(bad)
		require.NotEmpty(t, msg, "%q", bad)
	}
}
