package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/todoapp/resetmail/internal/apiapp"
	"github.com/todoapp/resetmail/internal/config"
)

// tracedStmt is one statement a pgx connection sent, with its arguments.
type tracedStmt struct {
	SQL  string
	Args []any
}

// stmtRecorder is a pgx.QueryTracer that keeps every statement, so that the
// benchmark can see exactly what River sends instead of assuming it.
type stmtRecorder struct {
	mu    sync.Mutex
	stmts []tracedStmt
}

// TraceQueryStart implements pgx.QueryTracer.
func (r *stmtRecorder) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	r.mu.Lock()
	r.stmts = append(r.stmts, tracedStmt{SQL: d.SQL, Args: d.Args})
	r.mu.Unlock()
	return ctx
}

// TraceQueryEnd implements pgx.QueryTracer.
func (r *stmtRecorder) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (r *stmtRecorder) take() []tracedStmt {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.stmts
	r.stmts = nil
	return out
}

// forgotPasswordTx is the transaction forgot-password commits, as captured
// from reset.Service.RequestReset on a traced connection.
type forgotPasswordTx struct {
	// Insert is reset_insert_request with its arguments.
	Insert tracedStmt
	// Job is River's job insert with its arguments.
	Job tracedStmt
	// Notify is River's pg_notify, when the capture saw one. River's insert
	// notification limiter sends it at most once per FetchCooldown per queue,
	// so under load nearly every transaction goes without it.
	Notify *tracedStmt
	// All is every statement of the steady-state transaction, in order.
	All []tracedStmt
}

// captureForgotPassword runs the API's own RequestReset twice on a traced
// single-connection pool over dbURL and returns the statements of the second
// transaction (the first carries River's one-off capability probe), leaving
// out River's rate-limited pg_notify wherever it appears. It fails unless the
// transaction is exactly BEGIN, ResetInsertRequest, River's JobInsertFastMany,
// COMMIT. The pgbench script is generated from these captured texts, so it
// replays whatever River sends today: River stays the one owner of its SQL,
// and a River upgrade that changes the statement changes the script with it,
// while one that changes the transaction's shape stops the benchmark.
func captureForgotPassword(ctx context.Context, cfg *config.API, dbURL string) (*forgotPasswordTx, error) {
	pc, err := pgxpool.ParseConfig(dbURL)
	if err != nil {
		return nil, err
	}
	rec := &stmtRecorder{}
	pc.ConnConfig.Tracer = rec
	pc.MaxConns = 1
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, err
	}
	defer pool.Close()
	// The API as cmd/api assembles it: its insert-only River client's
	// FetchCooldown drives the insert notification limiter.
	app, err := apiapp.New(ctx, cfg, pool, slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, err
	}
	svc := app.Resets
	var first []tracedStmt
	for i := range 2 {
		if _, err := svc.RequestReset(ctx, fmt.Sprintf("trace-%d@example.com", i)); err != nil {
			return nil, fmt.Errorf("traced RequestReset: %w", err)
		}
		if i == 0 {
			first = rec.take()
		}
	}
	// River's rate-limited pg_notify may appear in either transaction (on
	// a slow machine the second call can come after the limit's interval);
	// it is optional by design, so it is set aside before comparing.
	var second []tracedStmt
	out := &forgotPasswordTx{}
	for _, s := range rec.take() {
		if strings.Contains(s.SQL, "pg_notify") {
			out.Notify = &s
			continue
		}
		second = append(second, s)
	}
	for _, s := range first {
		if strings.Contains(s.SQL, "pg_notify") {
			out.Notify = &s
		}
	}
	out.All = second
	if len(second) != 4 {
		return nil, fmt.Errorf("forgot-password sent %d statements, expected 4:\n%s", len(second), dumpStmts(second))
	}
	// BEGIN and COMMIT must be exactly what the script sends; both inserts
	// are sqlc's text, ours and River's, named by their first line.
	for i, want := range []string{"begin", "-- name: ResetInsertRequest ", "-- name: JobInsertFastMany ", "commit"} {
		got := strings.TrimSpace(second[i].SQL)
		if got != want && !(strings.HasPrefix(want, "-- name: ") && strings.HasPrefix(got, want)) {
			return nil, fmt.Errorf("forgot-password statement %d is not %q:\n%s", i+1, want, dumpStmts(second))
		}
	}
	out.Insert, out.Job = second[1], second[2]
	return out, nil
}

// normalizeSQL drops leading comment lines and surrounding space: sqlc
// starts each statement with a "-- name:" line, which names the query for
// the check above and means nothing to pgbench.
func normalizeSQL(s string) string {
	s = strings.TrimSpace(s)
	for strings.HasPrefix(s, "--") {
		_, rest, ok := strings.Cut(s, "\n")
		if !ok {
			return ""
		}
		s = strings.TrimSpace(rest)
	}
	return s
}

func dumpStmts(stmts []tracedStmt) string {
	var b strings.Builder
	for i, s := range stmts {
		fmt.Fprintf(&b, "%d: %s\n", i+1, s.SQL)
	}
	return b.String()
}
