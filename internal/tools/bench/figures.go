package main

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/pprof/profile"

	"github.com/todoapp/resetmail/internal/postgres"
	"github.com/todoapp/resetmail/internal/smtptest"
)

// sizes are the loads of one run. fullSizes is `make bench`; the smoke test
// uses much smaller ones.
type sizes struct {
	NoopJobs        int
	TunedJobs       int
	EmailJobs       int
	SlowJobs        int
	SlowLatency     time.Duration
	DrainJobs       int
	DrainWorkers    []int
	SlowDrainJobs   int
	SlowDrainConns  int
	ProfileJobs     int
	ProfileSeconds  int
	WrkConns        []int
	WrkDuration     time.Duration
	WrkWarmup       time.Duration
	APIRounds       int
	LatencyRate     float64
	LatencyDuration time.Duration
	InlineLatency   time.Duration
	InlineRate      float64
	InlineDuration  time.Duration
	// TransportConnects, TransportDuration (at LatencyRate) and
	// TransportJobs size figure 8, once per transport.
	TransportConnects int
	TransportDuration time.Duration
	TransportJobs     int
	// IdleWarmup, IdleSettle and IdleWindow time figure 9's idle counts;
	// WakeRounds and WakeIdleAfter its wakes.
	IdleWarmup    time.Duration
	IdleSettle    time.Duration
	IdleWindow    time.Duration
	WakeRounds    int
	WakeIdleAfter time.Duration
}

func fullSizes() sizes {
	return sizes{
		NoopJobs:        50_000,
		TunedJobs:       20_000,
		EmailJobs:       20_000,
		SlowJobs:        1_000,
		SlowLatency:     200 * time.Millisecond,
		DrainJobs:       20_000,
		DrainWorkers:    []int{1, 2, 4},
		SlowDrainJobs:   20_000,
		SlowDrainConns:  100,
		ProfileJobs:     20_000,
		ProfileSeconds:  5,
		WrkConns:        []int{100, 500},
		WrkDuration:     10 * time.Second,
		WrkWarmup:       2 * time.Second,
		APIRounds:       2,
		LatencyRate:     100,
		LatencyDuration: 60 * time.Second,
		InlineLatency:   300 * time.Millisecond,
		InlineRate:      100,
		InlineDuration:  15 * time.Second,

		TransportConnects: 100,
		TransportDuration: 20 * time.Second,
		TransportJobs:     10_000,

		IdleWarmup:    15 * time.Second,
		IdleSettle:    12 * time.Second,
		IdleWindow:    30 * time.Second,
		WakeRounds:    60,
		WakeIdleAfter: time.Second,
	}
}

// figure is one section of the report.
type figure struct {
	id, marker, title string
	run               func(*harness, context.Context) (string, error)
}

func figures() []figure {
	return []figure{
		{"1", "worker-ceiling", "1. Worker throughput against River's no-op ceiling", (*harness).figWorkerCeiling},
		{"2", "api-ceiling", "2. API throughput against the bare transaction (pgbench)", (*harness).figAPICeiling},
		{"3", "enqueue-to-inbox", "3. Enqueue-to-inbox latency at a steady 100 requests/s", (*harness).figLatency},
		{"4", "slow-provider", "4. A slow provider: 200 ms per message", (*harness).figSlowProvider},
		{"5", "burst-drain", "5. Burst drain with 1, 2 and 4 workers", (*harness).figBurstDrain},
		{"6", "inline-send", "6. Versus sending inside the request", (*harness).figInline},
		// Figure 7 is a Go benchmark of its own (docs/benchmarks.md).
		{"8", "transport", "8. TCP against Postgres over a WebSocket (DATABASE_TRANSPORT=websocket)", (*harness).figTransport},
		{"9", "hibernation", "9. Hibernation: idle transactions, and forgot-password to the inbox through a sleeping worker", (*harness).figHibernation},
	}
}

