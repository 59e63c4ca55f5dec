package config

import (
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Values of DATABASE_POOLER.
const (
	PoolerNone        = "none"
	PoolerTransaction = "transaction"
)

// TransactionPooler reports whether DATABASE_POOLER is transaction.
func (c *Common) TransactionPooler() bool { return c.DatabasePooler == PoolerTransaction }

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
