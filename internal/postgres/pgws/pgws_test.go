package pgws_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/neontest"
	"github.com/todoapp/resetmail/internal/pgbouncertest"
	"github.com/todoapp/resetmail/internal/postgres/pgws"
	"github.com/todoapp/resetmail/internal/testdb"
	"github.com/todoapp/resetmail/internal/testutil"
)

const (
	endpoint = "ep-quiet-fog-123456"
	password = "stand-in-password"
)

// neon is a cloned test database and a stand-in with a direct endpoint
// (that database) and, when pooled is set, its "-pooler" twin (a real
// PgBouncer in transaction mode).
func neon(t *testing.T, pooled bool) (*testdb.DB, *neontest.Server) {
	t.Helper()
	db := testdb.New(t)
	cc, err := pgconn.ParseConfig(db.URL)
	require.NoError(t, err)
	endpoints := map[string]string{endpoint: net.JoinHostPort(cc.Host, "5432")}
	if pooled {
		endpoints[endpoint+"-pooler"] = pgbouncertest.Start(t, db.URL).Addr
	}
	return db, neontest.Start(t, neontest.Options{Endpoints: endpoints, Password: password, PingEvery: 200 * time.Millisecond})
}

// connect opens one pgx connection to host (under neontest.Domain) with the
// connection string as Neon's console prints it, through a Dialer that
// derives wss://host/v2 itself and reaches the stand-in through DialTCP.
func connect(t *testing.T, s *neontest.Server, db *testdb.DB, host, pw string, tweak func(*pgx.ConnConfig)) (*pgx.Conn, error) {
	t.Helper()
	raw, err := neontest.ConsoleURL(db.URL, host, pw)
	require.NoError(t, err)
	cfg, err := pgx.ParseConfig(raw)
	require.NoError(t, err)
	d, err := pgws.New("", pgws.Options{TLS: s.ClientTLS(), DialTCP: s.DialTCP})
	require.NoError(t, err)
	require.NoError(t, d.Configure(&cfg.Config))
	if tweak != nil {
		tweak(cfg)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err == nil {
		t.Cleanup(func() { _ = conn.Close(context.Background()) })
	}
	return conn, err
}

// The direct host and the pooled host each reach their own server, from a
// connection string pasted from Neon's console (sslmode=require,
// channel_binding=require), with the endpoint read from the Host header.
func TestDirectAndPooledHosts(t *testing.T) {
	t.Parallel()
	db, s := neon(t, true)

	direct, err := connect(t, s, db, endpoint+"."+neontest.Domain, password, nil)
	require.NoError(t, err)
	var port int
	require.NoError(t, direct.QueryRow(t.Context(), "SELECT inet_server_port()").Scan(&port))
	require.Equal(t, 5432, port, "the direct host is Postgres itself")
	var ssl bool
	require.NoError(t, direct.QueryRow(t.Context(), "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").Scan(&ssl))
	require.False(t, ssl, "no TLS inside the WebSocket")

	pooled, err := connect(t, s, db, endpoint+"-pooler."+neontest.Domain, password, func(c *pgx.ConnConfig) {
		c.DefaultQueryExecMode = pgx.QueryExecModeExec
	})
	require.NoError(t, err)
	var app string
	require.NoError(t, pooled.QueryRow(t.Context(), "SELECT current_setting('application_name')").Scan(&app))
	var big string
	// A reply far larger than one frame, cut at odd sizes by the stand-in.
	require.NoError(t, pooled.QueryRow(t.Context(), "SELECT repeat('x', 200000)").Scan(&big))
	require.Len(t, big, 200000)
	require.EqualValues(t, 2, s.Stats().Sessions)
}

// The deadline test: River cancels WaitForNotification every few seconds
// and then pings the same connection. Over a WebSocket whose read deadline
// closed the socket, the ping would fail; through the pipe it works, and
// the connection still receives notifications.
func TestCancelledWaitLeavesTheConnectionUsable(t *testing.T) {
	t.Parallel()
	db, s := neon(t, false)
	conn, err := connect(t, s, db, endpoint+"."+neontest.Domain, password, nil)
	require.NoError(t, err)
	_, err = conn.Exec(t.Context(), "LISTEN pgws_test")
	require.NoError(t, err)

	for range 3 {
		ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
		_, err = conn.WaitForNotification(ctx)
		cancel()
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.False(t, conn.IsClosed(), "a cancelled wait must not close the connection")
		require.NoError(t, conn.Ping(t.Context()))
	}
	_, err = db.Pool.Exec(t.Context(), "NOTIFY pgws_test, 'hello'")
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	n, err := conn.WaitForNotification(ctx)
	require.NoError(t, err)
	require.Equal(t, "hello", n.Payload)
	st := s.Stats()
	require.EqualValues(t, 1, st.Sessions)
	require.Zero(t, st.Closed, "one session throughout")
	require.Positive(t, st.Pongs, "the client answers the stand-in's pings")
}

// A cancel request, which pgx sends on a new connection to the address the
// first one reports, goes through the same transport.
func TestCancelRequestGoesThroughTheWebSocket(t *testing.T) {
	t.Parallel()
	db, s := neon(t, false)
	conn, err := connect(t, s, db, endpoint+"."+neontest.Domain, password, func(c *pgx.ConnConfig) {
		c.BuildContextWatcherHandler = func(pc *pgconn.PgConn) ctxwatch.Handler {
			return &pgconn.CancelRequestContextWatcherHandler{Conn: pc, CancelRequestDelay: 0, DeadlineDelay: 30 * time.Second}
		}
	})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	_, err = conn.Exec(ctx, "SELECT pg_sleep(20)")
	var pgErr *pgconn.PgError
	require.ErrorAs(t, err, &pgErr)
	require.Equal(t, "57014", pgErr.Code, "the server cancelled the statement")
	require.EqualValues(t, 1, s.Stats().Cancels)
	require.NoError(t, conn.Ping(t.Context()))
}

// A wrong password fails at once with Postgres's own message.
func TestWrongPasswordFailsAtOnce(t *testing.T) {
	t.Parallel()
	db, s := neon(t, false)
	_, err := connect(t, s, db, endpoint+"."+neontest.Domain, "not-the-password", nil)
	var pgErr *pgconn.PgError
	require.ErrorAs(t, err, &pgErr)
	require.Equal(t, "28P01", pgErr.Code)
	require.Contains(t, err.Error(), "password authentication failed")
	require.NotContains(t, err.Error(), "not-the-password")
}

// A text frame ends the connection, as on Neon.
func TestTextFrameEndsTheConnection(t *testing.T) {
	t.Parallel()
	s := neontest.Start(t, neontest.Options{Password: password})
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: s.ClientTLS()}}
	ws, _, err := websocket.Dial(t.Context(), s.URL, &websocket.DialOptions{HTTPClient: client})
	require.NoError(t, err)
	require.NoError(t, ws.Write(t.Context(), websocket.MessageText, []byte("SELECT 1")))
	_, _, err = ws.Read(t.Context())
	require.Equal(t, websocket.StatusUnsupportedData, websocket.CloseStatus(err), "%v", err)
	require.Eventually(t, func() bool { return s.Stats().TextFrames == 1 }, 5*time.Second, 10*time.Millisecond)
}

