package main

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/todoapp/resetmail/internal/delivery"
	"github.com/todoapp/resetmail/internal/mail"
	"github.com/todoapp/resetmail/internal/mail/templates"
	"github.com/todoapp/resetmail/internal/postgres"
	"github.com/todoapp/resetmail/internal/queue"
	"github.com/todoapp/resetmail/internal/reset"
	"github.com/todoapp/resetmail/internal/smtptest"
)

// noopArgs is the job of River's own ceiling: it does nothing at all.
type noopArgs struct{}

// Kind implements river.JobArgs.
func (noopArgs) Kind() string { return "bench_noop" }

// finishLine counts finished units of work and remembers when the last one
// finished, without a lock on the hot path.
type finishLine struct {
	target int64
	n      atomic.Int64
	once   sync.Once
	done   chan struct{}
	at     time.Time
}

func newFinishLine(target int) *finishLine {
	return &finishLine{target: int64(target), done: make(chan struct{})}
}

func (f *finishLine) tick() {
	if f.n.Add(1) == f.target {
		f.once.Do(func() {
			f.at = time.Now()
			close(f.done)
		})
	}
}

// noopWorker completes every job at once.
type noopWorker struct {
	river.WorkerDefaults[noopArgs]
	finish *finishLine
}

// Work implements river.Worker.
func (w *noopWorker) Work(context.Context, *river.Job[noopArgs]) error {
	w.finish.tick()
	return nil
}

// drainResult is one timed drain of a burst.
type drainResult struct {
	Jobs int
	// Drain is from the burst's commit to the last unit of work: the sink's
	// acceptance of the last mail, or the last no-op's return.
	Drain time.Duration
	// Completed is from the commit until River recorded every job as
	// completed (polled every 50 ms, so up to that much late).
	Completed time.Duration
	// CPU is where the machine's time went during the drain.
	CPU cpuSplit
	// Pool is the River client's pool size, for the tuned ceiling.
	Pool int32
}

// Rate is jobs per second over Drain.
func (d drainResult) Rate() float64 { return float64(d.Jobs) / d.Drain.Seconds() }

// riverNoopCeiling measures River at the worker's own settings on this
// machine: the River configuration queue.RiverConfig assembles for a worker
// at its defaults (queues, fetch cooldown and poll interval, timeouts), a
// pool of DATABASE_MAX_CONNS, and the job workers swapped for one that does
// nothing. A burst of n jobs is committed in one transaction while the
// client is idle, as the mail drain's is, so the two compare like with like.
func (h *harness) riverNoopCeiling(ctx context.Context, n int) (drainResult, error) {
	s, err := h.newScenario(ctx, nil, 0)
	if err != nil {
		return drainResult{}, err
	}
	defer s.close()
	cfg := h.workerDefaults
	pool, err := postgres.Open(ctx, s.db.URL, postgres.PoolConfig{MaxConns: cfg.DatabaseMaxConns})
	if err != nil {
		return drainResult{}, err
	}
	defer pool.Close()
	renderer, err := templates.NewRenderer(templates.RendererConfig{DefaultLocale: cfg.DefaultLocale})
	if err != nil {
		return drainResult{}, err
	}
	rc, err := queue.RiverConfig(cfg, queue.WorkerDeps{Pool: pool, Mailer: noMailer{}, Renderer: renderer})
	if err != nil {
		return drainResult{}, err
	}
	finish := newFinishLine(n)
	rc.Workers = river.NewWorkers()
	river.AddWorker(rc.Workers, &noopWorker{finish: finish})
	// The hourly cleanup's worker is gone with the others.
	rc.PeriodicJobs = nil
	client, err := river.NewClient(riverpgxv5.New(pool), rc)
	if err != nil {
		return drainResult{}, err
	}
	if err := client.Start(ctx); err != nil {
		return drainResult{}, err
	}
	defer stopClient(client)
	settle()

	meter := h.startCPU(s.dbName())
	if err := insertNoops(ctx, s, n); err != nil {
		return drainResult{}, err
	}
	t0 := time.Now()
	return s.finishNoops(ctx, finish, meter, t0)
}

// Tuned is River's own benchmark (`river bench` in River's repository):
// the settings with which River reports its throughput.
const (
	tunedMaxWorkers        = 2000
	tunedFetchCooldown     = 2 * time.Millisecond
	tunedFetchPollInterval = 20 * time.Millisecond
)