// settingsLine names the worker settings a figure ran with.
func (h *harness) settingsLine(extra ...string) string {
	c := h.workerDefaults
	s := fmt.Sprintf("WORKER_CONCURRENCY=%d, WORKER_FETCH_COOLDOWN=%s, WORKER_FETCH_POLL_INTERVAL=%s, DATABASE_MAX_CONNS=%d, SMTP_MAX_CONNECTIONS=%d",
		c.WorkerConcurrency, c.WorkerFetchCooldown, c.WorkerFetchPollInterval, c.DatabaseMaxConns, c.SMTPMaxConnections)
	for i := 0; i+1 < len(extra); i += 2 {
		s += fmt.Sprintf(", **%s=%s**", extra[i], extra[i+1])
	}
	if len(h.workerEnv) > 0 {
		set := make([]string, 0, len(h.workerEnv))
		for _, k := range slices.Sorted(maps.Keys(h.workerEnv)) {
			set = append(set, k+"="+h.workerEnv[k])
		}
		s += fmt.Sprintf(", **not the defaults: -worker-env '%s'**", strings.Join(set, " "))
	}
	return s
}

func (h *harness) figWorkerCeiling(ctx context.Context) (string, error) {
	sz := h.sizes
	h.logf("  River no-op ceiling, tuned as River's benchmark, %d jobs", sz.TunedJobs)
	tuned, err := h.riverTunedCeiling(ctx, sz.TunedJobs)
	if err != nil {
		return "", err
	}
	h.logf("  tuned no-op: %.0f jobs/s", tuned.Rate())
	h.logf("  River no-op at the worker's settings, %d jobs", sz.NoopJobs)
	noop, err := h.riverNoopCeiling(ctx, sz.NoopJobs)
	if err != nil {
		return "", err
	}
	h.logf("  no-op at worker settings: %.0f jobs/s", noop.Rate())
	h.logf("  email through one worker process, %d mails", sz.EmailJobs)
	email, err := h.emailDrain(ctx, sz.EmailJobs, 1, 0)
	if err != nil {
		return "", err
	}
	h.logf("  email: %.0f mails/s", email.Rate())
	h.logf("  cold start: %d mails queued, then one fresh worker process", coldJobs)
	cold, err := h.coldStartDrain(ctx, coldJobs)
	if err != nil {
		return "", err
	}
	ratioCold := cold.Rate() / tuned.Rate()
	h.logf("  cold start: %.0f mails/s after %s of boot; %s of the tuned ceiling; %s", cold.Rate(), cold.Boot.Round(time.Millisecond), pct(ratioCold), cold.RampLine())
	ratioTuned := email.Rate() / tuned.Rate()
	ratio := email.Rate() / noop.Rate()
	h.logf("  ratio: %s of the tuned ceiling, %s of the ceiling at the worker's settings", pct(ratioTuned), pct(ratio))
	var b strings.Builder
	fmt.Fprintf(&b, "| | jobs | drain | rate | all completed in River | our mail rate against it |\n|---|---:|---:|---:|---:|---:|\n")
	fmt.Fprintf(&b, "| River no-op ceiling, **tuned as River's own benchmark** (in-process client, no-op worker) | %d | %s | **%s jobs/s** | %s | **%s** |\n", tuned.Jobs, tuned.Drain.Round(time.Millisecond), rate(tuned.Rate()), tuned.Completed.Round(time.Millisecond), pct(ratioTuned))
	fmt.Fprintf(&b, "| River no-op at the worker's own settings (in-process client, no-op worker) | %d | %s | %s jobs/s | %s | %s |\n", noop.Jobs, noop.Drain.Round(time.Millisecond), rate(noop.Rate()), noop.Completed.Round(time.Millisecond), pct(ratio))
	fmt.Fprintf(&b, "| Our reset mail (real worker binary → fast SMTP sink) | %d | %s | **%s mails/s** | %s | |\n", email.Jobs, email.Drain.Round(time.Millisecond), rate(email.Rate()), email.Completed.Round(time.Millisecond))
	fmt.Fprintf(&b, "| Cold start: the first %d mails of a backlog, from a freshly started worker's \"worker started\" line (ramp included: %s; its boot before that took %s) | %d | %s | **%s mails/s** | | **%s** |\n\n", cold.Jobs, cold.RampLine(), cold.Boot.Round(time.Millisecond), cold.Jobs, cold.Drain.Round(time.Millisecond), rate(cold.Rate()), pct(ratioCold))
	fmt.Fprintf(&b, "**Ratio against the tuned ceiling: %s** (goal ≥ 10%%: %s); against River at the worker's own settings: %s. **Cold start against the tuned ceiling: %s** (goal ≥ 10%%: %s).\n\n", pct(ratioTuned), verdict(ratioTuned >= 0.10), pct(ratio), pct(ratioCold), verdict(ratioCold >= 0.10))
	fmt.Fprintf(&b, "The tuned ceiling is the best River does here, set up as River's own benchmark is: MaxWorkers %d, FetchCooldown %s, FetchPollInterval %s, pgxpool's default pool (%d connections on this machine), %d jobs inserted first and worked down, timed from the client's start to the last no-op's return. ", tunedMaxWorkers, tunedFetchCooldown, tunedFetchPollInterval, tuned.Pool, tuned.Jobs)
	fmt.Fprintf(&b, "The other ceiling and the mail drain run with the worker's defaults (%s; the ceiling is the River configuration `queue.RiverConfig` builds for the worker, its job workers swapped for a no-op) and time a burst committed in one transaction while the process was idle, from the commit to the last no-op's return or the sink's acceptance of the last mail. Every mail is a real one: reset_prepare, HMAC token, both templates, MIME, a pipelined SMTP transaction over loopback, reset_mark_sent; the harness checks each recipient got exactly one mail and every request is recorded as sent.\n\n", h.settingsLine())
	fmt.Fprintf(&b, "Where the cores went (average cores busy over the drain; %d cores in all; in the no-op runs the harness is River's client itself):\n\n- tuned no-op: %s\n- no-op at the worker's settings: %s\n- email: %s\n\n", noop.CPU.Total, tuned.CPU, noop.CPU, email.CPU)
	fmt.Fprintf(&b, "Per mail, that is %s of the worker's CPU, %s of Postgres's and %s of the sink's; per tuned no-op job, %s of Postgres's and %s of River's client.\n",
		perUnit(email.CPU, groupWorker, email.Rate()), perUnit(email.CPU, groupPostgres, email.Rate()), perUnit(email.CPU, groupHarness, email.Rate()),
		perUnit(tuned.CPU, groupPostgres, tuned.Rate()), perUnit(tuned.CPU, groupHarness, tuned.Rate()))
	return b.String(), nil
}

