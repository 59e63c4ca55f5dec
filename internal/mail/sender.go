package mail

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/todoapp/resetmail/internal/redact"
)

// Sender delivers composed messages over a pool of SMTP connections. It is
// safe for concurrent use; create one per process and share it between job
// workers.
type Sender struct {
	t       *transport
	log     *slog.Logger
	sem     chan struct{}
	limiter *rate.Limiter
	backoff *backoff
	stats   senderCounters

	mu     sync.Mutex
	idle   []*conn
	closed bool
}

// SenderStats are counters since NewSender, for metrics and tests.
type SenderStats struct {
	// Sent counts messages the server accepted.
	Sent uint64
	// Failed counts Sends that returned an error.
	Failed uint64
	// Dials counts connection attempts that reached the network.
	Dials uint64
	// DialsSuppressed counts connection attempts skipped because of the
	// dial backoff.
	DialsSuppressed uint64
	// StaleRetries counts pooled connections found closed by the server and
	// replaced within the same Send.
	StaleRetries uint64
	// Pipelined counts transactions that sent MAIL, RCPT and DATA in one
	// write.
	Pipelined uint64
}

// senderCounters backs SenderStats with atomics so that counting never
// takes a lock on the hot path.
type senderCounters struct {
	sent, failed, dials, suppressed, stale, pipelined atomic.Uint64
}

// NewSender fills defaults, validates cfg (listing every problem in one
// error) and returns a Sender. It does not connect; the first Send does.
func NewSender(cfg SenderConfig) (*Sender, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	s := &Sender{
		t:       newTransport(cfg),
		log:     cfg.Logger.With(slog.String("smtp_server", cfg.addr())),
		sem:     make(chan struct{}, cfg.MaxConnections),
		backoff: &backoff{min: cfg.DialBackoffMin, max: cfg.DialBackoffMax},
	}
	if cfg.RateLimit > 0 {
		// A burst of one second's worth lets a quiet Sender start at full
		// speed without exceeding the average.
		s.limiter = rate.NewLimiter(rate.Limit(cfg.RateLimit), max(1, int(math.Ceil(cfg.RateLimit))))
	}
	return s, nil
}

// Send delivers msg (as built by Compose) from envelopeFrom to one
// recipient. It returns nil once the server accepted the message, or a
// *SendError; IsPermanent tells whether a retry can help. It never outlives
// ctx: a cancelled or expired context closes the connection in use.
//
// A pooled connection that the server closed while idle is replaced within
// the same call, provided nothing of the message was sent, so the caller
// never sees that failure and the message is never delivered twice.
func (s *Sender) Send(ctx context.Context, envelopeFrom, to string, msg []byte) error {
	err := s.send(ctx, envelopeFrom, to, msg)
	if err != nil {
		s.stats.failed.Add(1)
		err.Recipient = redact.Email(to)
		if err.Server == "" {
			err.Server = s.t.addr
		}
		return err
	}
	s.stats.sent.Add(1)
	return nil
}

// send does the work of Send; Send adds the recipient to the error.
func (s *Sender) send(ctx context.Context, from, to string, msg []byte) *SendError {
	if err := checkAddress(from); err != nil {
		return &SendError{Stage: StageMail, Text: "envelope sender: " + err.Error()}
	}
	if err := checkAddress(to); err != nil {
		return &SendError{Stage: StageRcpt, Text: "recipient: " + err.Error()}
	}
	if len(msg) == 0 {
		return &SendError{Stage: StageBody, Text: "message is empty"}
	}
	if s.limiter != nil {
		if err := s.limiter.Wait(ctx); err != nil {
			return &SendError{Temporary: true, Stage: StageWait, Text: "rate limit: " + describe(err), Err: err}
		}
	}
	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		return &SendError{Temporary: true, Stage: StageWait, Text: "no free connection: " + describe(ctx.Err()), Err: ctx.Err()}
	}
	defer func() { <-s.sem }()

	c, reused, err := s.get(ctx)
	if err != nil {
		return err
	}
	res := s.transact(ctx, c, reused, from, to, msg)
	if res.stale && ctxErr(ctx) == nil {
		s.stats.stale.Add(1)
		s.log.Debug("pooled smtp connection was closed by the server; redialling", slog.String("error", res.err.Error()))
		c.close()
		if c, err = s.dial(ctx); err != nil {
			return err
		}
		res = s.transact(ctx, c, false, from, to, msg)
	}
	if res.healthy {
		s.put(c)
	} else {
		c.close()
	}
	if res.err != nil {
		return res.err
	}
	return nil
}

