package dashboard

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"riverqueue.com/riverui"
)

// Prefix is where the dashboard is mounted in the API.
const Prefix = "/admin/jobs"

// RiverUIIdle is how long River UI keeps running after its last request.
// While it runs, River UI recounts jobs in the background about every ten
// seconds; a compute that suspends after five quiet minutes (Neon) would
// never suspend. So it starts on the first request and stops after a
// minute without one: an open dashboard tab polls, so it stays up while
// someone watches, and an API nobody calls runs no query.
const RiverUIIdle = time.Minute

// NewRiverUI returns River UI over client, mounted at Prefix, with job args
// hidden by default: they hold no secrets, but on-call rarely needs them
// and an address, even masked, is personal data. Its options are checked
// here; it starts on the first request and stops after idle without one
// (RiverUIIdle when idle is zero), and for good when ctx ends.
func NewRiverUI(ctx context.Context, client *river.Client[pgx.Tx], logger *slog.Logger, idle time.Duration) (http.Handler, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if idle <= 0 {
		idle = RiverUIIdle
	}
	build := func() (*riverui.Handler, error) {
		h, err := riverui.NewHandler(&riverui.HandlerOpts{
			Endpoints:                riverui.NewEndpoints(client, nil),
			JobListHideArgsByDefault: true,
			Logger:                   logger,
			Prefix:                   Prefix,
		})
		if err != nil {
			return nil, fmt.Errorf("create river ui: %w", err)
		}
		return h, nil
	}
	// A bad option fails the start, not on-call's first click.
	if _, err := build(); err != nil {
		return nil, err
	}
	return &lazyUI{ctx: ctx, build: build, idle: idle, logger: logger}, nil
}

// lazyUI runs one River UI handler while requests come, and none between
// them. A stopped handler is not restarted: each active period builds a
// fresh one, since River UI documents no restart after its context ends.
type lazyUI struct {
	ctx    context.Context
	build  func() (*riverui.Handler, error)
	idle   time.Duration
	logger *slog.Logger

	mu       sync.Mutex
	current  http.Handler
	stop     context.CancelFunc
	lastUsed time.Time
	timer    *time.Timer
}

func (l *lazyUI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h, err := l.acquire()
	if err != nil {
		l.logger.Error("river ui did not start", slog.Any("err", err))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`{"error":{"code":"unavailable","message":"the job dashboard could not start; see the API's log"}}`))
		return
	}
	h.ServeHTTP(w, r)
}

func (l *lazyUI) acquire() (http.Handler, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lastUsed = time.Now()
	if l.current != nil {
		return l.current, nil
	}
	if err := l.ctx.Err(); err != nil {
		return nil, err
	}
	h, err := l.build()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(l.ctx)
	if err := h.Start(ctx); err != nil {
		cancel()
		return nil, fmt.Errorf("start river ui: %w", err)
	}
	l.current, l.stop = h, cancel
	l.timer = time.AfterFunc(l.idle, l.expire)
	return h, nil
}

// expire stops the handler once idle has passed since the last request;
// a request that came meanwhile moves the deadline instead.
func (l *lazyUI) expire() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.current == nil {
		return
	}
	if rest := l.idle - time.Since(l.lastUsed); rest > 0 {
		l.timer.Reset(rest)
		return
	}
	l.stop()
	l.current, l.stop, l.timer = nil, nil, nil
}
