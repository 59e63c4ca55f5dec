// Package wake is the API's side of worker hibernation: after the API
// commits a job it calls Wake, and a Waker POSTs each worker's wake URL in
// the background with the shared bearer token, so that a worker asleep
// (WORKER_IDLE_AFTER) starts working at once instead of at its next sweep.
//
// The caller never waits: Wake only flags each URL. One goroutine per URL
// makes the calls, so a burst of requests is coalesced into a bounded
// number of calls: at most one call, with its retries, at a time per URL,
// and no new call within MinInterval of the last one; wakes flagged
// meanwhile are answered by one trailing call.
package wake

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// Observer hears how wake calls end; metrics.Wake implements it.
type Observer interface {
	// WakeSent is called after a worker accepted a wake.
	WakeSent()
	// WakeFailed is called when a wake gave up after its retries.
	WakeFailed()
}

// Config configures a Waker.
type Config struct {
	// URLs are the workers' wake URLs (WORKER_WAKE_URLS). Empty makes Wake
	// a no-op.
	URLs []string
	// Token is WORKER_WAKE_TOKEN, sent as "Authorization: Bearer <token>".
	// Required with URLs.
	Token string
	// Client makes the calls. Defaults to a client with a 2 s timeout.
	Client *http.Client
	// Attempts is how many times one wake is tried. Defaults to 4.
	Attempts int
	// Backoff is the pause before the second attempt, doubled before each
	// later one, with jitter. Defaults to 100ms.
	Backoff time.Duration
	// MinInterval is the least time between two wake calls to one URL.
	// Defaults to 250ms. It must stay well below the workers'
	// WORKER_IDLE_AFTER (at least 1s): a worker that took a wake stays
	// awake that long, and the trailing call comes within MinInterval.
	MinInterval time.Duration
	// Observer counts outcomes. Optional.
	Observer Observer
	// Logger gets one line per wake that gave up. Defaults to discarding.
	Logger *slog.Logger
}

// Waker wakes the workers. A nil *Waker does nothing, so that an API
// without WORKER_WAKE_URLS needs no special case.
type Waker struct {
	targets []*target
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

type target struct {
	cfg     *Config
	url     string
	display string
	pending chan struct{}
}

// New validates cfg and starts one goroutine per URL; Close stops them.
// With no URLs it returns nil, a Waker that does nothing.
func New(cfg Config) (*Waker, error) {
	if len(cfg.URLs) == 0 {
		return nil, nil
	}
	if cfg.Token == "" {
		return nil, errors.New("wake: a token is required with wake URLs")
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 2 * time.Second}
	}
	if cfg.Attempts <= 0 {
		cfg.Attempts = 4
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = 100 * time.Millisecond
	}
	if cfg.MinInterval <= 0 {
		cfg.MinInterval = 250 * time.Millisecond
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	w := &Waker{cancel: cancel}
	for _, raw := range cfg.URLs {
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			cancel()
			return nil, fmt.Errorf("wake: %q is not an http(s) URL", raw)
		}
		// Logged without a query string, which is no place for a
		// secret but might hold one.
		display := u.Scheme + "://" + u.Host + u.Path
		w.targets = append(w.targets, &target{cfg: &cfg, url: raw, display: display, pending: make(chan struct{}, 1)})
	}
	for _, t := range w.targets {
		w.wg.Go(func() { t.loop(ctx) })
	}
	return w, nil
}

// Wake flags every URL for a call and returns at once.
func (w *Waker) Wake() {
	if w == nil {
		return
	}
	for _, t := range w.targets {
		select {
		case t.pending <- struct{}{}:
		default: // A call is flagged already; it covers this wake too.
		}
	}
}

// Close stops the calls, abandoning any in flight, and waits for the
// goroutines to end.
func (w *Waker) Close() {
	if w == nil {
		return
	}
	w.cancel()
	w.wg.Wait()
}

func (t *target) loop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.pending:
		}
		t.wake(ctx)
		if !sleep(ctx, t.cfg.MinInterval) {
			return
		}
	}
}

// wake calls the URL until it answers 2xx or the attempts run out. A 401
// or 403 is not retried: the token is wrong, and asking again would not
// change that.
func (t *target) wake(ctx context.Context) {
	var err error
	pause := t.cfg.Backoff
	for attempt := 1; attempt <= t.cfg.Attempts; attempt++ {
		var retry bool
		retry, err = t.call(ctx)
		if err == nil {
			if t.cfg.Observer != nil {
				t.cfg.Observer.WakeSent()
			}
			return
		}
		if !retry || attempt == t.cfg.Attempts {
			break
		}
		// ±20 % so that several APIs do not retry in step.
		if !sleep(ctx, time.Duration(float64(pause)*(0.8+0.4*rand.Float64()))) {
			return
		}
		pause *= 2
	}
	if ctx.Err() != nil {
		return
	}
	if t.cfg.Observer != nil {
		t.cfg.Observer.WakeFailed()
	}
	t.cfg.Logger.Warn("worker wake failed; a sleeping worker picks the job up at its next sweep (WORKER_IDLE_SWEEP)",
		slog.String("url", t.display), slog.Any("err", err))
}

func (t *target) call(ctx context.Context) (retry bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.url, nil)
	if err != nil {
		return false, err
	}
	req.Header.Set("Authorization", "Bearer "+t.cfg.Token)
	resp, err := t.cfg.Client.Do(req)
	if err != nil {
		// The error names the URL, never the header.
		return true, err
	}
	_ = resp.Body.Close()
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return false, nil
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return false, fmt.Errorf("status %d: the worker refused WORKER_WAKE_TOKEN; set the same value on the API and the workers", resp.StatusCode)
	default:
		return true, fmt.Errorf("status %d", resp.StatusCode)
	}
}

func sleep(ctx context.Context, d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}
