package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// runBadInput sends malformed and hostile requests to every endpoint of the
// real API binary: huge bodies, deep JSON, wrong types, invalid UTF-8, CRLF
// in fields, very long emails, SQL-looking strings and more. No answer may
// be a 5xx, and afterwards the process must be healthy and serve a normal
// reset from request to working link.
func runBadInput(ctx context.Context, d *drillRun) (*Result, error) {
	n := d.size(10000, 1500)
	st, r, err := d.start(ctx, plan{
		workers:  1,
		scenario: fmt.Sprintf("%d malformed and hostile requests, 16 at a time, across every endpoint (the generator is seeded, so a run can be repeated)", n),
	})
	if err != nil {
		return nil, err
	}
	r.Requested = n
	token, task, err := st.owner(ctx, "owner@example.com")
	if err != nil {
		return nil, err
	}

	tally := newHostileTally()
	gen := &hostileGen{rng: rand.New(rand.NewPCG(7, 2026)), token: token, task: task}
	// The generator is seeded and not safe for concurrent use: one at a
	// time, the senders take the same sequence of requests from it.
	var genMu sync.Mutex
	start := time.Now()
	fanOut(ctx, n, 16, 0, func(int) {
		genMu.Lock()
		hr := gen.next()
		genMu.Unlock()
		status, body, err := st.sendHostile(ctx, hr)
		tally.add(hr, status, body, err)
	})
	d.logf("%d requests in %s", n, roundDuration(time.Since(start)))

	healthz, _, _ := st.get(ctx, "/healthz")
	readyz, _, _ := st.get(ctx, "/readyz")
	normal := st.normalReset(ctx, "after-the-drill@example.com")
	drained, err := st.waitDrained(ctx, d.dur(3*time.Minute, 2*time.Minute))
	if err != nil {
		return nil, err
	}
	r.Drain = drained.Sub(start)
	msgs := st.sink.Messages()
	r.Accepted = tally.status[http.StatusAccepted]
	r.Delivered = len(msgs)
	r.Lost = boolInt(normal.err != nil)
	r.Duplicates = tally.duplicates(msgs, "after-the-drill@example.com")
	var alive bool
	select {
	case <-st.api.Done():
	default:
		alive = true
	}

	r.add("5xx answers", "%d", tally.fiveXX)
	r.add("answers by status", "%s", formatCounts(tally.status))
	for _, k := range tally.kindNames() {
		r.add("· "+k, "%s", formatCounts(tally.byKind[k]))
	}
	r.add("/healthz and /readyz afterwards", "%d and %d", healthz, readyz)
	r.add("normal reset afterwards", "%s", normal.describe())
	r.add("api process", "%s", map[bool]string{true: "still running, never restarted", false: "EXITED"}[alive])

	r.check(tally.fiveXX == 0, "%d 5xx answers, e.g. %v", tally.fiveXX, tally.examples)
	r.check(tally.unexpectedDrops == 0, "%d requests got no answer outside the oversized categories, e.g. %v", tally.unexpectedDrops, tally.dropExamples)
	r.check(healthz == http.StatusOK && readyz == http.StatusOK, "/healthz %d, /readyz %d after the drill", healthz, readyz)
	r.check(normal.err == nil, "a normal reset failed afterwards: %v", normal.err)
	r.check(alive, "the api process exited:\n%s", tail(st.api, 10))
	return r, nil
}
