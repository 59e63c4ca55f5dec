package config

import (
	"testing"

	"github.com/stretchr/testify/require"
)

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
