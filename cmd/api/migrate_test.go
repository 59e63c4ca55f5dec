package main

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/boot"
	"github.com/todoapp/resetmail/internal/testdb"
	"github.com/todoapp/resetmail/internal/testutil"
)

// Migrating through a transaction pooler would take the migration lock on
// one server connection and release it on another, so `api migrate` stops
// before it connects and names the connection string it needs.
func TestMigrateRefusesATransactionPooler(t *testing.T) {
	t.Parallel()

	for _, env := range []map[string]string{
		{"DATABASE_URL": "postgres://app:pw@127.0.0.1:5432/app", "DATABASE_POOLER": "transaction"},
		// Unset, with Neon's pooled host name: never dialled.
		{"DATABASE_URL": "postgres://app:pw@ep-quiet-lake-123456-pooler.us-east-2.aws.neon.tech/neondb?sslmode=require"},
	} {
		logs := &testutil.LogBuffer{}
		err := run(context.Background(), []string{"api", "migrate"}, testutil.Env(env), logs, logs)
		require.Error(t, err)
		require.Contains(t, err.Error(), "`api migrate` needs the direct connection string")
		require.Equal(t, boot.ExitConfig, boot.ExitCode(err))
		require.NotContains(t, err.Error()+logs.String(), "pw@")
	}
}

// A DATABASE_URL whose hosts include PgBouncer's usual port, with
// DATABASE_POOLER unset, starts (pgx reaches the first host, the test
// database) but warns once about what to set.
func TestServeWarnsWhenTheURLLooksPooled(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	u, err := url.Parse(db.URL)
	require.NoError(t, err)
	u.Host += ",127.0.0.1:6432" // a fallback, never dialled

	logs := &testutil.LogBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"api"}, testutil.Env(map[string]string{
			"DATABASE_URL": u.String(), "PORT": "0", "LOG_FORMAT": "json",
			"JWT_SECRET": testutil.Secret("jwt", 40),
		}), logs, logs)
	}()
	logs.WaitFor(t, `"msg":"api listening"`, 15*time.Second)
	cancel()
	require.NoError(t, <-done)
	require.Equal(t, 1, strings.Count(logs.String(), "set DATABASE_POOLER=transaction"), logs.String())
}
