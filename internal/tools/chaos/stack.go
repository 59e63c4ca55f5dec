package main

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/todoapp/resetmail/internal/smtptest"
	"github.com/todoapp/resetmail/internal/stack"
	"github.com/todoapp/resetmail/internal/testdb"
)

// plan is what a drill sets up before it acts: its processes, the accounts
// they serve, and the scenario as its report states it.
type plan struct {
	// drill names the drill in process names; drillRun.start fills it in.
	drill string
	// sink configures the SMTP sink; its Fault hook is wrapped to count
	// RCPT attempts per recipient.
	sink smtptest.Options
	// env are extra variables for both binaries, key, value, key, value…,
	// reported as the drill's settings.
	env []string
	// workers is how many worker processes to start.
	workers int
	// db, when set, is used instead of a fresh database on the shared
	// server; the caller owns it.
	db *testdb.DB
	// users get an account each before anything runs.
	users []string
	// scenario says in one line what the drill does, with the sizes used.
	scenario string
}

// Stack is one drill's world: a database, an SMTP sink, the API and some
// workers, all on loopback.
type Stack struct {
	suite *Suite
	opts  plan
	db    *testdb.DB
	drop  func() error
	sink  *smtptest.Server
	rcpts *rcptCounter
	env   stack.Env
	api   *stack.Process
	http  *http.Client

	mu      sync.Mutex
	workers []*workerProc
	nextID  int
}

// workerProc is a worker process and the window in which it created its
// River client, which is how its client ID in river_job.attempted_by is
// recognised.
type workerProc struct {
	*stack.Process
	started, ready time.Time
}

// baseSettings are what every drill changes from the defaults, so that
// repeated requests are not throttled or rate limited.
func baseSettings() []string {
	// The drills need accounts, not sign-up itself: SIGNUP_VERIFICATION=off
	// creates them at once.
	return []string{"RESET_EMAIL_INTERVAL", "0s", "RATE_LIMIT_ENABLED", "false", "SIGNUP_VERIFICATION", "off"}
}

// newStack starts the sink, the API and opts.workers workers. Close stops
// everything, even after a partial start.
func newStack(ctx context.Context, s *Suite, opts plan) (*Stack, error) {
	if s.Short {
		// CI runs the short drills while other packages' tests share the
		// same Postgres and its 100 connections; small pools keep every
		// drill's processes within a few each.
		opts.env = append([]string{"DATABASE_MAX_CONNS", "4"}, opts.env...)
	}
	st := &Stack{suite: s, opts: opts, rcpts: newRcptCounter()}
	if opts.db != nil {
		st.db = opts.db
	} else {
		db, drop, err := testdb.Create(ctx)
		if err != nil {
			return nil, err
		}
		st.db, st.drop = db, drop
	}
	opts.sink.Fault = st.rcpts.wrap(opts.sink.Fault)
	sink, err := smtptest.Start(opts.sink)
	if err != nil {
		st.Close()
		return nil, err
	}
	st.sink = sink
	st.env = stack.Env{
		"DATABASE_URL":     st.db.URL,
		"PORT":             "0",
		"JWT_SECRET":       jwtSecret,
		"RESET_TOKEN_KEY":  resetKey,
		"FRONTEND_URL":     "https://app.example.com",
		"LOG_LEVEL":        "info",
		"SMTP_HOST":        sink.Host(),
		"SMTP_PORT":        strconv.Itoa(sink.Port()),
		"SMTP_TLS":         "none",
		"SMTP_FROM":        "Todo <no-reply@example.com>",
		"WORKER_HTTP_ADDR": "127.0.0.1:0",
	}.With(baseSettings()...).With(opts.env...)
	st.http = &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 64, MaxIdleConns: 64},
	}
	if st.api, err = stack.StartAPI(ctx, opts.drill+"-api", s.Bins.API, st.env); err != nil {
		st.Close()
		return nil, err
	}
	for range opts.workers {
		if _, err := st.startWorker(ctx); err != nil {
			st.Close()
			return nil, err
		}
	}
	return st, nil
}

