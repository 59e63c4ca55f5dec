// Package hibernate lets a worker sleep while there is nothing to do: after
// IdleAfter with no job worked and none due within it, the Controller stops
// the worker's Runner (River and its database connections), so that a
// scale-to-zero database such as Neon can suspend and a sleeping host
// costs nothing. It wakes the Runner again on a Wake (POST /wake, sent by
// the API after it commits a job), in time for the earliest scheduled job,
// and at least every Sweep, to pick up jobs enqueued without a wake.
//
// The state machine is here, apart from River, so that it can be tested on
// its own; river.go adapts a River client to Runner.
package hibernate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// State is what the worker is doing, as /readyz and the metric say it.
type State string

// States of a Controller.
const (
	// Awake: River runs and polls the database.
	Awake State = "awake"
	// Asleep: River is stopped and no database connection is open.
	Asleep State = "asleep"
)

// Reasons a worker wakes, in its log line and the wakes metric.
const (
	ReasonRequest = "wake request"
	ReasonJobDue  = "job due"
	ReasonSweep   = "sweep"
)

// Runner is what a Controller starts and stops: one worker's River client
// and its database connections.
type Runner interface {
	// Start starts fetching and working jobs.
	Start(ctx context.Context) error
	// Stop stops fetching, waits for the jobs in flight and closes every
	// database connection.
	Stop(ctx context.Context) error
	// NextDue is when the earliest job not yet finished needs a worker: now
	// or earlier for one available, its scheduled time for a retry or a
	// snooze, the time River would rescue a running one. ok is false when
	// there is none.
	NextDue(ctx context.Context) (due time.Time, ok bool, err error)
}

// Observer hears state changes and wakes; metrics.Hibernation implements it.
type Observer interface {
	// StateChanged is called with every new state.
	StateChanged(s State)
	// Woke is called when a sleeping worker wakes, with the reason.
	Woke(reason string)
}

// Config configures a Controller.
type Config struct {
	// IdleAfter is WORKER_IDLE_AFTER: how long without a job worked, a job
	// running or a job due before the worker sleeps. Required.
	IdleAfter time.Duration
	// Sweep is WORKER_IDLE_SWEEP: the longest a worker sleeps. Required.
	Sweep time.Duration
	// Runner is started and stopped. Required.
	Runner Runner
	// Observer hears state changes. Optional.
	Observer Observer
	// Logger gets one line when the worker sleeps and one when it wakes.
	// Defaults to discarding.
	Logger *slog.Logger
	// StopTimeout bounds stopping the Runner to sleep. Defaults to 30s.
	StopTimeout time.Duration
}

// Controller runs the awake-asleep cycle. Build it with New, call Start
// once, then Run until the context ends.
type Controller struct {
	cfg  Config
	wake chan string

	mu       sync.Mutex
	state    State
	lastBusy time.Time
	inFlight int
}

// New validates cfg.
func New(cfg Config) (*Controller, error) {
	if cfg.IdleAfter <= 0 || cfg.Sweep <= 0 || cfg.Runner == nil {
		return nil, errors.New("hibernate: IdleAfter, Sweep and Runner are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.StopTimeout <= 0 {
		cfg.StopTimeout = 30 * time.Second
	}
	return &Controller{cfg: cfg, wake: make(chan string, 1), state: Asleep}, nil
}

// State is the current state. A worker that is stopping to sleep is still
// awake, one that is starting is already awake.
func (c *Controller) State() State {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state
}

// Wake asks a sleeping worker to wake, and keeps an awake one awake for
// another IdleAfter: a wake means a job was just committed. It never
// blocks, so calling it often is safe; wakes while one is pending are one.
func (c *Controller) Wake(reason string) {
	c.busy()
	select {
	case c.wake <- reason:
	default:
	}
}

// JobStarted and JobDone bracket every job the Runner works (Middleware
// calls them), so that the worker never sleeps with a job in hand.
func (c *Controller) JobStarted() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.inFlight++
	c.lastBusy = time.Now()
}

// JobDone: see JobStarted.
func (c *Controller) JobDone() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.inFlight--
	c.lastBusy = time.Now()
}

func (c *Controller) busy() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lastBusy = time.Now()
}

func (c *Controller) setState(s State) {
	c.mu.Lock()
	c.state = s
	c.mu.Unlock()
	if c.cfg.Observer != nil {
		c.cfg.Observer.StateChanged(s)
	}
}

// Start starts the Runner for the first time; its error, like River's at
// start, is the caller's to report.
func (c *Controller) Start(ctx context.Context) error {
	if err := c.cfg.Runner.Start(ctx); err != nil {
		return err
	}
	c.busy()
	c.setState(Awake)
	return nil
}