// transact runs one transaction under ctx's watch.
func (s *Sender) transact(ctx context.Context, c *conn, reused bool, from, to string, msg []byte) txResult {
	stop := c.watch(ctx)
	res := c.transact(ctx, s.t.cfg.CommandTimeout, reused, from, to, msg)
	if res.pipelined {
		s.stats.pipelined.Add(1)
	}
	if !stop() {
		// ctx ended during the transaction and closed the connection.
		res.healthy, res.stale = false, false
		if res.err == nil {
			// The server accepted the message before the close; report
			// success, since the message was delivered.
			return res
		}
	}
	if res.err != nil {
		res.err = s.t.fail(ctx, res.err)
	}
	return res
}

// get returns a pooled connection (reused is true) or a new one. Idle
// connections past IdleTimeout are closed rather than reused: the server has
// probably dropped them, and finding out costs a round trip.
func (s *Sender) get(ctx context.Context) (c *conn, reused bool, err *SendError) {
	now := time.Now()
	var expired []*conn
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, false, &SendError{Temporary: true, Stage: StageWait, Err: ErrSenderClosed}
	}
	kept := s.idle[:0]
	for _, ic := range s.idle {
		if now.Sub(ic.lastUsed) > s.t.cfg.IdleTimeout {
			expired = append(expired, ic)
		} else {
			kept = append(kept, ic)
		}
	}
	clear(s.idle[len(kept):])
	s.idle = kept
	if n := len(s.idle); n > 0 {
		// Last in, first out: the most recently used connection is the
		// likeliest to still be open.
		c = s.idle[n-1]
		s.idle[n-1] = nil
		s.idle = s.idle[:n-1]
	}
	s.mu.Unlock()

	for _, ic := range expired {
		_ = ic.quit(false, time.Second)
	}
	if c != nil {
		return c, true, nil
	}
	c, err = s.dial(ctx)
	return c, false, err
}

// dial opens a new connection unless the dial backoff says to wait, in
// which case it fails at once with a transient error wrapping the failure
// that started the pause.
func (s *Sender) dial(ctx context.Context) (*conn, *SendError) {
	ticket, wait, last, ok := s.backoff.allow(time.Now())
	if !ok {
		s.stats.suppressed.Add(1)
		text := "another connection attempt is in progress after: " + shortText(last)
		if wait > 0 {
			text = "backing off " + wait.Round(time.Millisecond).String() + " after: " + shortText(last)
		}
		return nil, &SendError{Temporary: true, Stage: StageDial, Server: s.t.addr, Text: text, Err: last}
	}
	s.stats.dials.Add(1)
	c, err := s.t.open(ctx, nil)
	if err == nil {
		s.backoff.succeeded(ticket)
		return c, nil
	}
	var se *SendError
	if !errors.As(err, &se) {
		se = netError(StageDial, err)
	}
	switch {
	case ctxErr(ctx) != nil:
		// The caller gave up; that says nothing about the server.
		s.backoff.released(ticket)
	case !se.Temporary:
		// A permanent failure (bad password, no STARTTLS) proves the
		// server is up; pausing would only hide the real error.
		s.backoff.succeeded(ticket)
	default:
		// The backoff keeps its own copy: Send adds the recipient to se,
		// and other goroutines read the backoff's error concurrently.
		if pause := s.backoff.failed(ticket, se, time.Now(), 0); pause > 0 {
			s.log.Warn("smtp connection failed; pausing new connections",
				slog.String("error", se.Error()), slog.Duration("pause", pause))
		}
	}
	return nil, se
}

// put returns a healthy connection to the pool, or closes it when the
// Sender is closed.
func (s *Sender) put(c *conn) {
	c.lastUsed = time.Now()
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = c.quit(false, time.Second)
		return
	}
	s.idle = append(s.idle, c)
	s.mu.Unlock()
}

// Close closes the idle connections and makes later Sends fail. Sends in
// flight finish, and their connections are closed when they return.
func (s *Sender) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	idle := s.idle
	s.idle = nil
	s.mu.Unlock()
	for _, c := range idle {
		_ = c.quit(false, time.Second)
	}
	return nil
}

// Stats returns the counters since NewSender.
func (s *Sender) Stats() SenderStats {
	return SenderStats{
		Sent:            s.stats.sent.Load(),
		Failed:          s.stats.failed.Load(),
		Dials:           s.stats.dials.Load(),
		DialsSuppressed: s.stats.suppressed.Load(),
		StaleRetries:    s.stats.stale.Load(),
		Pipelined:       s.stats.pipelined.Load(),
	}
}

// shortText is the reason part of an error, without the "smtp dial host:"
// prefix, for nesting inside another message.
func shortText(se *SendError) string {
	if se == nil {
		return "an earlier failure"
	}
	if se.Text != "" {
		return se.Text
	}
	if se.Err != nil {
		return describe(se.Err)
	}
	return "an earlier failure"
}
