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
