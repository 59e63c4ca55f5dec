package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/todoapp/resetmail/internal/boot"
	"github.com/todoapp/resetmail/internal/config"
	"github.com/todoapp/resetmail/internal/postgres"
	appsql "github.com/todoapp/resetmail/sql"
)

// migrate applies the schema. It needs only the database settings, so a
// one-shot migration job does not have to carry the API's secrets.
func migrate(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	var common config.Common
	env := boot.Environ(getenv, &common)
	cfg, err := config.LoadAPI(env)
	cfgErr := boot.AsConfigError(err)
	if cfgErr != nil {
		cfgErr = onlyDatabaseProblems(cfgErr)
	}
	if cfgErr != nil {
		return cfgErr
	}
	logger := boot.Logger(stdout, &cfg.Common)
	queries, err := appsql.LoadQueries()
	if err != nil {
		return err
	}
	pool, err := postgres.Open(ctx, cfg.DatabaseURL, postgres.PoolConfig{MaxConns: 4, ConnectTimeout: cfg.DatabaseConnectTimeout})
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := postgres.Ping(ctx, pool, cfg.DatabaseConnectTimeout); err != nil {
		return fmt.Errorf("migrate: cannot reach the database: %w", err)
	}
	start := time.Now()
	res, err := postgres.NewMigrator(pool, queries, logger).Migrate(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	logger.Info("migrations applied",
		slog.Int("app", len(res.App)), slog.Int("river", len(res.River)),
		slog.Duration("took", time.Since(start)))
	return nil
}

// onlyDatabaseProblems keeps the problems that concern the database, because
// `api migrate` runs fine without JWT_SECRET and friends.
func onlyDatabaseProblems(e *config.Error) *config.Error {
	var keep []string
	for _, p := range e.Problems {
		for _, prefix := range []string{"DATABASE_", "APP_ENV", "LOG_"} {
			if len(p) >= len(prefix) && p[:len(prefix)] == prefix {
				keep = append(keep, p)
				break
			}
		}
	}
	if len(keep) == 0 {
		return nil
	}
	return &config.Error{Problems: keep}
}
