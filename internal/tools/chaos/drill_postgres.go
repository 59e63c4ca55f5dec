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
func runPostgresRestart(ctx context.Context, d *drillRun) (*Result, error) {
	rate := float64(d.size(50, 30))
	before, away, after := d.dur(10*time.Second, 4*time.Second), d.dur(10*time.Second, 4*time.Second), d.dur(10*time.Second, 4*time.Second)
	n := int(rate * (before + away + after).Seconds())
	addrs := d.emails(n+1, nil)
	probe, addrs := addrs[n], addrs[:n]

	pg, err := startPrivatePostgres(ctx)
	if err != nil {
		return nil, err
	}
	d.cleanup(pg.Close)
	if out, err := stack.Run(ctx, d.Bins.API, stack.Env{"DATABASE_URL": pg.URL()}, "migrate"); err != nil {
		return nil, fmt.Errorf("api migrate: %w\n%s", err, out)
	}
	db, err := privateDB(ctx, pg.URL())
	if err != nil {
		return nil, err
	}
	d.cleanup(db.Pool.Close)
	st, r, err := d.start(ctx, plan{
		// Jobs whose completion could not be recorded while the database
		// was away are left "running"; short rescue timers bring them
		// back soon.
		workers:  1,
		db:       db,
		env:      crashSettings(),
		users:    append([]string{probe}, addrs...),
		scenario: fmt.Sprintf("%d resets at %.0f/s, 1 worker, a private Postgres 15; `pg_ctl stop -m fast` %s in, `pg_ctl start` %s later", n, rate, before, away),
	})
	if err != nil {
		return nil, err
	}

	t := st.send(ctx, addrs, 8, rate)
	var readyWhileAway map[int]int
	postgres := dependency{
		name:  "postgres",
		stop:  func(ctx context.Context) error { return pg.stop(ctx, "fast") },
		start: pg.start,
	}
	if _, _, err := d.outage(ctx, t.start.Add(before), away, postgres, func(until time.Time) {
		readyWhileAway = st.pollReady(ctx, until)
	}); err != nil {
		return nil, err
	}
	answers := t.wait()

	// Recovery without restarts: the same processes serve a new request and
	// deliver its mail.
	probeAnswer := st.forgot(ctx, probe)
	readyAfter, _, _ := st.get(ctx, "/readyz")
	l, lost, err := st.settle(ctx, r, t, d.dur(4*time.Minute, 3*time.Minute), nil)
	if err != nil {
		return nil, err
	}
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
	rescued := 0
	for _, o := range l.outcomes {
		rescued += boolInt(o.Rescued)
	}
	r.add("jobs left running by the outage and rescued", "%d", rescued)
	r.add("202 to inbox", "%s", spread(l.delays(nil)))

	r.check(fiveHundreds == 0, "%d answers were 5xx other than 503: %s", fiveHundreds, formatCounts(counts))
	r.check(counts[0] == 0, "%d requests got no answer at all", counts[0])
	r.check(counts[http.StatusServiceUnavailable] > 0, "no request saw the database away: the drill did not test anything")
	r.check(readyWhileAway[http.StatusServiceUnavailable] > 0, "/readyz never answered 503 while the database was away")
	r.check(readyAfter == http.StatusOK, "/readyz answered %d after the restart", readyAfter)
	r.check(probeAnswer.Status == http.StatusAccepted && len(l.byRcpt[probe]) > 0, "the first request after the restart got %d and mail: %t", probeAnswer.Status, len(l.byRcpt[probe]) > 0)
	r.check(len(exited) == 0, "processes exited: %s", strings.Join(exited, ", "))
	r.checkNoneLost(lost)
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