func (h *harness) figLatency(ctx context.Context) (string, error) {
	sz := h.sizes
	n := int(sz.LatencyRate * sz.LatencyDuration.Seconds())
	s, api, err := h.newAPIScenario(ctx, &smtptest.Options{Discard: true}, n)
	if err != nil {
		return "", err
	}
	defer s.close()
	if _, err := s.startWorkers(ctx, 1); err != nil {
		return "", err
	}
	settle()
	h.logf("  %d requests at %.0f/s", n, sz.LatencyRate)
	meter := h.startCPU(s.dbName())
	results := constantRate(ctx, "http://"+api.Addr+"/api/auth/forgot-password", sz.LatencyRate, sz.LatencyDuration, func(i int) string { return userEmail(i + 1) })
	if err := checkStatuses(results, 202); err != nil {
		return "", err
	}
	if _, err := s.waitDelivered(ctx, n, time.Minute); err != nil {
		return "", err
	}
	cpu := meter.stop()
	if err := s.checkDelivery(ctx, emails(1, n)); err != nil {
		return "", err
	}
	accepted := map[string]time.Time{}
	for _, m := range s.sink.Messages() {
		accepted[m.To[0]] = m.At
	}
	var e2e []time.Duration
	for _, r := range results {
		e2e = append(e2e, accepted[r.Email].Sub(r.Done))
	}
	d := summarize(e2e)
	api202 := summarize(latencies(results))
	h.logf("  enqueue-to-inbox p50 %s p99 %s max %s", ms(d.P50), ms(d.P99), ms(d.Max))
	var b strings.Builder
	fmt.Fprintf(&b, "| from the API's 202 to the sink's acceptance | p50 | p99 | max |\n|---|---:|---:|---:|\n")
	fmt.Fprintf(&b, "| %d mails | **%s** | **%s** | **%s** |\n\n", d.N, ms(d.P50), ms(d.P99), ms(d.Max))
	fmt.Fprintf(&b, "p99 under 100 ms (goal): %s; the original plan allowed 30 s.\n\n", verdict(d.P99 < 100*time.Millisecond))
	fmt.Fprintf(&b, "%d POST /api/auth/forgot-password at a steady %.0f/s for %s (open loop: each request is sent on schedule whatever the others are doing), each for its own account, with the API and one worker (defaults: %s) running against a fast sink. Every request got 202 (p50 %s, p99 %s from its scheduled start) and every mail arrived exactly once. Each mail is matched to its request by recipient; the 202 and the acceptance are timed on the same clock, in the harness process. The earliest mail was accepted %s after its 202 (a negative value would mean the mail beat the 202 to the client).\n\n", n, sz.LatencyRate, sz.LatencyDuration, h.settingsLine(), ms(api202.P50), ms(api202.P99), ms(d.Min))
	fmt.Fprintf(&b, "Where the cores went: %s.\n", cpu)
	return b.String(), nil
}