// Run alternates between awake and asleep until ctx ends. It returns with
// the Runner still running if it was awake (the caller stops it as on any
// shutdown), and stopped if it was asleep.
func (c *Controller) Run(ctx context.Context) {
	for {
		wakeAt, why, ok := c.awake(ctx)
		if !ok {
			return
		}
		reason, ok := c.asleep(ctx, wakeAt, why)
		if !ok {
			return
		}
		c.start(ctx, reason)
	}
}

// awake waits until the worker may sleep, stops the Runner and returns
// when to wake, and why then. ok is false when ctx ended.
func (c *Controller) awake(ctx context.Context) (wakeAt time.Time, why string, ok bool) {
	timer := time.NewTimer(c.cfg.IdleAfter)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return time.Time{}, "", false
		case <-c.wake:
			// Wake already marked the worker busy; the timer below sees it.
			continue
		case <-timer.C:
		}
		if wait := c.idleFor(); wait > 0 {
			timer.Reset(wait)
			continue
		}
		now := time.Now()
		due, found, err := c.cfg.Runner.NextDue(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return time.Time{}, "", false
			}
			c.cfg.Logger.Warn("hibernate: cannot read the next job; staying awake", slog.Any("err", err))
			timer.Reset(c.cfg.IdleAfter)
			continue
		}
		if found && due.Before(now.Add(c.cfg.IdleAfter)) {
			// Something is available or due soon: River works it, and
			// the check comes again after it.
			timer.Reset(c.cfg.IdleAfter)
			continue
		}
		// Wakes that arrived before this point marked the worker busy;
		// drop their signal, then make sure none came since the check.
		select {
		case <-c.wake:
		default:
		}
		if wait := c.idleFor(); wait > 0 {
			timer.Reset(wait)
			continue
		}
		wakeAt, why = now.Add(c.cfg.Sweep), ReasonSweep
		if found && due.Before(wakeAt) {
			wakeAt, why = due, ReasonJobDue
		}
		if err := c.stop(ctx); err != nil {
			c.cfg.Logger.Warn("hibernate: could not stop to sleep; staying awake", slog.Any("err", err))
			timer.Reset(c.cfg.IdleAfter)
			continue
		}
		attrs := []any{
			slog.String("why", "no job worked, running or due; River stopped and database connections closed"),
			slog.Duration("idle_for", time.Since(c.lastBusyAt()).Round(time.Millisecond)),
			slog.Time("wake_at", wakeAt), slog.String("wake_for", why),
		}
		if found {
			attrs = append(attrs, slog.Duration("next_job_in", time.Until(due).Round(time.Second)))
		}
		c.cfg.Logger.Info("worker asleep", attrs...)
		return wakeAt, why, true
	}
}

func (c *Controller) stop(ctx context.Context) error {
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.cfg.StopTimeout)
	defer cancel()
	if err := c.cfg.Runner.Stop(stopCtx); err != nil {
		return fmt.Errorf("stop: %w", err)
	}
	c.setState(Asleep)
	return nil
}

// idleFor returns how much longer the worker must stay awake: zero when
// nothing ran for IdleAfter and no job is in flight.
func (c *Controller) idleFor() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.inFlight > 0 {
		return c.cfg.IdleAfter
	}
	return time.Until(c.lastBusy.Add(c.cfg.IdleAfter))
}

func (c *Controller) lastBusyAt() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastBusy
}

// asleep waits for a wake, wakeAt or ctx, and returns the reason to wake.
func (c *Controller) asleep(ctx context.Context, wakeAt time.Time, why string) (string, bool) {
	timer := time.NewTimer(time.Until(wakeAt))
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return "", false
	case reason := <-c.wake:
		return reason, true
	case <-timer.C:
		return why, true
	}
}

// start starts the Runner again, retrying while the database is away (the
// worker would only ask it again at the next sweep otherwise).
func (c *Controller) start(ctx context.Context, reason string) {
	began := time.Now()
	pause := 250 * time.Millisecond
	for {
		err := c.cfg.Runner.Start(ctx)
		if err == nil {
			break
		}
		c.cfg.Logger.Warn("hibernate: could not wake; retrying", slog.String("reason", reason), slog.Duration("retry_in", pause), slog.Any("err", err))
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
		pause = min(2*pause, 15*time.Second)
	}
	c.busy()
	c.setState(Awake)
	if c.cfg.Observer != nil {
		c.cfg.Observer.Woke(reason)
	}
	c.cfg.Logger.Info("worker awake", slog.String("reason", reason), slog.Duration("start_took", time.Since(began).Round(time.Millisecond)))
}
