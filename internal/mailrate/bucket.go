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

	"github.com/todoapp/resetmail/internal/postgres/dbsqlc"
)

// Config configures New.
type Config struct {
	// Pool is the database every worker shares. Required.
	Pool *pgxpool.Pool
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
	rate      float64
	burst     float64
	holdCheck time.Duration

	mu        sync.Mutex
	holdUntil time.Time
	checked   time.Time
}

// New validates cfg.
func New(cfg Config) (*Bucket, error) {
	if cfg.Pool == nil {
		return nil, errors.New("mailrate: Pool is required")
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
		d := b.holdRemaining(ctx)
		return d, d > 0 && d <= maxWait, nil
	}
	r, err := dbsqlc.New().MailRateTake(ctx, b.pool, dbsqlc.MailRateTakeParams{Rate: b.rate, Burst: b.burst, MaxWait: maxWait.Seconds()})
	if err != nil {
		return 0, false, err
	}
	return time.Duration(r.WaitSeconds * float64(time.Second)), r.Reserved, nil
}

// holdRemaining reads the shared hold at most every holdCheck, so that a
// worker without a cap pays no round trip per mail. It never fails: see
// below.
func (b *Bucket) holdRemaining(ctx context.Context) time.Duration {
	now := time.Now()
	b.mu.Lock()
	if now.Sub(b.checked) < b.holdCheck {
		until := b.holdUntil
		b.mu.Unlock()
		return until.Sub(now)
	}
	b.checked = now
	b.mu.Unlock()
	secs, err := dbsqlc.New().MailRateHoldLeft(ctx, b.pool)
	if err != nil {
		// Without a cap the hold is only a courtesy to the provider: a
		// database hiccup must not stop mail.
		return 0
	}
	until := now.Add(time.Duration(secs * float64(time.Second)))
	b.mu.Lock()
	b.holdUntil = until
	b.mu.Unlock()
	return until.Sub(now)
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
	_ = dbsqlc.New().MailRateHold(ctx, b.pool, d.Seconds())
}