func (h *harness) figSlowProvider(ctx context.Context) (string, error) {
	sz := h.sizes
	conns := h.workerDefaults.SMTPMaxConnections
	target := float64(conns) / sz.SlowLatency.Seconds()
	h.logf("  %d mails, sink latency %s, one worker at defaults", sz.SlowJobs, sz.SlowLatency)
	r, err := h.emailDrain(ctx, sz.SlowJobs, 1, sz.SlowLatency)
	if err != nil {
		return "", err
	}
	ratio := r.Rate() / target
	h.logf("  %.1f mails/s = %s of %.0f", r.Rate(), pct(ratio), target)
	var b strings.Builder
	fmt.Fprintf(&b, "| mails | sink latency | drain | rate | SMTP_MAX_CONNECTIONS / latency | ratio |\n|---:|---:|---:|---:|---:|---:|\n")
	fmt.Fprintf(&b, "| %d | %s | %s | **%s mails/s** | %.0f mails/s | **%s** |\n\n", r.Jobs, sz.SlowLatency, r.Drain.Round(time.Millisecond), rate(r.Rate()), target, pct(ratio))
	fmt.Fprintf(&b, "Goal ≥ 90%%: %s. One worker process at default settings (%s); the sink answers the end of DATA %s late, like a slow provider. The pool's %d connections, each with one message in flight, set the pace; the other jobs wait for a free connection rather than behind one slow send.\n", verdict(ratio >= 0.90), h.settingsLine(), sz.SlowLatency, conns)
	return b.String(), nil
}

func (h *harness) figBurstDrain(ctx context.Context) (string, error) {
	sz := h.sizes
	var b strings.Builder
	fmt.Fprintf(&b, "| sink | workers | mails | drain | mails/s | scaling vs 1 worker | where the cores went (avg cores busy) |\n|---|---:|---:|---:|---:|---:|---|\n")
	type row struct {
		sink    string
		latency time.Duration
		jobs    int
		extra   []string
	}
	rows := []row{
		{"fast", 0, sz.DrainJobs, nil},
		{fmt.Sprintf("%s per message", sz.SlowLatency), sz.SlowLatency, sz.SlowDrainJobs, []string{"SMTP_MAX_CONNECTIONS", strconv.Itoa(sz.SlowDrainConns)}},
	}
	var fast1 *drainResult
	var fastBest float64
	for _, rw := range rows {
		var base float64
		for _, w := range sz.DrainWorkers {
			h.logf("  %s sink, %d workers, %d mails", rw.sink, w, rw.jobs)
			r, err := h.emailDrain(ctx, rw.jobs, w, rw.latency, rw.extra...)
			if err != nil {
				return "", err
			}
			if base == 0 {
				base = r.Rate()
			}
			if rw.latency == 0 {
				if fast1 == nil {
					fast1 = &r
				}
				fastBest = max(fastBest, r.Rate())
			}
			h.logf("  %.0f mails/s", r.Rate())
			fmt.Fprintf(&b, "| %s | %d | %d | %s | **%s** | %.2f× | %s |\n", rw.sink, w, r.Jobs, r.Drain.Round(time.Millisecond), rate(r.Rate()), r.Rate()/base, r.CPU)
		}
	}
	if fast1 != nil {
		fmt.Fprintf(&b, "\nWith the fast sink the two cores are the limit: one worker used %.2f cores, Postgres %.2f and the sink %.2f, that is %s of worker CPU, %s of Postgres CPU and %s of sink CPU per mail.",
			fast1.CPU.Cores[groupWorker], fast1.CPU.Cores[groupPostgres], fast1.CPU.Cores[groupHarness],
			perUnit(fast1.CPU, groupWorker, fast1.Rate()), perUnit(fast1.CPU, groupPostgres, fast1.Rate()), perUnit(fast1.CPU, groupHarness, fast1.Rate()))
		if fastBest < 1.2*fast1.Rate() {
			b.WriteString(" More worker processes add little or nothing because no core is left idle for them; they only add fetching and completing of their own.")
		}
		b.WriteString(" The profile below says what the worker does with its share.\n")
	}
	fmt.Fprintf(&b, "\nEach row: a fresh database, the workers started and idle, then %d resets committed in one transaction; timed from the commit to the sink's acceptance of the last mail, and checked (one mail per recipient, every request recorded as sent, every job completed). Worker settings: %s.\n\n", sz.DrainJobs, h.settingsLine())
	fmt.Fprintf(&b, "With the 200 ms sink, one worker at the default SMTP_MAX_CONNECTIONS=%d delivers %.0f mails/s at best, so 20,000 mails would take %.0f s with one worker and the run could not fit its 10-minute budget. That table therefore runs with **SMTP_MAX_CONNECTIONS=%d** (WORKER_CONCURRENCY=%d): each worker's ceiling is then %.0f mails/s, and delivery scales with workers until the two cores run out.\n\n",
		h.workerDefaults.SMTPMaxConnections, float64(h.workerDefaults.SMTPMaxConnections)/sz.SlowLatency.Seconds(),
		float64(sz.SlowDrainJobs)/(float64(h.workerDefaults.SMTPMaxConnections)/sz.SlowLatency.Seconds()),
		sz.SlowDrainConns, h.workerDefaults.WorkerConcurrency, float64(min(sz.SlowDrainConns, h.workerDefaults.WorkerConcurrency))/sz.SlowLatency.Seconds())

	prof, err := h.profileWorker(ctx)
	if err != nil {
		return "", err
	}
	b.WriteString(prof)
	return b.String(), nil
}

