package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// recoveryGoal is how soon after the SMTP server comes back every mail that
// waited for it must be delivered.
const recoveryGoal = 30 * time.Second

// runSMTPOutage takes the sink down in the middle of a steady stream of
// resets and brings it back. Every mail must arrive, and every mail that
// waited for the outage within recoveryGoal of the sink coming back. It
// runs the worker with its default retry policy.
func runSMTPOutage(ctx context.Context, s *Suite) (*Result, error) {
	return smtpOutage(ctx, s, "smtp-outage", nil)
}

func smtpOutage(ctx context.Context, s *Suite, drill string, env []string) (*Result, error) {
	rate := float64(s.size(20, 10))
	before, down, after := s.dur(15*time.Second, 5*time.Second), s.dur(60*time.Second, 10*time.Second), s.dur(15*time.Second, 5*time.Second)
	n := int(rate * (before + down + after).Seconds())
	addrs := emails(drill, n, nil)
	st, err := newStack(ctx, s, stackOpts{drill: drill, workers: 1, env: env})
	if err != nil {
		return nil, err
	}
	defer st.Close()
	if err := st.seedUsers(ctx, addrs); err != nil {
		return nil, err
	}
	r := &Result{
		Drill:     drill,
		Scenario:  fmt.Sprintf("%d resets at %.0f/s, 1 worker; the sink goes down %s in and comes back %s later", n, rate, before, down),
		Requested: n,
		Settings:  st.settings(),
	}

	start := time.Now()
	done := make(chan []sent, 1)
	go func() { done <- st.load(ctx, addrs, 8, rate, nil) }()
	if err := sleepUntil(ctx, start.Add(before)); err != nil {
		return nil, err
	}
	st.sink.Down()
	downAt := time.Now()
	s.logf(drill, "sink down")
	if err := sleepUntil(ctx, downAt.Add(down)); err != nil {
		return nil, err
	}
	if err := st.sink.Up(); err != nil {
		return nil, err
	}
	upAt := time.Now()
	s.logf(drill, "sink up after %s", roundDuration(upAt.Sub(downAt)))
	answers := <-done
	drained, err := st.waitDrained(ctx, s.dur(6*time.Minute, 3*time.Minute))
	if err != nil {
		return nil, err
	}
	r.Drain = drained.Sub(start)

	l := newLedger(acceptedAt(answers), st.sink.Messages())
	lost := l.tally(r, nil)
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
	outcomes, err := st.outcomes(ctx)
	if err != nil {
		return nil, err
	}
	maxAttempts := 0
	for _, o := range outcomes {
		maxAttempts = max(maxAttempts, o.Attempts)
	}

	r.add("mails that waited for the outage", "%d", len(waits))
	r.add("delivered after the sink came back", "p50 %s, p99 %s, max %s", roundDuration(percentile(waits, 50)), roundDuration(percentile(waits, 99)), roundDuration(percentile(waits, 100)))
	r.add("later than 30 s after it came back", "%d", late)
	r.add("most attempts for one mail", "%d", maxAttempts)
	r.add("connections the worker opened to the sink", "%d over the whole run, outage included (the dial backoff at work)", st.sink.Dials())

	r.check(r.Accepted == n, "only %d of %d requests got 202", r.Accepted, n)
	r.check(r.Lost == 0, "%d accepted recipients got no mail, e.g. %s", r.Lost, strings.Join(first(lost, 5), ", "))
	r.check(len(waits) > 0, "no mail waited for the outage: the drill did not test anything")
	r.checkTiming(late == 0, "%d mails arrived more than %s after the sink came back (the slowest after %s)", late, recoveryGoal, roundDuration(percentile(waits, 100)))
	return r, nil
}

// countBelow counts sorted durations at or below limit.
func countBelow(sorted []time.Duration, limit time.Duration) int {
	i, _ := slices.BinarySearch(sorted, limit+1)
	return i
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
