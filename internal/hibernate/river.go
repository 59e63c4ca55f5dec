package hibernate

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/todoapp/resetmail/internal/postgres/dbsqlc"
)

// River is the Runner of a worker process: its River client and the pool
// the client and the jobs use.
//
// River's client can be started again after Stop (River's own tests stress
// start-stop cycles), and pgxpool's Reset closes every connection while the
// pool stays usable, so one client and one pool serve every awake period:
// nothing is rebuilt on a wake. While the client is stopped nothing else
// may use the pool, or it would open a connection again: the worker's
// /readyz and queue-depth metric ask State first.
type River struct {
	// Client is the worker's River client. Required.
	Client *river.Client[pgx.Tx]
	// Pool is the pool Client and the jobs use. Required.
	Pool *pgxpool.Pool
	// RescueAfter is RESCUE_STUCK_JOBS_AFTER: a running job left by a
	// worker that died is due then. Required.
	RescueAfter time.Duration
}

// Start implements Runner. River's own context outlives ctx's
// cancellation: stopping is the caller's, through Stop.
func (r *River) Start(ctx context.Context) error {
	if err := r.Client.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("start river: %w", err)
	}
	return nil
}

// Stop implements Runner: River stops fetching and finishes what it holds
// (the Controller stops it only with nothing in flight), resigns
// leadership, closes its LISTEN connection, and then every connection of
// the pool is closed.
func (r *River) Stop(ctx context.Context) error {
	if err := r.Client.Stop(ctx); err != nil {
		return err
	}
	r.Pool.Reset()
	return nil
}

// NextDue implements Runner.
func (r *River) NextDue(ctx context.Context) (time.Time, bool, error) {
	if r.Pool == nil {
		return time.Time{}, false, errors.New("hibernate: no pool")
	}
	row, err := dbsqlc.New().HibernateNextDue(ctx, r.Pool, r.RescueAfter.Seconds())
	if err != nil {
		return time.Time{}, false, fmt.Errorf("read the next job: %w", err)
	}
	return row.Due, row.OpenJobs > 0, nil
}
