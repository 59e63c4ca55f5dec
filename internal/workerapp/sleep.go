package workerapp

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"

	"github.com/todoapp/resetmail/internal/config"
	"github.com/todoapp/resetmail/internal/hibernate"
	"github.com/todoapp/resetmail/internal/metrics"
)

// sleeper is the worker's hibernation (WORKER_IDLE_AFTER), or nothing at
// all when it is off: then River starts once and runs until shutdown, as
// it always did, and POST /wake answers without effect.
type sleeper struct {
	ctrl   *hibernate.Controller
	runner *hibernate.River
}

func newSleeper(cfg *config.Worker, pool *pgxpool.Pool, reg prometheus.Registerer, logger *slog.Logger) (*sleeper, error) {
	s := &sleeper{runner: &hibernate.River{Pool: pool, RescueAfter: cfg.RescueStuckJobsAfter}}
	if !cfg.Hibernates() {
		return s, nil
	}
	ctrl, err := hibernate.New(hibernate.Config{
		IdleAfter:   cfg.WorkerIdleAfter,
		Sweep:       cfg.WorkerIdleSweep,
		Runner:      s.runner,
		Observer:    metrics.NewHibernation(reg),
		Logger:      logger,
		StopTimeout: cfg.ShutdownTimeout,
	})
	if err != nil {
		return nil, err
	}
	s.ctrl = ctrl
	return s, nil
}

func (s *sleeper) start(ctx context.Context, client *river.Client[pgx.Tx]) error {
	if s.ctrl != nil {
		return s.ctrl.Start(ctx)
	}
	if err := client.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("start river: %w", err)
	}
	return nil
}

// run runs the controller until ctx ends; the channel closes when it has.
func (s *sleeper) run(ctx context.Context) <-chan struct{} {
	done := make(chan struct{})
	if s.ctrl == nil {
		close(done)
		return done
	}
	go func() {
		defer close(done)
		s.ctrl.Run(ctx)
	}()
	return done
}

func (s *sleeper) asleep() bool { return s.ctrl != nil && s.ctrl.State() == hibernate.Asleep }

func (s *sleeper) wake(reason string) {
	if s.ctrl != nil {
		s.ctrl.Wake(reason)
	}
}

// warn says at start what a hibernating worker without a wake token means.
func (s *sleeper) warn(cfg *config.Worker, logger *slog.Logger) {
	if s.ctrl != nil && cfg.WorkerWakeToken == "" {
		logger.Warn("hibernation without WORKER_WAKE_TOKEN: no wake request is accepted, so a mail may wait up to WORKER_IDLE_SWEEP while the worker sleeps",
			slog.Duration("idle_after", cfg.WorkerIdleAfter), slog.Duration("idle_sweep", cfg.WorkerIdleSweep))
	}
}