// logf writes a progress line under the drill's name.
func (st *Stack) logf(format string, args ...any) { st.suite.logf(st.opts.drill, format, args...) }

// settings lists the environment the drill changed from the defaults.
func (st *Stack) settings() []Figure {
	kv := append(baseSettings(), st.opts.env...)
	out := make([]Figure, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, Figure{Name: kv[i], Value: kv[i+1]})
	}
	return out
}

// startWorker starts one more worker process and remembers when it created
// its River client.
func (st *Stack) startWorker(ctx context.Context) (*workerProc, error) {
	st.mu.Lock()
	st.nextID++
	name := fmt.Sprintf("%s-worker-%d", st.opts.drill, st.nextID)
	st.mu.Unlock()
	started := time.Now().UTC()
	p, err := stack.StartWorker(ctx, name, st.suite.Bins.Worker, st.env)
	if err != nil {
		return nil, err
	}
	w := &workerProc{Process: p, started: started, ready: time.Now().UTC()}
	st.mu.Lock()
	st.workers = append(st.workers, w)
	st.mu.Unlock()
	return w, nil
}

// liveWorkers returns the workers that have not exited.
func (st *Stack) liveWorkers() []*workerProc {
	st.mu.Lock()
	defer st.mu.Unlock()
	var out []*workerProc
	for _, w := range st.workers {
		select {
		case <-w.Done():
		default:
			out = append(out, w)
		}
	}
	return out
}

// owns reports whether River client ID id belongs to w. River's default ID
// is the host name and the UTC time the client was created, to the
// microsecond; workers start one at a time, so their windows never overlap.
func (w *workerProc) owns(id string) bool {
	at, ok := clientIDTime(id)
	return ok && !at.Before(w.started.Truncate(time.Microsecond)) && !at.After(w.ready)
}

// clientIDTime parses the time in River's default client ID,
// "<host>_2006_01_02T15_04_05_000000".
func clientIDTime(id string) (time.Time, bool) {
	const n = len("2006_01_02T15_04_05_000000")
	if len(id) < n {
		return time.Time{}, false
	}
	s := id[len(id)-n:]
	s = s[:19] + "." + s[20:]
	t, err := time.Parse("2006_01_02T15_04_05.000000", s)
	return t, err == nil
}

// Close stops every process, the sink and the database. It is safe after a
// partial start.
func (st *Stack) Close() {
	st.mu.Lock()
	workers := st.workers
	st.mu.Unlock()
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Go(func() { _ = w.Stop(30 * time.Second) })
	}
	if st.api != nil {
		wg.Go(func() { _ = st.api.Stop(30 * time.Second) })
	}
	wg.Wait()
	if st.sink != nil {
		_ = st.sink.Close()
	}
	if st.drop != nil {
		st.db.Pool.Close()
		_ = st.drop()
	}
}

// tail is the end of a process's output, for error messages.
func tail(p *stack.Process, n int) string {
	lines := strings.Split(strings.TrimRight(p.Output(), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// rcptCounter counts RCPT attempts per recipient at the sink, which is how
// a drill proves that a rejected address was tried exactly once.
type rcptCounter struct {
	mu sync.Mutex
	n  map[string]int
}

func newRcptCounter() *rcptCounter { return &rcptCounter{n: map[string]int{}} }

// wrap counts every RCPT and then asks next, if any, for a fault.
func (c *rcptCounter) wrap(next smtptest.FaultFunc) smtptest.FaultFunc {
	return func(a smtptest.Attempt) smtptest.Fault {
		if a.Stage == smtptest.StageRcpt {
			c.mu.Lock()
			c.n[strings.ToLower(a.To)]++
			c.mu.Unlock()
		}
		if next == nil {
			return smtptest.Fault{}
		}
		return next(a)
	}
}

// count returns how many RCPT commands named to.
func (c *rcptCounter) count(to string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[strings.ToLower(to)]
}
