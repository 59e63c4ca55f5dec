package main

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/reset"
)

// smokeSizes are a few hundred messages: enough to run every code path of
// the harness, small enough for CI. The test asserts counts, never speeds.
func smokeSizes() sizes {
	s := fullSizes()
	s.NoopJobs = 300
	s.TunedJobs = 300
	s.EmailJobs = 200
	s.SlowJobs = 40
	s.SlowLatency = 20 * time.Millisecond
	s.DrainJobs = 200
	s.DrainWorkers = []int{2}
	s.SlowDrainJobs = 100
	s.ProfileJobs = 200
	s.ProfileSeconds = 1
	s.WrkConns = []int{10}
	s.WrkDuration = time.Second
	s.WrkWarmup = 0
	s.APIRounds = 1
	s.LatencyRate = 50
	s.LatencyDuration = 2 * time.Second
	s.InlineLatency = 20 * time.Millisecond
	s.InlineRate = 50
	s.InlineDuration = time.Second
	s.TransportConnects = 3
	s.TransportDuration = time.Second
	s.TransportJobs = 100
	s.IdleWarmup = 0
	s.IdleSettle = time.Second
	s.IdleWindow = time.Second
	s.WakeRounds = 2
	return s
}

// TestHarnessSmoke runs the harness's building blocks, then every figure,
// on a few hundred messages through the real binaries, so that `make bench`
// cannot rot unnoticed. Every drain checks internally that each recipient
// got exactly one mail and each request is recorded as sent; the test adds
// that the counts match what was requested. It asserts nothing about speed.
func TestHarnessSmoke(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	h, err := newHarness(ctx, t.TempDir(), smokeSizes(), nil, io.Discard)
	require.NoError(t, err)
	h.profileDir = t.TempDir()

	noop, err := h.riverNoopCeiling(ctx, h.sizes.NoopJobs)
	require.NoError(t, err)
	require.Equal(t, h.sizes.NoopJobs, noop.Jobs)

	tuned, err := h.riverTunedCeiling(ctx, h.sizes.TunedJobs)
	require.NoError(t, err)
	require.Equal(t, h.sizes.TunedJobs, tuned.Jobs)

	drain, err := h.emailDrain(ctx, h.sizes.DrainJobs, 2, 0)
	require.NoError(t, err)
	require.Equal(t, h.sizes.DrainJobs, drain.Jobs)

	_, wrkErr := toolPath("wrk")
	_, pgbenchErr := toolPath("pgbench")
	for _, fig := range figures() {
		if fig.id == "2" && (wrkErr != nil || pgbenchErr != nil) {
			t.Logf("figure 2 skipped: %v %v", wrkErr, pgbenchErr)
			continue
		}
		body, err := fig.run(h, ctx)
		require.NoError(t, err, "figure %s", fig.id)
		require.Contains(t, body, "|", "figure %s has its table", fig.id)
	}
}

// TestPgbenchScriptIsTheForgotPasswordTransaction checks, through the same
// trace the benchmark relies on, that the API's transaction is still BEGIN,
// ResetInsertRequest, River's JobInsertFastMany, COMMIT, and that the script
// generated from it runs.
func TestPgbenchScriptIsTheForgotPasswordTransaction(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	h := &harness{sizes: smokeSizes(), progress: io.Discard}
	var err error
	h.workerDefaults, h.apiDefaults, err = loadSettings(nil)
	require.NoError(t, err)
	s, err := h.newScenario(ctx, nil, 0)
	require.NoError(t, err)
	defer s.close()

	tx, err := captureForgotPassword(ctx, h.apiDefaults, s.db.URL)
	require.NoError(t, err)
	require.NotNil(t, tx.Notify, "the first insert of a fresh client notifies the queue")
	script, vars, err := pgbenchScript(ctx, s.db.Pool, tx)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(strings.SplitN(script, "\n", 3)[2], "BEGIN;"), script)
	require.Contains(t, script, "INSERT INTO password_reset_requests")
	require.Contains(t, script, "INSERT INTO river_job")

	if _, err := toolPath("pgbench"); err != nil {
		t.Skip(err)
	}
	res, err := runPgbench(ctx, t.TempDir(), s.db.URL, script, vars, 2, time.Second)
	require.NoError(t, err)
	require.Zero(t, res.Errors)
	require.Positive(t, res.Requests)
	st, err := s.jobStates(ctx, reset.SendResetArgs{}.Kind())
	require.NoError(t, err)
	// Two traced requests plus every pgbench transaction, each one job.
	require.Equal(t, res.Requests+2, st["available"])
}

func TestShellQuoteRepeatsTheArguments(t *testing.T) {
	t.Parallel()
	require.Equal(t, "-only", shellQuote("-only"))
	require.Equal(t, "1,4", shellQuote("1,4"))
	require.Equal(t, "''", shellQuote(""))
	require.Equal(t, "'WORKER_CONCURRENCY=100 GOGC=100'", shellQuote("WORKER_CONCURRENCY=100 GOGC=100"))
	require.Equal(t, `'it'\''s'`, shellQuote("it's"))
}
