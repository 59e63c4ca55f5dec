package main

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/boot"
	"github.com/todoapp/resetmail/internal/testutil"
)

// TestRunReportsAllStartupProblemsAtOnce is the worker's side of
// cmd/api's TestRunReportsAllConfigProblemsAtOnce: a bad setting, a broken
// template and an unreachable database, each found by a different start-up
// step, come back in one message with exit status 2, without the secret's
// value.
func TestRunReportsAllStartupProblemsAtOnce(t *testing.T) {
	t.Parallel()
	dir := writeTemplates(t, map[string]string{
		"de/reset.subject.tmpl": "Passwort zurücksetzen\n{{.AppNmae}}\n",
	})
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"worker"}, testutil.Env(map[string]string{
		"DATABASE_URL":    "postgres://nowhere:1/x",
		"RESET_TOKEN_KEY": "short-and-secret",
		"SMTP_HOST":       "127.0.0.1",
		"SMTP_FROM":       "no-reply@example.com",
		"TEMPLATE_DIR":    dir,
	}), &stdout, &stderr)
	require.Error(t, err)
	msg := err.Error()
	require.Contains(t, msg, "RESET_TOKEN_KEY must be at least 32 bytes")
	require.Contains(t, msg, filepath.Join(dir, "de", "reset.subject.tmpl")+":2:")
	require.Contains(t, msg, "DATABASE_URL: cannot reach the database")
	require.NotContains(t, msg, "short-and-secret")
	require.Equal(t, boot.ExitConfig, boot.ExitCode(err))
	require.NotContains(t, stdout.String(), "worker started")
}
