// Package mailrate is the send-rate cap shared by every worker
// (MAIL_RATE_LIMIT, MAIL_RATE_BURST): a token bucket in one Postgres row,
// refilled and drawn from by one atomic statement. It implements
// mail.Limiter.
package mailrate

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/todoapp/resetmail/internal/mail"

	appsql "github.com/todoapp/resetmail/sql"
)

// Config configures New.
type Config struct {
	// Pool is the database every worker shares. Required.
	Pool *pgxpool.Pool
	// Queries are the named statements. Required.
	Queries *appsql.Queries
	// Rate is MAIL_RATE_LIMIT, messages per second across all workers.
	// Default 0 means no cap: only a provider's 429 holds sends.
	Rate float64
	// Burst is MAIL_RATE_BURST. Default 0 means one second's worth (at
	// least 1).
	Burst int
	// HoldCheckEvery is how often a worker without a cap reads the shared
	// hold. Default 250ms.
	HoldCheckEvery time.Duration
}

// Bucket is the shared cap. Safe for concurrent use.
type Bucket struct {
	pool      *pgxpool.Pool
	take      string
	hold      string
	holdLeft  string
	rate      float64
	burst     float64
	holdCheck time.Duration

	mu        sync.Mutex
	holdUntil time.Time
	checked   time.Time
}

// New validates cfg.
func New(cfg Config) (*Bucket, error) {
	if cfg.Pool == nil || cfg.Queries == nil {
		return nil, errors.New("mailrate: Pool and Queries are required")
	}
	if cfg.Rate < 0 || math.IsNaN(cfg.Rate) || math.IsInf(cfg.Rate, 0) || cfg.Burst < 0 {
		return nil, errors.New("mailrate: Rate and Burst must be zero or positive")
	}
	burst := float64(cfg.Burst)
	if burst == 0 {
		burst = max(1, math.Ceil(cfg.Rate))
	}
	if cfg.HoldCheckEvery <= 0 {
		cfg.HoldCheckEvery = 250 * time.Millisecond
	}
	return &Bucket{
		pool: cfg.Pool, rate: cfg.Rate, burst: burst, holdCheck: cfg.HoldCheckEvery,
		take:     cfg.Queries.Get("mail_rate_take"),
		hold:     cfg.Queries.Get("mail_rate_hold"),
		holdLeft: cfg.Queries.Get("mail_rate_hold_left"),
	}, nil
}

// maxWait is the longest Wait blocks a job. A longer wait (a deep queue
// behind a low cap, a long provider hold) returns a throttled error
// instead, so that the job is snoozed without using an attempt rather than
// holding a worker slot until its timeout.
const maxWait = 5 * time.Second

// Wait blocks until a message may go out: its reserved slot in the shared
// bucket when there is a cap, and no shared hold in force either way.
func (b *Bucket) Wait(ctx context.Context) error {
	wait, reserved, err := b.next(ctx)
	if err != nil {
		return fmt.Errorf("shared send-rate cap: %w", err)
	}
	if wait <= 0 {
		return nil
	}
	if !reserved {
		return &mail.SendError{
			Temporary: true, Class: mail.ClassThrottled, Stage: mail.StageWait, RetryAfter: wait,
			Text: fmt.Sprintf("shared send-rate cap (MAIL_RATE_LIMIT) or provider hold: next slot in %s", wait.Round(time.Millisecond)),
		}
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		// The slot is lost, which costs throughput, never the cap.
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// next reserves a slot, or says how long until one (or the hold) allows.
func (b *Bucket) next(ctx context.Context) (time.Duration, bool, error) {
	if b.rate <= 0 {
		d, err := b.holdRemaining(ctx)
		if d > 0 && d <= maxWait {
			return d, true, err
		}
		return d, false, err
	}
	var secs float64
	var reserved bool
	if err := b.pool.QueryRow(ctx, b.take, b.rate, b.burst, maxWait.Seconds()).Scan(&secs, &reserved); err != nil {
		return 0, false, err
	}
	return time.Duration(secs * float64(time.Second)), reserved, nil
}

// holdRemaining reads the shared hold at most every holdCheck, so that a
// worker without a cap pays no round trip per mail.
func (b *Bucket) holdRemaining(ctx context.Context) (time.Duration, error) {
	now := time.Now()
	b.mu.Lock()
	if now.Sub(b.checked) < b.holdCheck {
		until := b.holdUntil
		b.mu.Unlock()
		return until.Sub(now), nil
	}
	b.checked = now
	b.mu.Unlock()
	var secs float64
	if err := b.pool.QueryRow(ctx, b.holdLeft).Scan(&secs); err != nil {
		return 0, err
	}
	until := now.Add(time.Duration(secs * float64(time.Second)))
	b.mu.Lock()
	b.holdUntil = until
	b.mu.Unlock()
	return until.Sub(now), nil
}

// Slow records that the provider asked to wait d: every worker's next Wait
// honours it.
func (b *Bucket) Slow(ctx context.Context, d time.Duration) {
	b.mu.Lock()
	if until := time.Now().Add(d); until.After(b.holdUntil) {
		b.holdUntil = until
	}
	b.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	_, _ = b.pool.Exec(ctx, b.hold, d.Seconds())
}
