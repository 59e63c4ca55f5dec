package postgres

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Coalescer runs the statements of many concurrent callers as a single
// pgx.Batch. It implements the sqlc-generated DBTX for single-row reads and
// for writes, so a typed query runs through it as through the pool:
// queries.ResetMarkSent(ctx, coalescer, id). A batch is one round trip and, because pgx ends it with
// a single Sync, one implicit transaction with one commit. With a hundred
// jobs in flight, the per-statement cost of a round trip, two process
// wake-ups and a WAL flush was most of the database's CPU per mail (see
// docs/benchmarks.md, figure 1); coalescing pays it once per batch.
//
// It adds no delay: a call that finds fewer than maxInFlight batches
// running starts one at once, alone if need be, so a quiet worker keeps its
// single round trip. Calls that arrive while the batches are busy queue up,
// and when a batch finishes, the first queued call leads the next batch with
// everything queued behind it. No goroutine of its own: the callers take
// turns.
//
// A batch is all or nothing, since its statements share one transaction: if
// any statement fails, every call of the batch is retried alone, so that
// one bad row never fails its neighbours.
//
// Each Coalescer has its own slots: give every hot statement its own, so
// that one statement's queue never waits on another's.
type Coalescer struct {
	pool *pgxpool.Pool
	// maxBatch caps the statements in one batch.
	maxBatch int
	// maxInFlight caps the batches running at once, each on its own
	// connection.
	maxInFlight int
	// timeout bounds one batch. A batch serves several jobs, so it runs on
	// no single job's context.
	timeout time.Duration

	mu       sync.Mutex
	pending  []*coalesced
	inFlight int
}

// coalesced is one call's statement and, once done is closed, its outcome.
type coalesced struct {
	sql  string
	args []any
	// scan reads the single row the statement returns; nil means the
	// statement returns none and is executed for its effect.
	scan func(pgx.Row) error
	// tag is an executed statement's command tag.
	tag  pgconn.CommandTag
	err  error
	done chan struct{}
	// lead is closed to make this call lead the next batch.
	lead chan struct{}
	// queued is true while the call waits in pending, guarded by mu.
	queued bool
}

// NewCoalescer returns a Coalescer over pool: at most 64 statements a batch,
// two batches at once, each bounded by 30 seconds.
func NewCoalescer(pool *pgxpool.Pool) *Coalescer {
	return &Coalescer{pool: pool, maxBatch: 64, maxInFlight: 2, timeout: 30 * time.Second}
}

// Exec runs sql with args for its effect, in the next batch.
func (c *Coalescer) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	call := &coalesced{sql: sql, args: args}
	err := c.do(ctx, call)
	return call.tag, err
}

// QueryRow returns a row whose Scan runs sql with args in the next batch.
func (c *Coalescer) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return &coalescedRow{c: c, ctx: ctx, sql: sql, args: args}
}

// errQueryInBatch is Query's answer: a batch reads one row per statement.
var errQueryInBatch = errors.New("postgres: Coalescer runs single-row statements only")

// Query is not supported: it exists so that Coalescer satisfies the
// generated DBTX interface, and it always fails.
func (c *Coalescer) Query(context.Context, string, ...any) (pgx.Rows, error) {
	return nil, errQueryInBatch
}

// coalescedRow defers the statement until the caller scans.
type coalescedRow struct {
	c    *Coalescer
	ctx  context.Context
	sql  string
	args []any
}

func (r *coalescedRow) Scan(dest ...any) error {
	return r.c.do(r.ctx, &coalesced{sql: r.sql, args: r.args, scan: func(row pgx.Row) error { return row.Scan(dest...) }})
}

func (c *Coalescer) do(ctx context.Context, call *coalesced) error {
	call.done = make(chan struct{})
	call.lead = make(chan struct{})
	c.mu.Lock()
	if c.inFlight < c.maxInFlight {
		c.inFlight++
		c.mu.Unlock()
		c.leadBatch(ctx, call)
		return call.err
	}
	c.pending = append(c.pending, call)
	call.queued = true
	c.mu.Unlock()

	select {
	case <-call.done:
		return call.err
	case <-call.lead:
		c.leadBatch(ctx, call)
		return call.err
	case <-ctx.Done():
	}
	c.mu.Lock()
	if call.queued {
		// Still waiting in the queue: leave it, nothing was run for us.
		c.withdraw(call)
		c.mu.Unlock()
		return ctx.Err()
	}
	c.mu.Unlock()
	// Already taken into a batch, or chosen to lead one: see it through,
	// since other calls may depend on it.
	select {
	case <-call.done:
	case <-call.lead:
		c.leadBatch(ctx, call)
	}
	return call.err
}

// withdraw removes call from pending; c.mu is held.
func (c *Coalescer) withdraw(call *coalesced) {
	for i, p := range c.pending {
		if p == call {
			c.pending = append(c.pending[:i], c.pending[i+1:]...)
			break
		}
	}
	call.queued = false
}

// leadBatch runs self's statement in a batch with the oldest queued calls,
// then hands its slot to the next queued call or frees it.
func (c *Coalescer) leadBatch(ctx context.Context, self *coalesced) {
	c.mu.Lock()
	n := min(len(c.pending), c.maxBatch-1)
	batch := make([]*coalesced, 0, n+1)
	batch = append(batch, self)
	batch = append(batch, c.pending[:n]...)
	c.pending = append(c.pending[:0], c.pending[n:]...)
	for _, b := range batch[1:] {
		b.queued = false
	}
	c.mu.Unlock()

	bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.timeout)
	c.run(bctx, batch)
	cancel()

	c.mu.Lock()
	if len(c.pending) > 0 {
		// The slot passes to the oldest waiting call, which leaves the
		// queue now so that no one else can pick it.
		next := c.pending[0]
		c.pending = append(c.pending[:0], c.pending[1:]...)
		next.queued = false
		close(next.lead)
	} else {
		c.inFlight--
	}
	c.mu.Unlock()
}

// run executes batch, falling back to one statement at a time when the
// batch as a whole fails.
func (c *Coalescer) run(ctx context.Context, batch []*coalesced) {
	defer func() {
		for _, call := range batch {
			close(call.done)
		}
	}()
	if len(batch) == 1 {
		batch[0].err = c.runOne(ctx, batch[0])
		return
	}
	b := &pgx.Batch{}
	for _, call := range batch {
		q := b.Queue(call.sql, call.args...)
		if call.scan != nil {
			q.QueryRow(func(row pgx.Row) error {
				// A scan error (no row, say) is this call's alone and
				// happens after the server answered; it must not fail
				// the batch.
				call.err = call.scan(row)
				return nil
			})
		} else {
			q.Exec(func(tag pgconn.CommandTag) error {
				call.tag = tag
				return nil
			})
		}
	}
	if err := c.pool.SendBatch(ctx, b).Close(); err != nil {
		// The batch's implicit transaction rolled back, including the
		// statements that had succeeded: run each alone.
		for _, call := range batch {
			call.err = c.runOne(ctx, call)
		}
		return
	}
}

func (c *Coalescer) runOne(ctx context.Context, call *coalesced) error {
	if call.scan != nil {
		return call.scan(c.pool.QueryRow(ctx, call.sql, call.args...))
	}
	var err error
	call.tag, err = c.pool.Exec(ctx, call.sql, call.args...)
	return err
}
