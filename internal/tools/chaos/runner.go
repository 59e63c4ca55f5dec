package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// drillRun is one drill in progress. It owns what every drill does the same
// way, so that a drill's own file says only what makes it different: its
// name in addresses and progress lines, starting its stack for seeded users,
// the result that reports the scenario, the headline figures once the fault
// is over, and the teardown.
type drillRun struct {
	*Suite
	name     string
	cleanups []func()
}

// run runs d and then tears down whatever it started, last started first,
// however it ended.
func (s *Suite) run(ctx context.Context, d Drill) (*Result, error) {
	dr := &drillRun{Suite: s, name: d.Name}
	defer func() {
		for _, f := range slices.Backward(dr.cleanups) {
			f()
		}
	}()
	return d.Run(ctx, dr)
}

// cleanup registers f to run when the drill has ended.
func (d *drillRun) cleanup(f func()) { d.cleanups = append(d.cleanups, f) }

// logf writes a progress line under the drill's name.
func (d *drillRun) logf(format string, args ...any) { d.Suite.logf(d.name, format, args...) }

// emails makes n unique lower-case addresses for the drill, so that
// deliveries can be counted per recipient. domain, when set, picks the
// domain of the i-th address; the default is example.com.
func (d *drillRun) emails(n int, domain func(i int) string) []string {
	out := make([]string, n)
	for i := range out {
		dom := "example.com"
		if domain != nil {
			dom = domain(i)
		}
		out[i] = fmt.Sprintf("%s-%d@%s", d.name, i, dom)
	}
	return out
}

// start builds the drill's world as p says, seeds p.users, and returns the
// result that will report on it. The stack is closed when the drill ends.
func (d *drillRun) start(ctx context.Context, p plan) (*Stack, *Result, error) {
	p.drill = d.name
	st, err := newStack(ctx, d.Suite, p)
	if err != nil {
		return nil, nil, err
	}
	d.cleanup(st.Close)
	if len(p.users) > 0 {
		if err := st.seedUsers(ctx, p.users); err != nil {
			return nil, nil, err
		}
	}
	return st, &Result{Drill: d.name, Scenario: p.scenario, Settings: st.settings()}, nil
}

// traffic is a drill's stream of reset requests, sent in the background
// while the drill injects its fault.
type traffic struct {
	// start is when the first request went out; drain times count from it.
	start   time.Time
	done    chan []sent
	answers []sent
}

// send starts sending one reset request per address in the background, as
// load does.
func (st *Stack) send(ctx context.Context, addrs []string, conc int, rate float64) *traffic {
	t := &traffic{start: time.Now(), done: make(chan []sent, 1)}
	go func() { t.done <- st.load(ctx, addrs, conc, rate) }()
	return t
}

// wait returns the API's answers once every request has had one. Only the
// drill's own goroutine calls it, so the answers need no lock.
func (t *traffic) wait() []sent {
	if t.answers == nil {
		t.answers = <-t.done
	}
	return t.answers
}

// settle waits for the traffic to end and the queue to drain (at most
// within) and fills r's headline figures: the requests sent, the drain
// time, and the sink's mail tallied against the accepted requests.
// expectMail is as for ledger.tally. It returns the ledger, with the jobs'
// outcomes, and the accepted recipients that got no mail.
func (st *Stack) settle(ctx context.Context, r *Result, t *traffic, within time.Duration, expectMail func(string) bool) (*ledger, []string, error) {
	answers := t.wait()
	st.logf("requests done in %s; waiting for the queue to drain", roundDuration(time.Since(t.start)))
	r.Requested = len(answers)
	drained, err := st.waitDrained(ctx, within)
	if err != nil {
		return nil, nil, err
	}
	r.Drain = drained.Sub(t.start)
	outcomes, err := st.outcomes(ctx)
	if err != nil {
		return nil, nil, err
	}
	l := newLedger(acceptedAt(answers), st.sink.Messages(), outcomes)
	return l, l.tally(r, expectMail), nil
}

// checkAllAccepted records a violation unless the API answered 202 to every
// request.
func (r *Result) checkAllAccepted() {
	r.check(r.Accepted == r.Requested, "only %d of %d requests got 202", r.Accepted, r.Requested)
}

// checkNoneLost records a violation when an accepted request got no mail.
func (r *Result) checkNoneLost(lost []string) {
	r.check(r.Lost == 0, "%d accepted recipients got no mail, e.g. %s", r.Lost, strings.Join(first(lost, 5), ", "))
}

// dependency is something a drill takes away and brings back: the SMTP
// sink or the database.
type dependency struct {
	name        string
	stop, start func(context.Context) error
}

// outage takes dep away at at and brings it back away later. While it is
// away, during (if set) runs until it is due back. It returns when dep went
// away and when it was back.
func (d *drillRun) outage(ctx context.Context, at time.Time, away time.Duration, dep dependency, during func(until time.Time)) (downAt, upAt time.Time, err error) {
	if err := sleepUntil(ctx, at); err != nil {
		return downAt, upAt, err
	}
	if err := dep.stop(ctx); err != nil {
		return downAt, upAt, err
	}
	downAt = time.Now()
	d.logf("%s down", dep.name)
	if during != nil {
		during(downAt.Add(away))
	}
	if err := sleepUntil(ctx, downAt.Add(away)); err != nil {
		return downAt, upAt, err
	}
	if err := dep.start(ctx); err != nil {
		return downAt, upAt, err
	}
	upAt = time.Now()
	d.logf("%s back after %s", dep.name, roundDuration(upAt.Sub(downAt)))
	return downAt, upAt, nil
}

// sleepUntil waits until t or until ctx ends.
func sleepUntil(ctx context.Context, t time.Time) error {
	select {
	case <-time.After(time.Until(t)):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
