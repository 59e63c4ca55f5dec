// Package boot holds the start-up steps both binaries share: reading the
// environment, building the logger, and checking the database before serving.
package boot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/todoapp/resetmail/internal/config"
	"github.com/todoapp/resetmail/internal/logging"
	"github.com/todoapp/resetmail/internal/postgres"
)

// ExitConfig is the exit status for a configuration or start-up check
// failure, so that operators can tell it from a crash (status 1).
const ExitConfig = 2

// Environ reads, through getenv, every variable cfg declares. Going through
// getenv instead of os.Environ lets tests pass a plain map.
func Environ(getenv func(string) string, cfg any) map[string]string {
	out := map[string]string{}
	for _, v := range config.Vars(cfg) {
		if val := getenv(v.Name); val != "" {
			out[v.Name] = val
		}
	}
	return out
}

// Logger builds the process logger from common settings. It falls back to
// JSON at info level when the settings are invalid, because the config error
// that says so must still be reported.
func Logger(w io.Writer, c *config.Common) *slog.Logger {
	logger, err := logging.New(w, c.LogFormat, c.LogLevel)
	if err != nil {
		logger, _ = logging.New(w, "json", "info")
	}
	return logger
}

// Database opens the pool and checks, within DATABASE_CONNECT_TIMEOUT, that
// the database answers and that no migration is pending. Its problems are
// added to problems, which holds those of the steps before; the pool is nil
// when any problem was found. When problems already holds one it tries
// only once, so that the operator hears about every mistake without
// waiting.
func Database(ctx context.Context, c *config.Common, problems *config.Error) *pgxpool.Pool {
	earlier := len(problems.Problems) > 0
	pool, err := postgres.Open(ctx, c.DatabaseURL, PoolConfig(c, c.DatabaseMaxConns))
	if err != nil {
		if !earlier {
			// Otherwise the config check already named a malformed URL.
			problems.Add("DATABASE_URL", fmt.Sprintf("DATABASE_URL: %v", err))
		}
		return nil
	}
	deadline := time.Now().Add(c.DatabaseConnectTimeout)
	for {
		err = postgres.Ping(ctx, pool, c.DatabaseConnectTimeout)
		var refused *postgres.RefusedError
		// A refusal (a wrong password, say) is an answer: trying again
		// for the rest of the timeout would only hide it.
		if err == nil || errors.As(err, &refused) || earlier || time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(250 * time.Millisecond):
		}
	}
	if err != nil {
		pool.Close()
		problems.Add("DATABASE_URL", "DATABASE_URL: "+Unreachable(c, err))
		return nil
	}
	pending, err := postgres.NewMigrator(pool, nil).Pending(ctx)
	switch {
	case err != nil:
		problems.Add("", fmt.Sprintf("cannot read the schema version: %v", err))
	case len(pending) > 0:
		problems.Add("", fmt.Sprintf("the database schema is out of date (%d pending: %v); run `api migrate` first", len(pending), pending))
	}
	if len(problems.Problems) > 0 {
		pool.Close()
		return nil
	}
	return pool
}

// PoolConfig is the pool both binaries and `api migrate` open over
// DATABASE_URL, with maxConns connections.
func PoolConfig(c *config.Common, maxConns int32) postgres.PoolConfig {
	return postgres.PoolConfig{
		MaxConns: maxConns, ConnectTimeout: c.DatabaseConnectTimeout, TransactionPooler: c.TransactionPooler(),
		WebSocket: c.WebSocket(), WebSocketURL: c.DatabaseWebsocketURL,
	}
}

// Unreachable says that the database could not be reached and why; a TCP
// connection that timed out names the likely cause, a blocked port.
func Unreachable(c *config.Common, err error) string {
	msg := fmt.Sprintf("cannot reach the database (%v)", err)
	if hint := c.PortHint(); hint != "" && errors.Is(err, postgres.ErrConnectTimeout) {
		msg += ": " + hint
	}
	if c.WebSocket() {
		msg += " over DATABASE_TRANSPORT=websocket"
	}
	return msg
}

// AsConfigError unwraps a *config.Error, or returns nil.
func AsConfigError(err error) *config.Error {
	var ce *config.Error
	if errors.As(err, &ce) {
		return ce
	}
	return nil
}

// ProblemsAbout keeps, of the configuration problems in err, those about
// the variables named, for subcommands that need only part of the
// configuration: they stop for those alone. It returns nil when none is
// left, and for an err that is not a *config.Error.
func ProblemsAbout(err error, names ...string) error {
	if ce := AsConfigError(err); ce != nil {
		if kept := ce.About(names...); kept != nil {
			return kept
		}
	}
	return nil
}

// DatabaseNames are the variables a subcommand that needs only the
// database must have right: the connection, APP_ENV and the logger's.
func DatabaseNames() []string {
	return config.Names(&config.Common{}, "DATABASE_", "APP_ENV", "LOG_")
}

// Basics are what both binaries hold once start-up checks pass.
type Basics struct {
	// Logger is the process logger.
	Logger *slog.Logger
	// Pool is the checked database pool; the caller closes it.
	Pool *pgxpool.Pool
}

// Start runs the start-up steps both binaries share: the logger and the
// database check. earlier are the errors of the binary's own steps
// (loading the config, parsing templates), each of which ran although the
// one before failed; Start adds the database's problems to theirs and,
// when there are any, returns them as the one error that reports them all.
func Start(ctx context.Context, stdout io.Writer, c *config.Common, earlier ...error) (*Basics, error) {
	var problems config.Error
	for _, err := range earlier {
		problems.Collect(err)
	}
	logger := Logger(stdout, c)
	if hint := c.PoolerHint(); hint != "" {
		logger.Warn(hint)
	}
	pool := Database(ctx, c, &problems)
	if err := problems.Err(); err != nil {
		return nil, err
	}
	// Says where the database was reached, so that an operator reading a
	// Space's log sees which transport is in use.
	logger.Info("database reachable", slog.String("route", c.DatabaseRoute()))
	return &Basics{Logger: logger, Pool: pool}, nil
}

// UsageError is a bad command line; it exits with ExitConfig.
type UsageError struct{ Msg string }

func (e UsageError) Error() string { return e.Msg }

// ExitCode maps run's error to the process's exit status: 2 for a usage or
// configuration problem, 1 for anything else.
func ExitCode(err error) int {
	var ue UsageError
	if errors.As(err, &ue) || AsConfigError(err) != nil {
		return ExitConfig
	}
	return 1
}
