// Package postgres opens the connection pool and applies the schema. It is the
// only package that knows how the application's Postgres is laid out; domain
// packages receive a pool and the named queries from package sql.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// PoolConfig sizes a connection pool.
type PoolConfig struct {
	// MaxConns caps the pool. Defaults to 10. The connection budget in
	// docs/scaling.md explains how the API's and workers' pools share
	// Postgres's max_connections.
	MaxConns int32
	// MinConns keeps this many connections open while idle. Defaults to 0,
	// which lets a scale-to-zero database such as Neon suspend.
	MinConns int32
	// ConnectTimeout bounds each new connection. Defaults to 5 seconds.
	ConnectTimeout time.Duration
	// TransactionPooler is DATABASE_POOLER=transaction: a pooler such as
	// PgBouncer hands each transaction, or each statement outside one, to
	// whichever server connection is free. Named prepared statements, which
	// pgx caches per connection by default, then go missing or collide, so
	// every query runs in QueryExecModeExec: the unnamed statement, parsed,
	// bound and executed in one round trip. docs/architecture.md says why
	// not the other modes.
	TransactionPooler bool
}

// Open parses url, builds a pool and returns it without waiting for a
// connection: pgxpool connects lazily, so a database that is briefly down at
// start does not crash the process. Callers that need a live database call
// Ping.
func Open(ctx context.Context, url string, cfg PoolConfig) (*pgxpool.Pool, error) {
	pc, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse DATABASE_URL: %w", ScrubError(err))
	}
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = 10
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = 5 * time.Second
	}
	pc.MaxConns = cfg.MaxConns
	pc.MinConns = cfg.MinConns
	pc.ConnConfig.ConnectTimeout = cfg.ConnectTimeout
	if cfg.TransactionPooler {
		pc.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeExec
		pc.ConnConfig.StatementCacheCapacity = 0
		pc.ConnConfig.DescriptionCacheCapacity = 0
	}
	// Idle connections are dropped after a while so that a pooler or a
	// scale-to-zero database does not keep them open forever.
	pc.MaxConnIdleTime = 5 * time.Minute
	pc.HealthCheckPeriod = 30 * time.Second
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("create pool: %w", ScrubError(err))
	}
	return pool, nil
}

// Ping checks that the database answers within timeout.
func Ping(ctx context.Context, pool *pgxpool.Pool, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := pool.Ping(ctx); err != nil {
		return describe(err)
	}
	return nil
}

// describe turns a connection error into a short sentence without the
// connection string, which may carry a password.
func describe(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return fmt.Errorf("postgres error %s: %s", pgErr.Code, pgErr.Message)
	}
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() || errors.Is(err, context.DeadlineExceeded) {
		return errors.New("timed out connecting to the database")
	}
	return ScrubError(err)
}

// ScrubError returns err's message with any password from a connection string
// removed. pgx's parse errors quote the offending string, and a DATABASE_URL
// usually carries a password, so the raw text must never reach a log.
func ScrubError(err error) error {
	if err == nil {
		return nil
	}
	var pgConnErr *pgconn.ConnectError
	if errors.As(err, &pgConnErr) {
		// pgx joins one error per address tried; the first line says enough.
		reason, _, _ := strings.Cut(errors.Unwrap(pgConnErr).Error(), "\n")
		return fmt.Errorf("cannot connect to %s: %s", pgConnErr.Config.Host, reason)
	}
	var parseErr *pgconn.ParseConfigError
	if errors.As(err, &parseErr) {
		// The inner error may quote the whole URL (url.Error does), so only
		// its innermost reason survives.
		inner := parseErr.Unwrap()
		var urlErr *url.Error
		if errors.As(inner, &urlErr) {
			inner = urlErr.Err
		}
		if inner == nil {
			return errors.New("malformed connection string")
		}
		return fmt.Errorf("malformed connection string: %v", inner)
	}
	return err
}
