package postgres_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/postgres"
	"github.com/todoapp/resetmail/internal/testdb"
	"github.com/todoapp/resetmail/sql/migrations"
)

func TestMigrateIsIdempotentAndConcurrencySafe(t *testing.T) {
	t.Parallel()

	ctx := context.Background()
	_, m := newMigrator(t)

	// The template is already migrated: a further run applies nothing.
	res, err := m.Migrate(ctx)
	require.NoError(t, err)
	require.Empty(t, res.App)
	require.Empty(t, res.River)

	pending, err := m.Pending(ctx)
	require.NoError(t, err)
	require.Empty(t, pending)
}

func TestMigrateFromEmptyTwiceAtOnce(t *testing.T) {
	t.Parallel()

	ctx := context.Background()
	db, m := newMigrator(t)
	// Start from an empty schema inside the test's own database.
	_, err := db.Pool.Exec(ctx, "DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
	require.NoError(t, err)

	pending, err := m.Pending(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, pending)

	var wg sync.WaitGroup
	results := make([]postgres.MigrateResult, 2)
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = m.Migrate(ctx)
		}()
	}
	wg.Wait()
	require.NoError(t, errs[0])
	require.NoError(t, errs[1])
	// Exactly one of the two copies applied the migrations.
	all, err := migrations.All()
	require.NoError(t, err)
	require.Equal(t, len(all), len(results[0].App)+len(results[1].App))
	require.True(t, len(results[0].App) == 0 || len(results[1].App) == 0)

	pending, err = m.Pending(ctx)
	require.NoError(t, err)
	require.Empty(t, pending)

	var n int
	require.NoError(t, db.Pool.QueryRow(ctx, "SELECT count(*) FROM app_schema_migrations").Scan(&n))
	require.Equal(t, len(all), n)
}

// newMigrator is a fresh database, migrated like the template, and a
// Migrator over it.
func newMigrator(t *testing.T) (*testdb.DB, *postgres.Migrator) {
	t.Helper()
	db := testdb.New(t)
	return db, postgres.NewMigrator(db.Pool, nil)
}
