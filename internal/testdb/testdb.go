// Package testdb gives each test its own Postgres database, cloned from a
// template that holds the full schema. Cloning takes milliseconds, so tests
// stay isolated and can run in parallel without sharing rows.
//
// The server comes from TEST_DATABASE_URL, by default
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
package testdb

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/todoapp/resetmail/internal/postgres"
	"github.com/todoapp/resetmail/internal/testdb/testdbsqlc"
	"github.com/todoapp/resetmail/sql/migrations"
)

// DefaultURL is used when TEST_DATABASE_URL is unset.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// DB is one test's private database.
type DB struct {
	// URL connects to the database; pass it to binaries started by the test.
	URL string
	// Pool is a pool over URL, closed when the test ends.
	Pool *pgxpool.Pool
	// Fixtures are the statements only tests run (fixtures.sql): pass Pool
	// as their db argument.
	Fixtures *testdbsqlc.Queries

	name, adminURL string
}

// Transactions is how many transactions the database has run, committed
// and rolled back (pg_stat_database's xact_commit + xact_rollback), read
// over a connection to the admin database so that the reading itself is
// not counted. Backends flush their counts within about a second of going
// idle, and when they exit.
func (db *DB) Transactions(ctx context.Context) (int64, error) {
	conn, err := pgx.Connect(ctx, db.adminURL)
	if err != nil {
		return 0, postgres.ScrubError(err)
	}
	defer conn.Close(context.Background())
	var n int64
	// stats_fetch_consistency would cache the figure inside a transaction;
	// each read here is its own.
	err = conn.QueryRow(ctx, transactionCount, db.name).Scan(&n)
	return n, err
}

// New creates a fresh, fully migrated database for t and drops it when t
// ends.
func New(t testing.TB) *DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	db, drop, err := Create(ctx)
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	t.Cleanup(func() {
		db.Pool.Close()
		if err := drop(); err != nil {
			t.Logf("testdb: drop: %v", err)
		}
	})
	return db
}

// Create is New without a testing.TB, for benchmark and drill programs. The
// returned function closes nothing but drops the database; close Pool first.
func Create(ctx context.Context) (*DB, func() error, error) {
	adminURL := os.Getenv("TEST_DATABASE_URL")
	if adminURL == "" {
		adminURL = DefaultURL
	}
	admin, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return nil, nil, fmt.Errorf("connect to %s (is Postgres running? set TEST_DATABASE_URL): %w", redactURL(adminURL), postgres.ScrubError(err))
	}
	defer admin.Close(context.Background())

	tpl, err := ensureTemplate(ctx, admin, adminURL)
	if err != nil {
		return nil, nil, err
	}
	name := "rm_test_" + randomHex(8)
	stmt := fmt.Sprintf(createFromTemplate, ident(name), ident(tpl))
	if _, err := admin.Exec(ctx, stmt); err != nil {
		return nil, nil, fmt.Errorf("create %s: %w", name, err)
	}
	dbURL, err := withDatabase(adminURL, name)
	if err != nil {
		return nil, nil, err
	}
	pool, err := postgres.Open(ctx, dbURL, postgres.PoolConfig{MaxConns: 20})
	if err != nil {
		return nil, nil, err
	}
	drop := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, adminURL)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, fmt.Sprintf(dropDatabase, ident(name)))
		return err
	}
	return &DB{URL: dbURL, Pool: pool, Fixtures: testdbsqlc.New(), name: name, adminURL: adminURL}, drop, nil
}

// ensureTemplate builds the template database once per schema version. The
// name carries a hash of every migration, so a schema change makes a new
// template instead of reusing a stale one. An advisory lock serialises test
// binaries that start together; the template is built under a temporary name
// and renamed, so no one ever clones a half-migrated database.
func ensureTemplate(ctx context.Context, admin *pgx.Conn, adminURL string) (string, error) {
	hash, err := schemaHash()
	if err != nil {
		return "", err
	}
	tpl := "rm_template_" + hash
	if _, err := admin.Exec(ctx, lockTemplate); err != nil {
		return "", fmt.Errorf("lock: %w", err)
	}
	defer admin.Exec(context.Background(), unlockTemplate) //nolint:errcheck // Closing the connection releases it too.

	var exists bool
	if err := admin.QueryRow(ctx, databaseExists, tpl).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return tpl, nil
	}
	building := tpl + "_building"
	if _, err := admin.Exec(ctx, fmt.Sprintf(dropDatabase, ident(building))); err != nil {
		return "", err
	}
	if _, err := admin.Exec(ctx, fmt.Sprintf(createDatabase, ident(building))); err != nil {
		return "", fmt.Errorf("create template: %w", err)
	}
	buildURL, err := withDatabase(adminURL, building)
	if err != nil {
		return "", err
	}
	pool, err := postgres.Open(ctx, buildURL, postgres.PoolConfig{MaxConns: 2})
	if err != nil {
		return "", err
	}
	_, err = postgres.NewMigrator(pool, nil).Migrate(ctx)
	pool.Close()
	if err != nil {
		return "", fmt.Errorf("migrate template: %w", err)
	}
	if _, err := admin.Exec(ctx, fmt.Sprintf(renameDatabase, ident(building), ident(tpl))); err != nil {
		return "", fmt.Errorf("rename template: %w", err)
	}
	return tpl, nil
}

func schemaHash() (string, error) {
	h := sha256.New()
	migs, err := migrations.All()
	if err != nil {
		return "", err
	}
	for _, m := range migs {
		fmt.Fprintf(h, "%d\n%s\n", m.Version, m.SQL)
	}
	// River's migrations are part of the schema too; a River upgrade must
	// produce a new template.
	rm, err := rivermigrate.New(riverpgxv5.New(nil), nil)
	if err != nil {
		return "", err
	}
	for _, m := range rm.AllVersions() {
		fmt.Fprintf(h, "river %d\n%s\n", m.Version, m.SQLUp)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

func withDatabase(rawURL, db string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", fmt.Errorf("parse TEST_DATABASE_URL: %w", err)
	}
	u.Path = "/" + db
	return u.String(), nil
}

func redactURL(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "TEST_DATABASE_URL"
	}
	return u.Redacted()
}

func ident(name string) string { return pgx.Identifier{name}.Sanitize() }

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// TransactionsDuring waits until the database's transaction count has
// stopped moving for settle, or a minute has passed, then returns how many
// transactions it ran during window. Settle longer than 10 s: a backend
// that ran a transaction within a second of its last report keeps the
// count pending for up to 10 s (Postgres 15's PGSTAT_IDLE_INTERVAL).
func (db *DB) TransactionsDuring(ctx context.Context, settle, window time.Duration) (int64, error) {
	last, err := db.Transactions(ctx)
	if err != nil {
		return 0, err
	}
	stable := time.Now()
	for deadline := time.Now().Add(time.Minute); time.Since(stable) < settle && time.Now().Before(deadline); {
		time.Sleep(settle / 4)
		n, err := db.Transactions(ctx)
		if err != nil {
			return 0, err
		}
		if n != last {
			last, stable = n, time.Now()
		}
	}
	select {
	case <-ctx.Done():
		return 0, ctx.Err()
	case <-time.After(window):
	}
	n, err := db.Transactions(ctx)
	if err != nil {
		return 0, err
	}
	return n - last, nil
}
