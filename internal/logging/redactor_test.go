package logging

import (
	"bytes"
	"errors"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRedactorMasksAndDrops(t *testing.T) {
	t.Parallel()

	var buf bytes.Buffer
	logger, err := New(&buf, "json", "debug")
	require.NoError(t, err)

	jwt := "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"
	logger.With(slog.String("smtp_password", "pw-1")).Info("sent to john.doe@example.com",
		slog.String("email", "jane@example.org"),
		slog.String("password", "hunter2"),
		slog.String("reset_token", "tok-abc"),
		slog.String("Authorization", "Bearer "+jwt),
		slog.String("note", "header was "+jwt),
		slog.Any("err", errors.New("smtp 550 for bob@example.net: no such user")),
		slog.Group("user", slog.String("email", "amy@example.com"), slog.String("new_password", "x")),
		slog.Int("status", 202),
	)
	out := buf.String()
	for _, leaked := range []string{"john.doe@", "jane@", "hunter2", "tok-abc", jwt, "bob@", "amy@", "pw-1", `"new_password"`} {
		require.NotContains(t, out, leaked)
	}
	for _, kept := range []string{"j***@example.com", "j***@example.org", "b***@example.net", "a***@example.com", "[jwt]", `"status":202`} {
		require.Contains(t, out, kept)
	}
}

func TestIsSecretKey(t *testing.T) {
	t.Parallel()

	for _, k := range []string{"password", "SMTP_PASSWORD", "reset_token", "token", "jwt", "api-key", "Authorization"} {
		require.True(t, IsSecretKey(k), k)
	}
	for _, k := range []string{"request_id", "status", "route", "email_masked", "monkey", "tokens_sent"} {
		require.False(t, IsSecretKey(k), k)
	}
}

func TestNewRejectsUnknownSettings(t *testing.T) {
	t.Parallel()

	_, err := New(&bytes.Buffer{}, "xml", "info")
	require.Error(t, err)
	_, err = New(&bytes.Buffer{}, "json", "loud")
	require.Error(t, err)
}

// TestRedactorMasksInternationalAddresses is issue 13, item 8: the redactor
// used an ASCII-only pattern, so addresses that sign-up accepts, with a
// UTF-8 local part or an IDN domain, reached the logs whole. It logs through
// New, the logger both binaries build.
func TestRedactorMasksInternationalAddresses(t *testing.T) {
	t.Parallel()

	var buf bytes.Buffer
	logger, err := New(&buf, "json", "debug")
	require.NoError(t, err)
	logger.Info("sent to jürgen@bücher.de",
		slog.String("to", "用户@例子.广告"),
		slog.Any("err", errors.New("smtp 550 for пользователь@пример.рф: no such user")),
		slog.Group("user", slog.String("email", "ñandú@xn--bcher-kva.de")),
	)
	out := buf.String()
	for _, leaked := range []string{"jürgen", "用户@", "пользователь", "ñandú"} {
		require.NotContains(t, out, leaked)
	}
	for _, kept := range []string{"j***@bücher.de", "用***@例子.广告", "п***@пример.рф", "ñ***@xn--bcher-kva.de"} {
		require.Contains(t, out, kept)
	}
}
