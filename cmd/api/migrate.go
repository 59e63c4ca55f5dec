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
)

// migrate applies the schema. It needs only the database settings, so a
// one-shot migration job does not have to carry the API's secrets.
func migrate(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	var common config.Common
	env := boot.Environ(getenv, &common)
	cfg, err := config.LoadAPI(env)
	cfgErr := boot.AsConfigError(err)
	if cfgErr != nil {
		// `api migrate` runs fine without JWT_SECRET and friends.
		if dbErr := cfgErr.About(config.Names(&config.Common{}, "DATABASE_", "APP_ENV", "LOG_")...); dbErr != nil {
			return dbErr
		}
	}
	if problem := cfg.MigrateProblem(); problem != "" {
		// Stop before connecting: nothing is half-applied.
		return &config.Error{Problems: []config.Problem{{Var: "DATABASE_URL", Problem: problem}}}
	}
	logger := boot.Logger(stdout, &cfg.Common)
	pool, err := postgres.Open(ctx, cfg.DatabaseURL, boot.PoolConfig(&cfg.Common, 4))
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := postgres.Ping(ctx, pool, cfg.DatabaseConnectTimeout); err != nil {
		return fmt.Errorf("migrate: %s", boot.Unreachable(&cfg.Common, err))
	}
	start := time.Now()
	res, err := postgres.NewMigrator(pool, logger).Migrate(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	logger.Info("migrations applied",
		slog.Int("app", len(res.App)), slog.Int("river", len(res.River)),
		slog.Duration("took", time.Since(start)))
	return nil
}
