package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/todoapp/resetmail/internal/apiapp"
	"github.com/todoapp/resetmail/internal/config"
	"github.com/todoapp/resetmail/internal/smtptest"
	"github.com/todoapp/resetmail/internal/stack"
	"github.com/todoapp/resetmail/internal/testdb"
)

// Placeholder secrets for the binaries under test. They protect nothing:
// every database the harness creates is dropped when its scenario ends.
const (
	benchResetKey  = "bench-only-reset-token-key-0123456789abcdef"
	benchJWTSecret = "bench-only-jwt-secret-0123456789abcdefghij"
	benchFrom      = "Todo <no-reply@example.com>"
	benchFrontend  = "https://app.example.com"
)

// harness holds what every figure shares: the built binaries and the settings both binaries use when nothing overrides them.
type harness struct {
	bins  stack.Binaries
	sizes sizes
	// workerDefaults are the worker's settings with only the required
	// variables set, so that the no-op ceiling uses exactly the settings a
	// worker runs with by default.
	workerDefaults *config.Worker
	// apiDefaults likewise for the API.
	apiDefaults *config.API
	// workerEnv is -worker-env: variables set on every worker process,
	// and in workerDefaults, to measure settings other than the defaults.
	workerEnv stack.Env
	// profileDir keeps the worker's CPU profile.
	profileDir string
	// progress receives a line per step, so that a long run shows where it is.
	progress io.Writer
}

func newHarness(ctx context.Context, binDir string, sz sizes, workerEnv stack.Env, progress io.Writer) (*harness, error) {
	wcfg, acfg, err := loadSettings(workerEnv)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(progress, "building api and worker into %s\n", binDir)
	bins, err := stack.Build(ctx, binDir)
	if err != nil {
		return nil, err
	}
	return &harness{bins: bins, sizes: sz, workerDefaults: wcfg, apiDefaults: acfg, workerEnv: workerEnv, progress: progress}, nil
}

func (h *harness) logf(format string, args ...any) {
	fmt.Fprintf(h.progress, "%s  "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

// loadSettings reads both binaries' default settings, given only the
// variables they require, and the worker's with workerEnv on top.
func loadSettings(workerEnv stack.Env) (*config.Worker, *config.API, error) {
	required := map[string]string{
		"DATABASE_URL":    "postgres://bench@127.0.0.1:5432/bench",
		"RESET_TOKEN_KEY": benchResetKey,
		"JWT_SECRET":      benchJWTSecret,
		"SMTP_HOST":       "127.0.0.1",
		"SMTP_FROM":       benchFrom,
	}
	worker := maps.Clone(required)
	maps.Copy(worker, workerEnv)
	wcfg, err := config.LoadWorker(worker)
	if err != nil {
		return nil, nil, fmt.Errorf("worker defaults: %w", err)
	}
	acfg, err := config.LoadAPI(required)
	if err != nil {
		return nil, nil, fmt.Errorf("api defaults: %w", err)
	}
	return wcfg, acfg, nil
}

// scenario is one measurement's private world: a fresh database cloned from
// the migrated template, an SMTP sink, and the processes started on them.
// Each measurement gets its own, so that no run inherits another's rows,
// dead tuples or connections.
type scenario struct {
	h        *harness
	db       *testdb.DB
	drop     func() error
	sink     *smtptest.Server
	env      stack.Env
	procs    []*stack.Process
	inserter *river.Client[pgx.Tx]
}

// newScenario creates the database with users accounts (see seedUsers) and,
// when sinkOpts is not nil, a sink.
func (h *harness) newScenario(ctx context.Context, sinkOpts *smtptest.Options, users int) (*scenario, error) {
	db, drop, err := testdb.Create(ctx)
	if err != nil {
		return nil, err
	}
	s := &scenario{h: h, db: db, drop: drop}
	s.env = stack.Env{
		"DATABASE_URL":       db.URL,
		"RESET_TOKEN_KEY":    benchResetKey,
		"JWT_SECRET":         benchJWTSecret,
		"FRONTEND_URL":       benchFrontend,
		"PORT":               "0",
		"WORKER_HTTP_ADDR":   "127.0.0.1:0",
		"RATE_LIMIT_ENABLED": "false",
		"SMTP_FROM":          benchFrom,
		"SMTP_TLS":           "none",
		// The binaries refuse to start without SMTP_HOST; scenarios without
		// a sink run no worker, and the API never reads it.
		"SMTP_HOST": "127.0.0.1",
	}
	if sinkOpts != nil {
		opts := *sinkOpts
		s.sink, err = smtptest.Start(opts)
		if err != nil {
			s.close()
			return nil, err
		}
		s.env = s.env.With("SMTP_HOST", s.sink.Host(), "SMTP_PORT", strconv.Itoa(s.sink.Port()))
	}
	// The API's own insert-only River client (apiapp.New), for
	// enqueueing bursts.
	app, err := apiapp.New(ctx, h.apiDefaults, db.Pool, slog.New(slog.DiscardHandler))
	if err != nil {
		s.close()
		return nil, err
	}
	s.inserter = app.Jobs
	if users > 0 {
		if err := s.seedUsers(ctx, users); err != nil {
			s.close()
			return nil, err
		}
	}
	return s, nil
}

// newAPIScenario is newScenario with one API process started, with extra
// settings (key, value, …).
func (h *harness) newAPIScenario(ctx context.Context, sinkOpts *smtptest.Options, users int, extra ...string) (*scenario, *stack.Process, error) {
	s, err := h.newScenario(ctx, sinkOpts, users)
	if err != nil {
		return nil, nil, err
	}
	api, err := s.startAPI(ctx, extra...)
	if err != nil {
		s.close()
		return nil, nil, err
	}
	return s, api, nil
}

// startWorkers starts n worker processes with the scenario's environment
// plus extra (key, value, …) and waits until each one works.
func (s *scenario) startWorkers(ctx context.Context, n int, extra ...string) ([]*stack.Process, error) {
	var out []*stack.Process
	env := s.env
	for k, v := range s.h.workerEnv {
		env = env.With(k, v)
	}
	env = env.With(extra...)
	for i := range n {
		p, err := stack.StartWorker(ctx, fmt.Sprintf("worker-%d", i+1), s.h.bins.Worker, env)
		if err != nil {
			return nil, err
		}
		s.procs = append(s.procs, p)
		out = append(out, p)
	}
	return out, nil
}

// startAPI starts one API process.
func (s *scenario) startAPI(ctx context.Context, extra ...string) (*stack.Process, error) {
	p, err := stack.StartAPI(ctx, "api", s.h.bins.API, s.env.With(extra...))
	if err != nil {
		return nil, err
	}
	s.procs = append(s.procs, p)
	return p, nil
}

// stopProcs stops every process started so far, gracefully.
func (s *scenario) stopProcs() error {
	var errs []error
	for _, p := range s.procs {
		if err := p.Stop(30 * time.Second); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", p.Name, err))
		}
	}
	s.procs = nil
	return errors.Join(errs...)
}

// close stops the processes and the sink and drops the database.
func (s *scenario) close() {
	_ = s.stopProcs()
	if s.sink != nil {
		_ = s.sink.Close()
	}
	s.db.Pool.Close()
	if err := s.drop(); err != nil {
		s.h.logf("warning: drop database: %v", err)
	}
}

// dbName is the scenario's database name, from its URL.
func (s *scenario) dbName() string {
	u, err := url.Parse(s.db.URL)
	if err != nil {
		return ""
	}
	return strings.TrimPrefix(u.Path, "/")
}
