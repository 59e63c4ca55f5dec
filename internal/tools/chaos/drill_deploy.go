package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/todoapp/resetmail/internal/config"
	"github.com/todoapp/resetmail/internal/smtptest"
)

// runGracefulDeploy sends SIGTERM to one of two workers in the middle of a
// burst, the way a rolling deploy does, and starts its replacement. The
// stopping worker must finish its sends in flight and exit by itself within
// SHUTDOWN_TIMEOUT; nothing may be lost or sent twice.
func runGracefulDeploy(ctx context.Context, d *drillRun) (*Result, error) {
	n := d.size(3000, 300)
	latency := 100 * time.Millisecond
	addrs := d.emails(n, nil)
	st, r, err := d.start(ctx, plan{
		workers: 2,
		// A provider's round trip makes each send last long enough to be
		// caught in flight.
		sink:     smtptest.Options{Latency: latency},
		users:    addrs,
		scenario: fmt.Sprintf("a burst of %d resets, 2 workers, sink latency %s; SIGTERM one worker once a quarter of the mail is out, then start its replacement", n, latency),
	})
	if err != nil {
		return nil, err
	}
	// The drill keeps SHUTDOWN_TIMEOUT as configured; the worker's own
	// configuration says what that is.
	wcfg, err := config.LoadWorker(st.env)
	if err != nil {
		return nil, err
	}
	shutdownTimeout := wcfg.ShutdownTimeout

	t := st.send(ctx, addrs, 32, 0)
	waitCtx, cancel := context.WithTimeout(ctx, d.dur(3*time.Minute, 2*time.Minute))
	err = st.sink.WaitForCount(waitCtx, n/4)
	cancel()
	if err != nil {
		return nil, fmt.Errorf("waiting for a quarter of the mail: %w", err)
	}
	victim := st.liveWorkers()[0]
	// On a loaded machine the burst may trickle in; wait (boundedly) until
	// the victim is busy, or the drill would test nothing.
	var sigAt time.Time
	var inflight int
	for deadline := time.Now().Add(time.Minute); ; {
		// sigAt is taken before counting, so that every job counted as in
		// flight and finished afterwards counts as finished after SIGTERM.
		sigAt = time.Now()
		if inflight, err = st.jobsOf(ctx, victim, "running"); err != nil {
			return nil, err
		}
		if inflight > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Stop sends SIGTERM and waits; it kills the process only if it is
	// still there well after its own timeout, which would be the finding.
	exitErr := victim.Stop(shutdownTimeout + 30*time.Second)
	exitAfter := time.Since(sigAt)
	d.logf("%s exited %s after SIGTERM (%v)", victim.Name, roundDuration(exitAfter), exitErr)
	leftRunning, err := st.jobsOf(ctx, victim, "running")
	if err != nil {
		return nil, err
	}
	requeued, err := st.jobsOf(ctx, victim, "retryable")
	if err != nil {
		return nil, err
	}
	finished, err := st.finishedSince(ctx, victim, sigAt)
	if err != nil {
		return nil, err
	}
	if _, err := st.startWorker(ctx); err != nil {
		return nil, err
	}
	_, lost, err := st.settle(ctx, r, t, d.dur(4*time.Minute, 3*time.Minute), nil)
	if err != nil {
		return nil, err
	}
	timedOut := strings.Contains(victim.Output(), "did not finish in time")

	r.add("jobs in flight in the stopping worker at SIGTERM", "%d", inflight)
	r.add("jobs it completed after SIGTERM", "%d", finished["completed"])
	r.add("jobs it left running or returned to the queue", "%d running, %d retryable", leftRunning, requeued)
	r.add("exit after SIGTERM", "%s (SHUTDOWN_TIMEOUT %s), exit error: %v", roundDuration(exitAfter), shutdownTimeout, exitErr)

	r.check(exitErr == nil, "the worker did not exit cleanly: %v\n%s", exitErr, tail(victim.Process, 10))
	// The worker itself judges its timeout: it logs this line when in-flight
	// jobs outlive SHUTDOWN_TIMEOUT and it has to cancel them.
	r.checkTiming(!timedOut, "the worker hit SHUTDOWN_TIMEOUT and cancelled in-flight jobs")
	r.check(inflight > 0, "no job was in flight at SIGTERM: the drill did not test anything")
	r.check(leftRunning == 0, "%d jobs were left running by the stopped worker", leftRunning)
	r.checkAllAccepted()
	r.checkNoneLost(lost)
	r.check(r.Duplicates == 0, "%d duplicates after a graceful stop", r.Duplicates)
	return r, nil
}
