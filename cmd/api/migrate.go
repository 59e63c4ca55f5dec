package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/todoapp/resetmail/internal/boot"
	"github.com/todoapp/resetmail/internal/config"
	"github.com/todoapp/resetmail/internal/postgres"
)

// migrate applies the schema. It needs only the database settings, so a
// one-shot migration job does not have to carry the API's secrets.
func migrate(ctx context.Context, c boot.Call) error {
	var common config.Common
	env := boot.Environ(c.Getenv, &common)
	cfg, err := config.LoadAPI(env)
	// `api migrate` runs fine without JWT_SECRET and friends.
	if err := boot.ProblemsAbout(err, boot.DatabaseNames()...); err != nil {
		return err
	}
	if problem := cfg.MigrateProblem(); problem != "" {
		// Stop before connecting: nothing is half-applied.
		return &config.Error{Problems: []config.Problem{{Var: "DATABASE_URL", Problem: problem}}}
	}
	logger := boot.Logger(c.Stdout, &cfg.Common)
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
