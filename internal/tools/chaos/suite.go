package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/todoapp/resetmail/internal/stack"
)

// Secrets the binaries get. They only have to pass the config rules: every
// drill runs on loopback against throwaway databases.
const (
	jwtSecret = "chaos-drill-jwt-secret-000000000000000000000000"
	resetKey  = "chaos-drill-reset-token-key-0000000000000000000"
)

// Suite is what every drill shares: the built binaries, the size to run at,
// and where progress goes.
type Suite struct {
	// Bins are the api and worker binaries, built once per run.
	Bins stack.Binaries
	// Short runs each drill at the size CI uses: a few hundred messages and
	// shorter outages.
	Short bool
	// Progress receives one timestamped line per step; nil discards.
	Progress io.Writer

	mu    sync.Mutex
	start time.Time
}

// logf writes a progress line prefixed with the time since the suite began.
// Drills may run concurrently, so writes are serialised.
func (s *Suite) logf(drill, format string, args ...any) {
	if s.Progress == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.start.IsZero() {
		s.start = time.Now()
	}
	fmt.Fprintf(s.Progress, "[%6.1fs] %-14s %s\n", time.Since(s.start).Seconds(), drill, fmt.Sprintf(format, args...))
}

// size picks the full or the short value.
func (s *Suite) size(full, short int) int {
	if s.Short {
		return short
	}
	return full
}

// dur picks the full or the short duration.
func (s *Suite) dur(full, short time.Duration) time.Duration {
	if s.Short {
		return short
	}
	return full
}

// Drill is one fault drill.
type Drill struct {
	// Name selects the drill with -drill and names its docs section.
	Name string
	// Title heads the docs section.
	Title string
	// Run executes the drill. An error means the drill could not be carried
	// out (a process failed to start, a deadline passed); broken invariants
	// are Result.Violations instead.
	Run func(ctx context.Context, d *drillRun) (*Result, error)
}

// drills lists every drill in the order `make chaos` runs them.
func drills() []Drill {
	return []Drill{
		{Name: "flaky-smtp", Title: "Flaky SMTP", Run: runFlakySMTP},
		{Name: "worker-crash", Title: "Worker crashes", Run: runWorkerCrash},
		{Name: "smtp-outage", Title: "SMTP outage", Run: runSMTPOutage},
		{Name: "postgres-restart", Title: "Postgres restart", Run: runPostgresRestart},
		{Name: "graceful-deploy", Title: "Graceful deploy", Run: runGracefulDeploy},
		{Name: "bad-input", Title: "Bad input", Run: runBadInput},
	}
}
