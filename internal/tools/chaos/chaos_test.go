package main

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/stack"
)

// TestDrillsShort runs every drill at CI size (a few hundred messages,
// shorter outages and kill intervals) so that the drills cannot rot, and
// asserts their invariants: nothing lost, no 5xx, rejected recipients tried
// once, duplicates only where a crash allows them. It never asserts a speed
// goal: `make test` runs packages in parallel on two cores, so the wall
// clock says more about the machine than about the code. Speed goals are
// `make chaos`'s business.
//
// The drills run two at a time: each has its own database, sink and
// processes, and most of their time is spent waiting for timers.
func TestDrillsShort(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 8*time.Minute)
	defer cancel()
	bins, err := stack.Build(ctx, t.TempDir())
	require.NoError(t, err)
	s := &Suite{Bins: bins, Short: true, Progress: testLog{t}}
	// Two drills at a time: enough to overlap their timer waits, few
	// enough to keep the shared Postgres's connections for other tests.
	slots := make(chan struct{}, 2)
	// The group returns only when its parallel subtests have finished, so
	// ctx is not cancelled under them.
	t.Run("group", func(t *testing.T) {
		for _, d := range drills() {
			t.Run(d.Name, func(t *testing.T) {
				t.Parallel()
				slots <- struct{}{}
				defer func() { <-slots }()
				runShort(ctx, t, s, d)
			})
		}
	})
}

// runShort runs one drill and checks its invariants.
func runShort(ctx context.Context, t *testing.T, s *Suite, d Drill) {
	if d.Name == "postgres-restart" {
		if _, err := pgBinDir(); err != nil {
			t.Skipf("no private Postgres possible here: %v", err)
		}
	}
	res, err := s.run(ctx, d)
	require.NoError(t, err)
	var out strings.Builder
	res.Print(&out)
	t.Log(out.String())
	require.Empty(t, res.Violations)
	if len(res.TimingMisses) > 0 {
		t.Logf("speed goals missed on this (possibly loaded) machine, not a failure here: %v", res.TimingMisses)
	}
}

// testLog sends progress lines to the test log.
type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func TestClientIDTime(t *testing.T) {
	t.Parallel()
	at, ok := clientIDTime("my_host_name_2026_11_25T20_14_32_454981")
	require.True(t, ok)
	require.Equal(t, time.Date(2026, 11, 25, 20, 14, 32, 454981000, time.UTC), at)
	_, ok = clientIDTime("short")
	require.False(t, ok)
}

func TestUpdateDocReplacesOnlyBetweenMarkers(t *testing.T) {
	t.Parallel()
	path := t.TempDir() + "/reliability.md"
	require.NoError(t, updateDoc(path, map[string]string{"a": "first\n"}, map[string]string{"a": "A"}, []string{"a"}))
	require.NoError(t, updateDoc(path, map[string]string{"a": "second\n"}, map[string]string{"a": "A"}, []string{"a"}))
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Contains(t, string(raw), "second")
	require.NotContains(t, string(raw), "first")
	require.Equal(t, 1, strings.Count(string(raw), "## A"))
}
