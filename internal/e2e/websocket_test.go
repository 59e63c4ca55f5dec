package e2e

import (
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/neontest"
	"github.com/todoapp/resetmail/internal/pgbouncertest"
	"github.com/todoapp/resetmail/internal/stack"
	"github.com/todoapp/resetmail/internal/testdb"
)

// The stand-ins' role password; the test Postgres itself trusts every
// local connection, so only the stand-in checks it, as Neon's proxy does.
const neonPassword = "neon-role-password"

// neonPair is what a deployment on Hugging Face Spaces reaches over 443:
// the pooled host (PgBouncer, for the API) and the direct host (Postgres,
// for the worker and `api migrate`), each a stand-in of its own.
type neonPair struct {
	pooled, direct *neontest.Server
	// databaseURL is a connection string as Neon's console prints it
	// (sslmode=require&channel_binding=require), whose host and port are
	// a closed loopback port: no TCP path can be used by mistake.
	databaseURL string
	// apiEnv and workerEnv are the settings each binary adds to the
	// bundle's; common is in both.
	apiEnv, workerEnv, common []string
}

func startNeonPair(t testing.TB, db *testdb.DB) *neonPair {
	t.Helper()
	cc, err := pgconn.ParseConfig(db.URL)
	require.NoError(t, err)
	opts := func(upstream string) neontest.Options {
		// The binaries reach the stand-in as wss://localhost:<port>/v2,
		// so "localhost" is the endpoint the Host header names.
		return neontest.Options{Endpoints: map[string]string{"localhost": upstream}, Password: neonPassword, PingEvery: time.Second}
	}
	n := &neonPair{
		pooled: neontest.Start(t, opts(pgbouncertest.Start(t, db.URL).Addr)),
		direct: neontest.Start(t, opts(net.JoinHostPort(cc.Host, "5432"))),
	}
	n.databaseURL, err = neontest.ConsoleURL(db.URL, "127.0.0.1", neonPassword)
	require.NoError(t, err)
	n.databaseURL = replacePort(t, n.databaseURL, closedPort(t))
	// One SSL_CERT_FILE holding both test CAs, as the system roots hold
	// Neon's.
	caFile := filepath.Join(t.TempDir(), "roots.pem")
	var roots []byte
	for _, s := range []*neontest.Server{n.pooled, n.direct} {
		pem, err := os.ReadFile(s.CAFile)
		require.NoError(t, err)
		roots = append(roots, pem...)
	}
	require.NoError(t, os.WriteFile(caFile, roots, 0o600))
	n.common = []string{"DATABASE_TRANSPORT", "websocket", "SSL_CERT_FILE", caFile}
	n.apiEnv = append([]string{"DATABASE_WEBSOCKET_URL", n.pooled.URL, "DATABASE_POOLER", "transaction"}, n.common...)
	n.workerEnv = []string{"DATABASE_WEBSOCKET_URL", n.direct.URL, "DATABASE_POOLER", "none"}
	return n
}

func replacePort(t testing.TB, rawURL, port string) string {
	t.Helper()
	cc, err := pgconn.ParseConfig(rawURL)
	require.NoError(t, err)
	old := net.JoinHostPort(cc.Host, "5432")
	require.Contains(t, rawURL, old)
	return replaceOnce(rawURL, old, net.JoinHostPort(cc.Host, port))
}

func replaceOnce(s, old, repl string) string {
	for i := 0; i+len(old) <= len(s); i++ {
		if s[i:i+len(old)] == old {
			return s[:i] + repl + s[i+len(old):]
		}
	}
	return s
}

func closedPort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	require.NoError(t, ln.Close())
	return port
}