// riverTunedCeiling measures the best River does on this machine, tuned as
// River's own benchmark is: MaxWorkers 2000, FetchCooldown 2 ms,
// FetchPollInterval 20 ms, pgxpool's default pool size, and n jobs inserted
// first, then worked down from the client's start. None of it comes from
// the worker's settings: this ceiling is River's, not ours.
func (h *harness) riverTunedCeiling(ctx context.Context, n int) (drainResult, error) {
	s, err := h.newScenario(ctx, nil, 0)
	if err != nil {
		return drainResult{}, err
	}
	defer s.close()
	pool, err := pgxpool.New(ctx, s.db.URL)
	if err != nil {
		return drainResult{}, err
	}
	defer pool.Close()
	finish := newFinishLine(n)
	workers := river.NewWorkers()
	river.AddWorker(workers, &noopWorker{finish: finish})
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Queues:            map[string]river.QueueConfig{delivery.QueueEmail: {MaxWorkers: tunedMaxWorkers}},
		Workers:           workers,
		FetchCooldown:     tunedFetchCooldown,
		FetchPollInterval: tunedFetchPollInterval,
		Logger:            slog.New(slog.DiscardHandler),
	})
	if err != nil {
		return drainResult{}, err
	}
	if err := insertNoops(ctx, s, n); err != nil {
		return drainResult{}, err
	}
	meter := h.startCPU(s.dbName())
	t0 := time.Now()
	if err := client.Start(ctx); err != nil {
		return drainResult{}, err
	}
	defer stopClient(client)
	res, err := s.finishNoops(ctx, finish, meter, t0)
	res.Pool = pool.Config().MaxConns
	return res, err
}

// noMailer is the no-op ceiling's mailer: its jobs never send.
type noMailer struct{}

func (noMailer) Send(context.Context, mail.Outgoing) (mail.Receipt, error) {
	return mail.Receipt{}, nil
}

func stopClient(client *river.Client[pgx.Tx]) {
	stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = client.Stop(stopCtx)
}

// insertNoops commits n no-op jobs in one transaction.
func insertNoops(ctx context.Context, s *scenario, n int) error {
	params := make([]river.InsertManyParams, n)
	for i := range params {
		params[i] = river.InsertManyParams{Args: noopArgs{}, InsertOpts: &river.InsertOpts{Queue: delivery.QueueEmail}}
	}
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		_, err := s.inserter.InsertManyFastTx(ctx, tx, params)
		return err
	})
	if err != nil {
		return fmt.Errorf("insert no-op jobs: %w", err)
	}
	return nil
}

// finishNoops waits for the last no-op job and for River to record them all.
func (s *scenario) finishNoops(ctx context.Context, finish *finishLine, meter *cpuMeter, t0 time.Time) (drainResult, error) {
	n := int(finish.target)
	select {
	case <-finish.done:
	case <-time.After(5 * time.Minute):
		return drainResult{}, fmt.Errorf("no-op jobs: %d of %d ran within 5 minutes", finish.n.Load(), n)
	case <-ctx.Done():
		return drainResult{}, ctx.Err()
	}
	cpu := meter.stop()
	completedAt, err := s.waitCompleted(ctx, noopArgs{}.Kind(), n, time.Minute)
	if err != nil {
		return drainResult{}, err
	}
	return drainResult{Jobs: n, Drain: finish.at.Sub(t0), Completed: completedAt.Sub(t0), CPU: cpu}, nil
}

// settle gives freshly started River clients a moment to elect a leader,
// start listening and finish their first empty fetch, so that a burst is
// not timed against start-up work.
func settle() { time.Sleep(500 * time.Millisecond) }

// emailDrain commits a burst of n reset requests while `workers` worker
// processes (started with extra settings) are idle, and times them until
// the sink accepted every mail. It checks that every mail arrived exactly
// once and was recorded as sent.
func (h *harness) emailDrain(ctx context.Context, n, workers int, sinkLatency time.Duration, extra ...string) (drainResult, error) {
	s, err := h.newScenario(ctx, &smtptest.Options{Latency: sinkLatency, Discard: true}, n)
	if err != nil {
		return drainResult{}, err
	}
	defer s.close()
	if _, err := s.startWorkers(ctx, workers, extra...); err != nil {
		return drainResult{}, err
	}
	settle()
	want := emails(1, n)
	meter := h.startCPU(s.dbName())
	t0, err := s.enqueueResets(ctx, want)
	if err != nil {
		return drainResult{}, err
	}
	last, err := s.waitDelivered(ctx, n, 5*time.Minute)
	if err != nil {
		return drainResult{}, err
	}
	cpu := meter.stop()
	completedAt, err := s.waitCompleted(ctx, reset.SendResetArgs{}.Kind(), n, time.Minute)
	if err != nil {
		return drainResult{}, err
	}
	if err := s.checkDelivery(ctx, want); err != nil {
		return drainResult{}, err
	}
	return drainResult{Jobs: n, Drain: last.Sub(t0), Completed: completedAt.Sub(t0), CPU: cpu}, nil
}