func TestCheckURL(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"wss://ep-x.eu-central-1.aws.neon.tech/v2", "ws://127.0.0.1:8080/v2", "ws://localhost/v2", "ws://[::1]:9/"} {
		_, err := pgws.CheckURL(ok)
		require.NoError(t, err, ok)
	}
	for bad, want := range map[string]string{
		"ws://db.example.com/v2":     "carry the database password in clear",
		"https://ep-x.neon.tech/v2":  "must start with wss://",
		"wss://user:pw@ep-x.neon/v2": "must not carry a user",
		"not a url":                  "must be a URL",
	} {
		_, err := pgws.CheckURL(bad)
		require.ErrorContains(t, err, want, bad)
		require.NotContains(t, err.Error(), "pw@", bad)
	}
}

func TestEndpointOptionMustMatchHost(t *testing.T) {
	t.Parallel()
	d, err := pgws.New("", pgws.Options{})
	require.NoError(t, err)
	cc, err := pgconn.ParseConfig("postgres://u:p@ep-a-1-pooler.neon.tech/db?options=endpoint%3Dep-b-2")
	require.NoError(t, err)
	require.ErrorContains(t, d.Configure(cc), "endpoint=ep-b-2 but the WebSocket's Host is ep-a-1-pooler.neon.tech")

	cc, err = pgconn.ParseConfig("postgres://u:p@ep-a-1.neon.tech/db?options=endpoint%3Dep-a-1&sslmode=verify-full&channel_binding=require")
	require.NoError(t, err)
	require.NoError(t, d.Configure(cc))
	require.Nil(t, cc.TLSConfig)
	require.Equal(t, "disable", cc.ChannelBinding)
	require.Equal(t, "wss://ep-a-1.neon.tech/v2", d.URL(cc.Host))
	addrs, err := cc.LookupFunc(t.Context(), cc.Host)
	require.NoError(t, err)
	require.Equal(t, []string{"ep-a-1.neon.tech"}, addrs, "the name is resolved by the WebSocket's own dial")

	over, err := pgws.New("wss://proxy.example.com/v2", pgws.Options{})
	require.NoError(t, err)
	cc, err = pgconn.ParseConfig("postgres://u:p@ep-a-1.neon.tech/db?options=endpoint%3Dep-a-1")
	require.NoError(t, err)
	require.ErrorContains(t, over.Configure(cc), "Host is proxy.example.com", "the override's host is the one sent")
}

// An unreachable WebSocket names its URL and never the password.
func TestDialErrorNamesTheURL(t *testing.T) {
	t.Parallel()
	port, err := testutil.FreePort()
	require.NoError(t, err)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	d, err := pgws.New("wss://"+addr+"/v2", pgws.Options{})
	require.NoError(t, err)
	cfg, err := pgconn.ParseConfig("postgres://u:secret-pw@ep-a-1.neon.tech/db")
	require.NoError(t, err)
	require.NoError(t, d.Configure(cfg))
	_, err = pgconn.ConnectConfig(t.Context(), cfg)
	var de *pgws.DialError
	require.True(t, errors.As(err, &de), "%v", err)
	require.Contains(t, err.Error(), "wss://"+addr+"/v2")
	require.False(t, strings.Contains(err.Error(), "secret-pw"))
}
