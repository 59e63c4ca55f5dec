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
	appsql "github.com/todoapp/resetmail/sql"
)

// DefaultURL is used when TEST_DATABASE_URL is unset.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// DB is one test's private database.
type DB struct {
	// URL connects to the database; pass it to binaries started by the test.
	URL string
	// Pool is a pool over URL, closed when the test ends.
	Pool *pgxpool.Pool
	// Queries are the application's named statements.
	Queries *appsql.Queries
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
	queries, err := appsql.LoadQueries()
	if err != nil {
		return nil, nil, err
	}
	adminURL := os.Getenv("TEST_DATABASE_URL")
	if adminURL == "" {
		adminURL = DefaultURL
	}
	admin, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return nil, nil, fmt.Errorf("connect to %s (is Postgres running? set TEST_DATABASE_URL): %w", redactURL(adminURL), postgres.ScrubError(err))
	}
	defer admin.Close(context.Background())

	tpl, err := ensureTemplate(ctx, admin, adminURL, queries)
	if err != nil {
		return nil, nil, err
	}
	name := "rm_test_" + randomHex(8)
	stmt := fmt.Sprintf(queries.Get("testdb_create_from_template"), ident(name), ident(tpl))
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
		_, err = conn.Exec(ctx, fmt.Sprintf(queries.Get("testdb_drop"), ident(name)))
		return err
	}
	return &DB{URL: dbURL, Pool: pool, Queries: queries}, drop, nil
}

// ensureTemplate builds the template database once per schema version. The
// name carries a hash of every migration, so a schema change makes a new
// template instead of reusing a stale one. An advisory lock serialises test
// binaries that start together; the template is built under a temporary name
// and renamed, so no one ever clones a half-migrated database.
func ensureTemplate(ctx context.Context, admin *pgx.Conn, adminURL string, queries *appsql.Queries) (string, error) {
	hash, err := schemaHash()
	if err != nil {
		return "", err
	}
	tpl := "rm_template_" + hash
	if _, err := admin.Exec(ctx, queries.Get("testdb_lock")); err != nil {
		return "", fmt.Errorf("lock: %w", err)
	}
	defer admin.Exec(context.Background(), queries.Get("testdb_unlock")) //nolint:errcheck // Closing the connection releases it too.

	var exists bool
	if err := admin.QueryRow(ctx, queries.Get("testdb_exists"), tpl).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return tpl, nil
	}
	building := tpl + "_building"
	if _, err := admin.Exec(ctx, fmt.Sprintf(queries.Get("testdb_drop"), ident(building))); err != nil {
		return "", err
	}
	if _, err := admin.Exec(ctx, fmt.Sprintf(queries.Get("testdb_create"), ident(building))); err != nil {
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
	_, err = postgres.NewMigrator(pool, queries, nil).Migrate(ctx)
	pool.Close()
	if err != nil {
		return "", fmt.Errorf("migrate template: %w", err)
	}
	if _, err := admin.Exec(ctx, fmt.Sprintf(queries.Get("testdb_rename"), ident(building), ident(tpl))); err != nil {
		return "", fmt.Errorf("rename template: %w", err)
	}
	return tpl, nil
}

func schemaHash() (string, error) {
	h := sha256.New()
	migs, err := appsql.Migrations()
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
