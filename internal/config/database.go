package config

import (
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/todoapp/resetmail/internal/postgres/pgws"
)

// Values of DATABASE_POOLER and DATABASE_TRANSPORT, the two settings that
// say what lies between the binaries and Postgres.
const (
	PoolerNone        = "none"
	PoolerTransaction = "transaction"

	TransportTCP       = "tcp"
	TransportWebSocket = "websocket"
)

// TransactionPooler reports whether DATABASE_POOLER is transaction.
func (c *Common) TransactionPooler() bool { return c.DatabasePooler == PoolerTransaction }

// WebSocket reports whether DATABASE_TRANSPORT is websocket.
func (c *Common) WebSocket() bool { return c.DatabaseTransport == TransportWebSocket }

// PoolerHint returns a warning when DATABASE_POOLER is unset but
// DATABASE_URL's host looks like a transaction pooler, and "" otherwise.
// Through a pooler the default settings fail at random (prepared statements
// land on another server connection), so the operator must choose.
func (c *Common) PoolerHint() string {
	if c.DatabasePooler != "" {
		return ""
	}
	reason := LooksLikePooler(c.DatabaseURL)
	if reason == "" {
		return ""
	}
	return "DATABASE_URL looks like a transaction pooler (" + reason + ") but DATABASE_POOLER is unset: " +
		"set DATABASE_POOLER=transaction for a pooled connection string, or DATABASE_POOLER=none if it is a direct one"
}

// MigrateProblem says why `api migrate` must not run over DATABASE_URL, or
// returns "". Migrating holds a session-level advisory lock across several
// transactions; through a transaction pooler the lock lands on one server
// connection and the unlock on another, leaving the lock held by a stranger
// connection. Neon's direct (non "-pooler") host is the one to migrate with.
func (c *Common) MigrateProblem() string {
	const direct = "`api migrate` needs the direct connection string (on Neon, the host without -pooler); run it with DATABASE_URL set to that"
	switch {
	case c.TransactionPooler():
		return "DATABASE_POOLER=transaction: " + direct + " and DATABASE_POOLER unset or none"
	case c.DatabasePooler == "" && LooksLikePooler(c.DatabaseURL) != "":
		return "DATABASE_URL looks like a transaction pooler (" + LooksLikePooler(c.DatabaseURL) + "): " + direct +
			", or set DATABASE_POOLER=none if it is already direct"
	}
	return ""
}

// LooksLikePooler says why dbURL's host looks like a transaction pooler
// (Neon's "-pooler." host names, or PgBouncer's customary port 6432), or
// returns "" when it does not. It never echoes the URL, which may hold a
// password.
func LooksLikePooler(dbURL string) string {
	pc, err := pgxpool.ParseConfig(dbURL)
	if err != nil {
		return ""
	}
	cc := pc.ConnConfig
	hosts := append([]*pgconn.FallbackConfig{{Host: cc.Host, Port: cc.Port}}, cc.Fallbacks...)
	for _, h := range hosts {
		if strings.Contains(strings.ToLower(h.Host), "-pooler.") {
			return "its host name contains -pooler., Neon's pooled endpoint"
		}
		if h.Port == 6432 {
			return "port 6432, PgBouncer's usual port"
		}
	}
	return ""
}

func (c *Common) validateTransport(p *problems) {
	switch c.DatabaseTransport {
	case TransportTCP:
		if c.DatabaseWebsocketURL != "" {
			p.add("DATABASE_WEBSOCKET_URL", "DATABASE_WEBSOCKET_URL is set but DATABASE_TRANSPORT is tcp; set DATABASE_TRANSPORT=websocket to use it, or remove it")
		}
		return
	case TransportWebSocket:
	default:
		p.addf("DATABASE_TRANSPORT", "DATABASE_TRANSPORT must be tcp or websocket, not %q", c.DatabaseTransport)
		return
	}
	d, err := pgws.New(c.DatabaseWebsocketURL, pgws.Options{})
	if err != nil {
		p.add("DATABASE_WEBSOCKET_URL", err.Error())
		return
	}
	cc, err := pgconn.ParseConfig(c.DatabaseURL)
	if err != nil {
		return // DATABASE_URL's own check reports it.
	}
	if err := d.Configure(cc); err != nil {
		p.add("DATABASE_URL", fmt.Sprintf("DATABASE_TRANSPORT=websocket: %v", err))
	}
}

// PortHint is the sentence added to a timed-out TCP connection at start:
// the likely cause, and what to do on Hugging Face Spaces. It is empty over
// the WebSocket, which goes out on 443.
func (c *Common) PortHint() string {
	if c.WebSocket() {
		return ""
	}
	port := uint16(5432)
	if cc, err := pgconn.ParseConfig(c.DatabaseURL); err == nil {
		port = cc.Port
	}
	return fmt.Sprintf("outbound port %d may be blocked here; on Hugging Face Spaces set DATABASE_TRANSPORT=websocket", port)
}

// DatabaseRoute says, for the start-up log, where the database is reached:
// "tcp host:port" or "websocket wss://host/v2". Neither carries credentials.
func (c *Common) DatabaseRoute() string {
	cc, err := pgconn.ParseConfig(c.DatabaseURL)
	if err != nil {
		return c.DatabaseTransport
	}
	if !c.WebSocket() {
		return fmt.Sprintf("tcp %s:%d", cc.Host, cc.Port)
	}
	d, err := pgws.New(c.DatabaseWebsocketURL, pgws.Options{})
	if err != nil {
		return c.DatabaseTransport
	}
	return "websocket " + d.URL(cc.Host)
}
