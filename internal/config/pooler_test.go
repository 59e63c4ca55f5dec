package config

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDatabasePooler(t *testing.T) {
	t.Parallel()

	cfg, err := LoadWorker(validWorkerEnv())
	require.NoError(t, err)
	require.False(t, cfg.TransactionPooler())
	require.False(t, cfg.PollOnly())
	require.Empty(t, cfg.PoolerHint())
	require.Empty(t, cfg.MigrateProblem())

	cfg, err = LoadWorker(with(validWorkerEnv(), "DATABASE_POOLER", "transaction"))
	require.NoError(t, err)
	require.True(t, cfg.TransactionPooler())
	require.True(t, cfg.PollOnly(), "LISTEN does not survive a transaction pooler")
	require.Contains(t, cfg.MigrateProblem(), "direct connection string")

	_, err = LoadAPI(with(validAPIEnv(), "DATABASE_POOLER", "session"))
	require.ErrorContains(t, err, `DATABASE_POOLER must be none or transaction, not "session"`)
}

func TestPoolerLookingHosts(t *testing.T) {
	t.Parallel()

	for _, tc := range []struct {
		url    string
		pooler bool
	}{
		{"postgres://app:secret-pw@ep-cool-name-123456-pooler.us-east-2.aws.neon.tech/neondb?sslmode=require", true},
		{"postgres://app:secret-pw@ep-cool-name-123456.us-east-2.aws.neon.tech/neondb?sslmode=require", false},
		{"postgres://app:secret-pw@db.internal:6432/app", true},
		{"postgres://app:secret-pw@db.internal:5432/app", false},
		{"host=primary,ep-x-pooler.eu-central-1.aws.neon.tech user=app password=secret-pw dbname=app", true},
	} {
		api, err := LoadAPI(with(validAPIEnv(), "DATABASE_URL", tc.url))
		require.NoError(t, err, tc.url)
		hint, problem := api.PoolerHint(), api.MigrateProblem()
		if !tc.pooler {
			require.Empty(t, hint, tc.url)
			require.Empty(t, problem, tc.url)
			continue
		}
		require.Contains(t, hint, "DATABASE_POOLER=transaction", tc.url)
		require.Contains(t, problem, "direct connection string", tc.url)
		require.NotContains(t, hint+problem, "secret-pw")

		// An explicit choice silences the warning; "none" also lets a
		// direct connection on port 6432 migrate.
		api, err = LoadAPI(with(validAPIEnv(), "DATABASE_URL", tc.url, "DATABASE_POOLER", "none"))
		require.NoError(t, err)
		require.Empty(t, api.PoolerHint())
		require.Empty(t, api.MigrateProblem())
	}
}
