// Package queue is the worker's River assembly: which job workers run on
// which queue with how many slots, the hourly cleanup, the retry policy,
// MaxAttempts, the job timeout, and the rescue and fetch intervals, all
// decided here from the worker's configuration.
package queue

import (
	"errors"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/todoapp/resetmail/internal/config"
	"github.com/todoapp/resetmail/internal/delivery"
	"github.com/todoapp/resetmail/internal/mail/templates"
	"github.com/todoapp/resetmail/internal/reset"
	"github.com/todoapp/resetmail/internal/signup"
)

// WorkerDeps are what a worker process's jobs share besides its settings.
type WorkerDeps struct {
	// Pool is the database. Required.
	Pool *pgxpool.Pool
	// Mailer sends rendered mail; *mail.Gateway in production. Required.
	Mailer delivery.Mailer
	// Renderer renders the templates, checked at start. Required.
	Renderer *templates.Renderer
	// Observer hears outcomes. Defaults to delivery.NopObserver.
	Observer delivery.Observer
	// Logger receives River's lines and one line per outcome. Defaults to
	// discarding.
	Logger *slog.Logger
}

// cleanupEvery is how often the periodic cleanup job runs.
const cleanupEvery = time.Hour

// RiverConfig returns the River configuration of one worker process, all
// of it decided here from cfg: the email and maintenance queues, the three
// job workers, the hourly cleanup, the retry policy, MaxAttempts, the job
// timeout and the rescue and fetch intervals. cmd/worker runs it, and so
// does every test and drill that runs a worker, so that what they exercise
// is what ships.
func RiverConfig(cfg *config.Worker, d WorkerDeps) (*river.Config, error) {
	// Pool, Mailer and Renderer are checked by delivery.New, below, before
	// anything uses them.
	if cfg == nil {
		return nil, errors.New("queue: the worker's config is required")
	}
	logger := d.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	// The three mail workers share one Delivery: cfg's settings were
	// checked by config.LoadWorker, every problem in one message, so what
	// is left to fail here is the same for all three and is reported once.
	send, err := delivery.New(delivery.Config{
		Pool: d.Pool, Mailer: d.Mailer, Renderer: d.Renderer,
		From: cfg.MailFrom, AppName: cfg.AppName, Observer: d.Observer, Logger: logger,
	})
	if err != nil {
		return nil, err
	}
	link := delivery.LinkConfig{
		Delivery:         send,
		Key:              []byte(cfg.ResetTokenKey),
		FrontendURL:      cfg.FrontendURL,
		ThrottleInterval: cfg.ResetEmailInterval,
	}
	changed := reset.NewPasswordChangedWorker(reset.PasswordChangedConfig{
		Delivery: send, FrontendURL: cfg.FrontendURL, SupportEmail: cfg.SupportEmail,
	})
	workers := river.NewWorkers()
	for _, add := range []func() error{
		func() error { return river.AddWorkerSafely(workers, reset.NewSendResetWorker(link)) },
		func() error { return river.AddWorkerSafely(workers, changed) },
		func() error { return river.AddWorkerSafely(workers, signup.NewWorker(link)) },
		func() error {
			return river.AddWorkerSafely(workers, NewCleanupWorker(d.Pool, cfg.ResetRetention, logger))
		},
	} {
		if err := add(); err != nil {
			return nil, err
		}
	}
	return &river.Config{
		Queues: map[string]river.QueueConfig{
			delivery.QueueEmail: {MaxWorkers: cfg.WorkerConcurrency},
			QueueMaintenance:    {MaxWorkers: 1},
		},
		Workers: workers,
		PeriodicJobs: []*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(cleanupEvery),
				func() (river.JobArgs, *river.InsertOpts) { return CleanupArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true}),
		},
		MaxAttempts:          cfg.EmailMaxAttempts,
		RetryPolicy:          RetryPolicy{Base: cfg.EmailRetryBase, Max: cfg.EmailRetryMax},
		JobTimeout:           cfg.JobTimeout,
		RescueStuckJobsAfter: cfg.RescueStuckJobsAfter,
		FetchCooldown:        cfg.WorkerFetchCooldown,
		FetchPollInterval:    cfg.WorkerFetchPollInterval,
		PollOnly:             cfg.PollOnly(),
		Logger:               logger,
	}, nil
}