// profileWorker drains a burst through one worker with WORKER_PPROF=true
// and reports where its CPU went. It is a separate run so that profiling
// does not touch the timed ones.
func (h *harness) profileWorker(ctx context.Context) (string, error) {
	sz := h.sizes
	s, err := h.newScenario(ctx, &smtptest.Options{Discard: true}, sz.ProfileJobs)
	if err != nil {
		return "", err
	}
	defer s.close()
	procs, err := s.startWorkers(ctx, 1, "WORKER_PPROF", "true")
	if err != nil {
		return "", err
	}
	settle()
	h.logf("  profiling one worker over a %d-mail drain", sz.ProfileJobs)
	type fetched struct {
		err  error
		path string
		p    *profile.Profile
	}
	done := make(chan fetched, 1)
	go func() {
		p, path, err := fetchProfile(ctx, procs[0].Addr, sz.ProfileSeconds, h.profileDir, "worker-cpu.pb.gz")
		done <- fetched{err, path, p}
	}()
	time.Sleep(100 * time.Millisecond)
	meter := h.startCPU(s.dbName())
	want := emails(1, sz.ProfileJobs)
	if _, err := s.enqueueResets(ctx, want); err != nil {
		return "", err
	}
	f := <-done
	cpu := meter.stop()
	if f.err != nil {
		return "", f.err
	}
	if _, err := s.waitDelivered(ctx, sz.ProfileJobs, 5*time.Minute); err != nil {
		return "", err
	}
	if err := s.checkDelivery(ctx, want); err != nil {
		return "", err
	}
	workerCores := cpu.Cores[groupWorker]
	var b strings.Builder
	fmt.Fprintf(&b, "**Where the two cores go with the fast sink.** A separate drain of %d mails through one worker with WORKER_PPROF=true, profiled for its first %d s (`bin/bench -only 5 -profile-dir DIR` keeps the profile as DIR/%s for `go tool pprof`). Over that window the machine's cores went to: %s.\n\n", sz.ProfileJobs, sz.ProfileSeconds, filepath.Base(f.path), cpu)
	fmt.Fprintf(&b, "Inside the worker process (%.2f cores), by the outermost recognisable caller of each CPU sample:\n\n| activity | share of the worker's CPU | cores |\n|---|---:|---:|\n", workerCores)
	for _, a := range classify(f.p) {
		fmt.Fprintf(&b, "| %s | %s | %.2f |\n", a.Name, pct(a.Share), a.Share*workerCores)
	}
	b.WriteString("\nTop functions by own (flat) CPU time:\n\n| function | flat share |\n|---|---:|\n")
	for _, a := range topFunctions(f.p, 12) {
		fmt.Fprintf(&b, "| `%s` | %s |\n", a.Name, pct(a.Share))
	}
	return b.String(), nil
}

