package auth

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

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
