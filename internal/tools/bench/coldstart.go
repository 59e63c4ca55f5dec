package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/todoapp/resetmail/internal/smtptest"
	"github.com/todoapp/resetmail/internal/stack"
)

// coldJobs is the backlog a freshly started worker meets in the cold-start
// drain: what a worker waking from sleep finds.
const coldJobs = 1_000

// coldResult is one cold-start drain.
type coldResult struct {
	Jobs int
	// Boot is from the worker's exec to its "worker started" line: the
	// configuration, the database check and the templates.
	Boot time.Duration
	// Drain is from the "worker started" line (River's client started,
	// nothing fetched yet) to the sink's acceptance of the last mail: the
	// ramp (first fetch, pool and SMTP connections warming up, the first
	// renders) included.
	Drain time.Duration
	// Ramp is when, after the "worker started" line, the sink accepted
	// the mails rampAt names: how the drain builds up to speed.
	Ramp []time.Duration
	// CPU is where the cores went from the worker's exec to the last
	// mail: boot and drain together.
	CPU cpuSplit
}

// rampAt are the mails, counted in the order the sink accepted them, whose
// times Ramp reports.
var rampAt = []int{1, 100, 500, coldJobs}

// RampLine is Ramp as "mail 1 at 52ms, mail 100 at 130ms, …".
func (c coldResult) RampLine() string {
	parts := make([]string, len(c.Ramp))
	for i, d := range c.Ramp {
		parts[i] = fmt.Sprintf("mail %d at %s", rampAt[i], d.Round(time.Millisecond))
	}
	return strings.Join(parts, ", ")
}

// Rate is mails per second over Drain.
func (c coldResult) Rate() float64 { return float64(c.Jobs) / c.Drain.Seconds() }

// coldStartDrain commits n reset requests while no worker runs, then
// starts one fresh worker process with the default settings and times how
// long it takes to deliver them all. It checks every mail arrived once.
func (h *harness) coldStartDrain(ctx context.Context, n int) (coldResult, error) {
	s, err := h.newScenario(ctx, &smtptest.Options{Discard: true}, n)
	if err != nil {
		return coldResult{}, err
	}
	defer s.close()
	want := emails(1, n)
	if _, err := s.enqueueResets(ctx, want); err != nil {
		return coldResult{}, err
	}
	settle()
	exec := time.Now()
	meter := h.startCPU(s.dbName())
	procs, err := s.startWorkers(ctx, 1)
	if err != nil {
		meter.stop()
		return coldResult{}, err
	}
	last, err := s.waitDelivered(ctx, n, 5*time.Minute)
	cpu := meter.stop()
	if err != nil {
		return coldResult{}, err
	}
	started, err := startedAt(procs[0])
	if err != nil {
		return coldResult{}, err
	}
	if err := s.checkDelivery(ctx, want); err != nil {
		return coldResult{}, err
	}
	return coldResult{Jobs: n, Boot: started.Sub(exec), Drain: last.Sub(started), Ramp: ramp(s.sink.Messages(), started, n), CPU: cpu}, nil
}

// coldRuns runs only the cold-start drain, runs times, and logs each run
// and the median rate: for comparing one change or setting against another
// without the rest of figure 1. A single cold start moves by a quarter
// from one run to the next on this machine, so one run decides nothing.
func (h *harness) coldRuns(ctx context.Context, runs int) error {
	rates := make([]float64, 0, runs)
	for i := range runs {
		c, err := h.coldStartDrain(ctx, coldJobs)
		if err != nil {
			return err
		}
		rates = append(rates, c.Rate())
		h.logf("cold start %d/%d: %.0f mails/s after %s of boot; %s; cores (boot and drain): %s", i+1, runs, c.Rate(), c.Boot.Round(time.Millisecond), c.RampLine(), c.CPU)
	}
	slices.Sort(rates)
	h.logf("cold start over %d runs: median %.0f mails/s, min %.0f, max %.0f", runs, rates[len(rates)/2], rates[0], rates[len(rates)-1])
	return nil
}

// ramp is when, after start, the sink had accepted each of rampAt's mails
// (those up to n).
func ramp(msgs []smtptest.Received, start time.Time, n int) []time.Duration {
	at := make([]time.Time, len(msgs))
	for i, m := range msgs {
		at[i] = m.At
	}
	slices.SortFunc(at, time.Time.Compare)
	var out []time.Duration
	for _, k := range rampAt {
		if k <= n && k <= len(at) {
			out = append(out, at[k-1].Sub(start))
		}
	}
	return out
}

// startedAt is the time the worker logged "worker started", from the log
// line itself rather than from when the harness noticed it.
func startedAt(p *stack.Process) (time.Time, error) {
	sc := bufio.NewScanner(strings.NewReader(p.Output()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var line struct {
			Time time.Time `json:"time"`
			Msg  string    `json:"msg"`
		}
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "worker started" {
			return line.Time, nil
		}
	}
	return time.Time{}, fmt.Errorf("%s: no \"worker started\" line", p.Name)
}
