package main

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// recoveryGoal is how soon after the SMTP server comes back every mail that
// waited for it must be delivered.
const recoveryGoal = 30 * time.Second

// runSMTPOutage takes the sink down in the middle of a steady stream of
// resets and brings it back. Every mail must arrive, and every mail that
// waited for the outage within recoveryGoal of the sink coming back. It
// runs the worker with its default retry policy.
func runSMTPOutage(ctx context.Context, d *drillRun) (*Result, error) {
	rate := float64(d.size(20, 10))
	before, down, after := d.dur(15*time.Second, 5*time.Second), d.dur(60*time.Second, 10*time.Second), d.dur(15*time.Second, 5*time.Second)
	n := int(rate * (before + down + after).Seconds())
	addrs := d.emails(n, nil)
	st, r, err := d.start(ctx, plan{
		workers:  1,
		users:    addrs,
		scenario: fmt.Sprintf("%d resets at %.0f/s, 1 worker; the sink goes down %s in and comes back %s later", n, rate, before, down),
	})
	if err != nil {
		return nil, err
	}

	t := st.send(ctx, addrs, 8, rate)
	sink := dependency{
		name:  "sink",
		stop:  func(context.Context) error { st.sink.Down(); return nil },
		start: func(context.Context) error { return st.sink.Up() },
	}
	downAt, upAt, err := d.outage(ctx, t.start.Add(before), down, sink, nil)
	if err != nil {
		return nil, err
	}
	l, lost, err := st.settle(ctx, r, t, d.dur(6*time.Minute, 3*time.Minute), nil)
	if err != nil {
		return nil, err
	}
	// A mail waited for the outage when it was requested before the sink
	// came back and was not delivered before it went down.
	var waits []time.Duration
	for email, at := range l.accepted {
		msgs := l.byRcpt[email]
		if !at.Before(upAt) || len(msgs) == 0 || msgs[0].At.Before(downAt) {
			continue
		}
		waits = append(waits, max(0, msgs[0].At.Sub(upAt)))
	}
	slices.Sort(waits)
	late := len(waits) - countBelow(waits, recoveryGoal)
	maxAttempts := 0
	for _, o := range l.outcomes {
		maxAttempts = max(maxAttempts, o.Attempts)
	}

	r.add("mails that waited for the outage", "%d", len(waits))
	r.add("delivered after the sink came back", "%s", spread(waits))
	r.add("later than 30 s after it came back", "%d", late)
	r.add("most attempts for one mail", "%d", maxAttempts)
	r.add("connections the worker opened to the sink", "%d over the whole run, outage included (the dial backoff at work)", st.sink.Dials())

	r.checkAllAccepted()
	r.checkNoneLost(lost)
	r.check(len(waits) > 0, "no mail waited for the outage: the drill did not test anything")
	r.checkTiming(late == 0, "%d mails arrived more than %s after the sink came back (the slowest after %s)", late, recoveryGoal, roundDuration(percentile(waits, 100)))
	return r, nil
}

// countBelow counts sorted durations at or below limit.
func countBelow(sorted []time.Duration, limit time.Duration) int {
	i, _ := slices.BinarySearch(sorted, limit+1)
	return i
}
