package main

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/boot"
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
