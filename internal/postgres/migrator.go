package postgres

import (
	"context"
	"fmt"
	"log/slog"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/todoapp/resetmail/internal/postgres/dbsqlc"
	"github.com/todoapp/resetmail/sql/migrations"
)

// Migrator applies the application's numbered migrations from sql/migrations
// and River's own tables through rivermigrate.
type Migrator struct {
	pool   *pgxpool.Pool
	logger *slog.Logger
}

// NewMigrator returns a Migrator over pool. Logger defaults to a discarding
// logger.
func NewMigrator(pool *pgxpool.Pool, logger *slog.Logger) *Migrator {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Migrator{pool: pool, logger: logger}
}

// MigrateResult says what one Migrate call applied.
type MigrateResult struct {
	// App lists the application migrations applied by this call.
	App []string
	// River lists River's migration versions applied by this call.
	River []int
}

// Migrate applies every pending migration. It first takes a session-level
// advisory lock on a connection of its own, so a second copy started at the
// same moment blocks, then finds nothing left to do: running `api migrate`
// twice, or twice at once, leaves one correct schema. The application's
// migrations apply in one transaction; River's run through rivermigrate, one
// transaction per version, because some of them add enum values, which
// Postgres refuses to use in the transaction that added them.
func (m *Migrator) Migrate(ctx context.Context) (MigrateResult, error) {
	var res MigrateResult
	migs, err := migrations.All()
	if err != nil {
		return res, err
	}
	lockConn, err := m.pool.Acquire(ctx)
	if err != nil {
		return res, fmt.Errorf("acquire connection: %w", describe(err))
	}
	defer lockConn.Release()
	if err := dbsqlc.New().MigrateLock(ctx, lockConn); err != nil {
		return res, fmt.Errorf("take migration lock: %w", err)
	}
	defer func() {
		// A failed unlock only matters until the connection closes, so
		// destroy the connection rather than return it to the pool locked.
		if err := dbsqlc.New().MigrateUnlock(context.WithoutCancel(ctx), lockConn); err != nil {
			_ = lockConn.Conn().Close(context.WithoutCancel(ctx))
		}
	}()

	err = pgx.BeginFunc(ctx, m.pool, func(tx pgx.Tx) error {
		if err := dbsqlc.New().MigrateCreateTable(ctx, tx); err != nil {
			return fmt.Errorf("create app_schema_migrations: %w", err)
		}
		applied, err := m.appliedVersions(ctx, tx)
		if err != nil {
			return err
		}
		for _, mig := range migs {
			if slices.Contains(applied, mig.Version) {
				continue
			}
			if _, err := tx.Exec(ctx, mig.SQL); err != nil {
				return fmt.Errorf("apply migration %s: %w", mig.Name, err)
			}
			if err := dbsqlc.New().MigrateRecord(ctx, tx, dbsqlc.MigrateRecordParams{Version: int32(mig.Version), Name: mig.Name}); err != nil {
				return fmt.Errorf("record migration %s: %w", mig.Name, err)
			}
			res.App = append(res.App, mig.Name)
			m.logger.InfoContext(ctx, "applied migration", slog.String("migration", mig.Name))
		}
		return nil
	})
	if err != nil {
		return res, err
	}

	riverMig, err := m.river()
	if err != nil {
		return res, err
	}
	rr, err := riverMig.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return res, fmt.Errorf("apply river migrations: %w", err)
	}
	for _, v := range rr.Versions {
		res.River = append(res.River, v.Version)
	}
	return res, nil
}

// Pending lists migrations not yet applied, as human-readable names. The
// binaries call it at start and refuse to run while it is non-empty, because
// code against an older schema fails in confusing ways later.
func (m *Migrator) Pending(ctx context.Context) ([]string, error) {
	migs, err := migrations.All()
	if err != nil {
		return nil, err
	}
	var pending []string
	exists, err := dbsqlc.New().MigrateTableExists(ctx, m.pool)
	if err != nil {
		return nil, fmt.Errorf("check app_schema_migrations: %w", describe(err))
	}
	var applied []int
	if exists {
		if applied, err = m.appliedVersions(ctx, m.pool); err != nil {
			return nil, err
		}
	}
	for _, mig := range migs {
		if !slices.Contains(applied, mig.Version) {
			pending = append(pending, mig.Name)
		}
	}
	riverMig, err := m.river()
	if err != nil {
		return nil, err
	}
	vr, err := riverMig.Validate(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("check river migrations: %w", describe(err))
	}
	if !vr.OK {
		pending = append(pending, vr.Messages...)
	}
	return pending, nil
}

func (m *Migrator) river() (*rivermigrate.Migrator[pgx.Tx], error) {
	mig, err := rivermigrate.New(riverpgxv5.New(m.pool), &rivermigrate.Config{Logger: m.logger})
	if err != nil {
		return nil, fmt.Errorf("create river migrator: %w", err)
	}
	return mig, nil
}

func (m *Migrator) appliedVersions(ctx context.Context, db dbsqlc.DBTX) ([]int, error) {
	rows, err := dbsqlc.New().MigrateAppliedVersions(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("read applied migrations: %w", describe(err))
	}
	versions := make([]int, len(rows))
	for i, v := range rows {
		versions[i] = int(v)
	}
	return versions, nil
}
