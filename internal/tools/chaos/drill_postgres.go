package main

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/todoapp/resetmail/internal/postgres"
	"github.com/todoapp/resetmail/internal/stack"
	"github.com/todoapp/resetmail/internal/testdb"
)

// runPostgresRestart restarts a private Postgres under a steady stream of
// resets. While it is away the API must answer 503, never 500; afterwards
// everything must recover without restarting our processes, and every 202
// must become a mail.
func runPostgresRestart(ctx context.Context, s *Suite) (*Result, error) {
	const drill = "postgres-restart"
	rate := float64(s.size(50, 30))
	before, away, after := s.dur(10*time.Second, 4*time.Second), s.dur(10*time.Second, 4*time.Second), s.dur(10*time.Second, 4*time.Second)
	n := int(rate * (before + away + after).Seconds())
	addrs := emails(drill, n+1, nil)
	probe, addrs := addrs[n], addrs[:n]

	pg, err := startPrivatePostgres(ctx)
	if err != nil {
		return nil, err
	}
	defer pg.Close()
	if out, err := stack.Run(ctx, s.Bins.API, stack.Env{"DATABASE_URL": pg.URL()}, "migrate"); err != nil {
		return nil, fmt.Errorf("api migrate: %w\n%s", err, out)
	}
	db, err := privateDB(ctx, pg.URL())
	if err != nil {
		return nil, err
	}
	defer db.Pool.Close()
	// Jobs whose completion could not be recorded while the database was
	// away are left "running"; short rescue timers bring them back soon.
	st, err := newStack(ctx, s, stackOpts{drill: drill, workers: 1, db: db, env: crashSettings()})
	if err != nil {
		return nil, err
	}
	defer st.Close()
	if err := st.seedUsers(ctx, append([]string{probe}, addrs...)); err != nil {
		return nil, err
	}
	r := &Result{
		Drill:     drill,
		Scenario:  fmt.Sprintf("%d resets at %.0f/s, 1 worker, a private Postgres 15; `pg_ctl stop -m fast` %s in, `pg_ctl start` %s later", n, rate, before, away),
		Requested: n,
		Settings:  st.settings(),
	}

	start := time.Now()
	done := make(chan []sent, 1)
	go func() { done <- st.load(ctx, addrs, 8, rate, nil) }()
	if err := sleepUntil(ctx, start.Add(before)); err != nil {
		return nil, err
	}
	if err := pg.stop(ctx, "fast"); err != nil {
		return nil, err
	}
	stoppedAt := time.Now()
	s.logf(drill, "postgres stopped")
	readyWhileAway := st.pollReady(ctx, stoppedAt.Add(away))
	if err := pg.start(ctx); err != nil {
		return nil, err
	}
	s.logf(drill, "postgres started after %s", roundDuration(time.Since(stoppedAt)))
	answers := <-done

	// Recovery without restarts: the same processes serve a new request and
	// deliver its mail.
	probeAnswer := st.forgot(ctx, probe)
	readyAfter, _, _ := st.get(ctx, "/readyz")
	drained, err := st.waitDrained(ctx, s.dur(4*time.Minute, 3*time.Minute))
	if err != nil {
		return nil, err
	}
	r.Drain = drained.Sub(start)

	l := newLedger(acceptedAt(answers), st.sink.Messages())
	lost := l.tally(r, nil)
	counts := statusCounts(answers)
	fiveHundreds := 0
	for code, c := range counts {
		if code >= 500 && code != http.StatusServiceUnavailable {
			fiveHundreds += c
		}
	}
	exited := []string{}
	for _, p := range append([]*stack.Process{st.api}, procs(st.liveWorkersAndDead())...) {
		select {
		case <-p.Done():
			exited = append(exited, p.Name)
		default:
		}
	}

	r.add("answers while it restarted", "%s", formatCounts(counts))
	r.add("/readyz while the database was away", "%s", formatCounts(readyWhileAway))
	r.add("/readyz after", "%d", readyAfter)
	r.add("first request after the restart", "%d, mail delivered: %t", probeAnswer.Status, len(l.byRcpt[probe]) > 0)
	r.add("mails for requests that got an error", "%d (their transaction committed before the answer failed)", l.unasked()-boolInt(len(l.byRcpt[probe]) > 0))
	r.add("processes restarted", "none (%d exited)", len(exited))
	if outcomes, err := st.outcomes(ctx); err == nil {
		rescued := 0
		for _, o := range outcomes {
			rescued += boolInt(o.Rescued)
		}
		r.add("jobs left running by the outage and rescued", "%d", rescued)
	}
	d := l.delays(nil)
	r.add("202 to inbox", "p50 %s, p99 %s, max %s", roundDuration(percentile(d, 50)), roundDuration(percentile(d, 99)), roundDuration(percentile(d, 100)))

	r.check(fiveHundreds == 0, "%d answers were 5xx other than 503: %s", fiveHundreds, formatCounts(counts))
	r.check(counts[0] == 0, "%d requests got no answer at all", counts[0])
	r.check(counts[http.StatusServiceUnavailable] > 0, "no request saw the database away: the drill did not test anything")
	r.check(readyWhileAway[http.StatusServiceUnavailable] > 0, "/readyz never answered 503 while the database was away")
	r.check(readyAfter == http.StatusOK, "/readyz answered %d after the restart", readyAfter)
	r.check(probeAnswer.Status == http.StatusAccepted && len(l.byRcpt[probe]) > 0, "the first request after the restart got %d and mail: %t", probeAnswer.Status, len(l.byRcpt[probe]) > 0)
	r.check(len(exited) == 0, "processes exited: %s", strings.Join(exited, ", "))
	r.check(r.Lost == 0, "%d accepted recipients got no mail, e.g. %s", r.Lost, strings.Join(first(lost, 5), ", "))
	return r, nil
}

// privateDB opens the application's view of the private cluster.
func privateDB(ctx context.Context, url string) (*testdb.DB, error) {
	pool, err := postgres.Open(ctx, url, postgres.PoolConfig{MaxConns: 4})
	if err != nil {
		return nil, err
	}
	return &testdb.DB{URL: url, Pool: pool}, nil
}

// pollReady asks the API's /readyz every 200ms until until, and counts the
// answers.
func (st *Stack) pollReady(ctx context.Context, until time.Time) map[int]int {
	out := map[int]int{}
	for time.Now().Before(until) && ctx.Err() == nil {
		status, _, _ := st.get(ctx, "/readyz")
		out[status]++
		time.Sleep(200 * time.Millisecond)
	}
	return out
}

// liveWorkersAndDead returns every worker the stack started.
func (st *Stack) liveWorkersAndDead() []*workerProc {
	st.mu.Lock()
	defer st.mu.Unlock()
	return append([]*workerProc(nil), st.workers...)
}

func procs(ws []*workerProc) []*stack.Process {
	out := make([]*stack.Process, len(ws))
	for i, w := range ws {
		out[i] = w.Process
	}
	return out
}

// formatCounts prints status counts as "202: 480, 503: 20"; 0 is shown as
// "no answer".
func formatCounts(m map[int]int) string {
	codes := make([]int, 0, len(m))
	for c := range m {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	parts := make([]string, 0, len(codes))
	for _, c := range codes {
		label := fmt.Sprint(c)
		if c == 0 {
			label = "no answer"
		}
		parts = append(parts, fmt.Sprintf("%s: %d", label, m[c]))
	}
	return strings.Join(parts, ", ")
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
