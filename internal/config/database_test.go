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

func TestDatabaseTransport(t *testing.T) {
	t.Parallel()
	neon := "postgres://app:pw@ep-quiet-fog-123456-pooler.eu-central-1.aws.neon.tech/neondb?sslmode=require&channel_binding=require"

	cfg, err := LoadAPI(validAPIEnv())
	require.NoError(t, err)
	require.False(t, cfg.WebSocket())
	require.Equal(t, "outbound port 5432 may be blocked here; on Hugging Face Spaces set DATABASE_TRANSPORT=websocket", cfg.PortHint())

	wcfg, err := LoadWorker(with(validWorkerEnv(), "DATABASE_URL", neon, "DATABASE_TRANSPORT", "websocket"))
	require.NoError(t, err)
	require.True(t, wcfg.WebSocket())
	require.Empty(t, wcfg.PortHint(), "the WebSocket goes out on 443")
	require.Equal(t, "websocket wss://ep-quiet-fog-123456-pooler.eu-central-1.aws.neon.tech/v2", wcfg.DatabaseRoute())
	require.Equal(t, "tcp 127.0.0.1:5432", cfg.DatabaseRoute())

	for env, want := range map[[2]string]string{
		{"DATABASE_TRANSPORT", "ws"}:                       `DATABASE_TRANSPORT must be tcp or websocket, not "ws"`,
		{"DATABASE_WEBSOCKET_URL", "wss://proxy.example/"}: "DATABASE_WEBSOCKET_URL is set but DATABASE_TRANSPORT is tcp",
	} {
		_, err := LoadAPI(with(validAPIEnv(), env[0], env[1]))
		require.ErrorContains(t, err, want)
	}
	_, err = LoadAPI(with(validAPIEnv(), "DATABASE_TRANSPORT", "websocket", "DATABASE_WEBSOCKET_URL", "ws://proxy.example.com/v2"))
	require.ErrorContains(t, err, "use wss://")
	_, err = LoadAPI(with(validAPIEnv(), "DATABASE_TRANSPORT", "websocket", "DATABASE_WEBSOCKET_URL", "ws://127.0.0.1:9000/v2"))
	require.NoError(t, err, "ws:// to a loopback host")
	_, err = LoadAPI(with(validAPIEnv(), "DATABASE_TRANSPORT", "websocket", "DATABASE_URL", neon+"&options=endpoint%3Dep-other-1"))
	require.ErrorContains(t, err, "options say endpoint=ep-other-1")
	require.NotContains(t, err.Error(), "pw@")
}