func (h *harness) figInline(ctx context.Context) (string, error) {
	sz := h.sizes
	n := int(sz.InlineRate * sz.InlineDuration.Seconds())

	// Ours: the API and one worker, the sink 300 ms slow.
	s, api, err := h.newAPIScenario(ctx, &smtptest.Options{Discard: true, Latency: sz.InlineLatency}, n)
	if err != nil {
		return "", err
	}
	if _, err := s.startWorkers(ctx, 1); err != nil {
		s.close()
		return "", err
	}
	settle()
	h.logf("  ours: %d requests at %.0f/s, sink latency %s", n, sz.InlineRate, sz.InlineLatency)
	ours := constantRate(ctx, "http://"+api.Addr+"/api/auth/forgot-password", sz.InlineRate, sz.InlineDuration, func(i int) string { return userEmail(i + 1) })
	delivered := s.sink.Count()
	s.close()
	if err := checkStatuses(ours, 202); err != nil {
		return "", err
	}

	// The baseline: the same load on a handler that sends before answering.
	s, err = h.newScenario(ctx, &smtptest.Options{Discard: true, Latency: sz.InlineLatency}, 0)
	if err != nil {
		return "", err
	}
	defer s.close()
	pool, err := postgres.Open(ctx, s.db.URL, postgres.PoolConfig{MaxConns: h.apiDefaults.DatabaseMaxConns})
	if err != nil {
		return "", err
	}
	defer pool.Close()
	url, stop, err := startInlineBaseline(s, pool)
	if err != nil {
		return "", err
	}
	defer stop()
	h.logf("  baseline: %d requests at %.0f/s", n, sz.InlineRate)
	base := constantRate(ctx, url, sz.InlineRate, sz.InlineDuration, func(i int) string { return userEmail(i + 1) })
	if err := checkStatuses(base, 202); err != nil {
		return "", err
	}
	do, db := summarize(latencies(ours)), summarize(latencies(base))
	h.logf("  p99 ours %s, baseline %s", ms(do.P99), ms(db.P99))
	var b strings.Builder
	fmt.Fprintf(&b, "| forgot-password, %d requests at %.0f/s, SMTP sink %s per message | p50 | p99 | max |\n|---|---:|---:|---:|\n", n, sz.InlineRate, sz.InlineLatency)
	fmt.Fprintf(&b, "| ours: record + enqueue, 202 (API + one worker running) | %s | **%s** | %s |\n", ms(do.P50), ms(do.P99), ms(do.Max))
	fmt.Fprintf(&b, "| baseline: send inside the request, then 202 | %s | **%s** | %s |\n\n", ms(db.P50), ms(db.P99), ms(db.Max))
	fmt.Fprintf(&b, "Our p99 is **%.0f× lower** (%s of the baseline's). ", float64(db.P99)/float64(max(do.P99, 1)), pct(float64(do.P99)/float64(db.P99)))
	fmt.Fprintf(&b, "The baseline exists only in this benchmark (internal/tools/bench/inline.go): the way Supabase Auth's /recover works, it answers after the SMTP server's 250, on a new SMTP connection per mail. It is the kindest form of that design: it commits the request row before sending, so the slow send holds no database connection, and it skips the account lookup. Latency counts from each request's scheduled start (open loop). Ours delivered %d of the mails during the run; the rest were still queued, as they should be: at %s per message one worker's %d SMTP connections deliver about %.0f/s, and the API's answer does not wait for them.\n",
		delivered, sz.InlineLatency, h.workerDefaults.SMTPMaxConnections, float64(h.workerDefaults.SMTPMaxConnections)/sz.InlineLatency.Seconds())
	return b.String(), nil
}

// perUnit is a group's CPU time per unit of work (mail, job, request).
func perUnit(c cpuSplit, group string, perSecond float64) string {
	return fmt.Sprintf("%.0f µs", c.Cores[group]*1e6/perSecond)
}