// TestEverythingOverWebSocket is issue 20's proof: with DATABASE_URL
// pointing where nothing listens and DATABASE_TRANSPORT=websocket, `api
// migrate`, the API (pooled host, PgBouncer behind) and the worker (direct
// host, LISTEN) do the whole reset flow, answer a burst without a 5xx, keep
// their sessions through 20 s of idle and River's wait cancels, and serve
// health checks and River UI; `worker check-mail` runs with the same
// settings.
func TestEverythingOverWebSocket(t *testing.T) {
	t.Parallel()
	b := setup(t, bundleOpts{neon: true, extra: dashboardCreds})
	n := b.neon
	directEnv := b.env.With(b.workerExtra...)

	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	out, err := stack.Run(ctx, built(t).API, directEnv, "migrate")
	require.NoError(t, err, out)
	require.Contains(t, out, "migrations applied")

	require.Contains(t, b.api.Output(), `"route":"websocket `+n.pooled.URL+`"`, "the start-up log says where the database is")
	require.Contains(t, b.worker.Output(), `"route":"websocket `+n.direct.URL+`"`)
	resetFlow(t, b)
	require.Contains(t, b.worker.Output(), `"poll_only":false`, "the worker LISTENs on the direct host")
	requireRiverUI(t, b)
	for _, url := range []string{"http://" + b.api.Addr + "/readyz", "http://" + b.worker.Addr + "/readyz"} {
		status, body := get(t, url)
		require.Equal(t, http.StatusOK, status, "%s: %s", url, body)
	}
	out, err = stack.Run(ctx, built(t).Worker, directEnv, "check-mail")
	require.NoError(t, err, out)

	// 20 s of idle: River's listener cancels its wait for notifications
	// every few seconds and pings the same connection; the stand-ins ping
	// every second. No session may end in the meantime (an ended session
	// would be redialled, and counted here).
	before := [2]neontest.Stats{n.pooled.Stats(), n.direct.Stats()}
	time.Sleep(20 * time.Second)
	r := b.do(t, http.MethodPost, "/api/auth/forgot-password", "", map[string]string{"email": "ada@example.com"})
	require.Equal(t, http.StatusAccepted, r.status, string(r.raw))
	b.waitMail(t, 3)
	after := [2]neontest.Stats{n.pooled.Stats(), n.direct.Stats()}
	for i, name := range []string{"pooled", "direct"} {
		require.Equal(t, before[i].Closed, after[i].Closed, "%s: a session ended during the idle period: %+v -> %+v", name, before[i], after[i])
		require.Greater(t, after[i].Pongs, before[i].Pongs, "%s: the binaries answer pings", name)
		require.Zero(t, after[i].Refused, "%s: %s", name, n.pooled.LastError())
		require.Zero(t, after[i].TextFrames, name)
	}
	t.Logf("sessions: pooled %+v, direct %+v", after[0], after[1])

	forgotPasswordBurst(t, b, 200, 20)
	require.Zero(t, n.pooled.Stats().Refused)
}

// The clear failures: a wrong password fails at once with a sentence that
// says so (one attempt, no retry loop until the timeout); an untrusted
// certificate is refused; ws:// to another host is refused before any
// dial; and a TCP connection that times out names the likely cause.
func TestWebSocketFailuresAreClear(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	n := startNeonPair(t, db)
	env := stack.Env{
		"DATABASE_URL": n.databaseURL, "PORT": "0", "JWT_SECRET": jwtSecret,
		"FRONTEND_URL": "https://app.example.com", "DATABASE_CONNECT_TIMEOUT": "30s",
	}.With(n.common...).With(n.workerEnv...)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()

	wrong := replaceOnce(n.databaseURL, ":"+neonPassword+"@", ":not-the-password@")
	for _, args := range [][]string{{"migrate"}, {"serve"}} {
		before := n.direct.Stats().Refused
		out, err := stack.Run(ctx, built(t).API, env.With("DATABASE_URL", wrong), args...)
		require.Error(t, err, out)
		require.Contains(t, out, "28P01: password authentication failed", args)
		require.Contains(t, out, "check the password in DATABASE_URL", args)
		require.NotContains(t, out, "not-the-password")
		require.Equal(t, before+1, n.direct.Stats().Refused, "%v: one attempt, then a clear answer", args)
	}

	out, err := stack.Run(ctx, built(t).API, env.With("SSL_CERT_FILE", filepath.Join(t.TempDir(), "none.pem"), "DATABASE_CONNECT_TIMEOUT", "2s"), "migrate")
	require.Error(t, err, out)
	require.Contains(t, out, "certificate signed by unknown authority")

	out, err = stack.Run(ctx, built(t).API, env.With("DATABASE_WEBSOCKET_URL", "ws://db.example.com/v2"), "migrate")
	require.Error(t, err, out)
	require.Contains(t, out, "would carry the database password in clear")

	// Over TCP, a server that accepts and never answers is what a
	// firewall dropping the traffic looks like from here.
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = silent.Close() })
	held := make(chan net.Conn, 16)
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			select {
			case held <- c: // kept open, never answered
			default:
				_ = c.Close()
			}
		}
	}()
	t.Cleanup(func() {
		for len(held) > 0 {
			_ = (<-held).Close()
		}
	})
	_, port, _ := net.SplitHostPort(silent.Addr().String())
	tcp := stack.Env{
		"DATABASE_URL": "postgres://postgres@" + silent.Addr().String() + "/todo", "PORT": "0", "JWT_SECRET": jwtSecret,
		"FRONTEND_URL": "https://app.example.com", "DATABASE_CONNECT_TIMEOUT": "1s",
	}
	out, err = stack.Run(ctx, built(t).API, tcp)
	require.Error(t, err, out)
	require.Contains(t, out, "DATABASE_URL: cannot reach the database (timed out connecting to the database): outbound port "+port+
		" may be blocked here; on Hugging Face Spaces set DATABASE_TRANSPORT=websocket")
}
