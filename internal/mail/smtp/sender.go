package smtp

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/todoapp/resetmail/internal/mail"
	"github.com/todoapp/resetmail/internal/mail/addr"
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
	stats   senderCounters

	mu     sync.Mutex
	idle   []*conn
	closed bool
}

// senderCounters count, since NewSender, what the tests of this package
// check: messages accepted and failed, connection attempts, pooled
// connections found closed and replaced within a Send, and pipelined
// transactions. Atomics, so that counting never takes a lock on the hot
// path.
type senderCounters struct {
	sent, failed, dials, stale, pipelined atomic.Uint64
}

// NewSender fills defaults, validates cfg (listing every problem in one
// error) and returns a Sender. It does not connect; the first Send does.
func NewSender(cfg SenderConfig) (*Sender, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	s := &Sender{
		t:   newTransport(cfg),
		log: cfg.Logger.With(slog.String("smtp_server", cfg.addr())),
		sem: make(chan struct{}, cfg.MaxConnections),
	}
	if cfg.RateLimit > 0 {
		// A burst of one second's worth lets a quiet Sender start at full
		// speed without exceeding the average.
		s.limiter = rate.NewLimiter(rate.Limit(cfg.RateLimit), max(1, int(math.Ceil(cfg.RateLimit))))
	}
	return s, nil
}

// Send delivers msg (as built by mail.Compose) from envelopeFrom to one
// recipient. It returns nil once the server accepted the message, or a
// *mail.SendError whose class (mail.Classify) tells whether a retry can help. It never outlives
// ctx: a cancelled or expired context closes the connection in use.
//
// A pooled connection that the server closed while idle is replaced within
// the same call, provided nothing of the message was sent, so the caller
// never sees that failure and the message is never delivered twice.
func (s *Sender) Send(ctx context.Context, envelopeFrom, to string, msg []byte) error {
	// The addresses go into "MAIL FROM:<...>" and "RCPT TO:<...>": check
	// them with the one address rule (addr.Check, its part that needs no
	// parser, since these are bare addresses already). The Provider's path
	// skips this, since Compose checked the same addresses.
	if err := addr.Check(envelopeFrom); err != nil {
		return s.failed(&mail.SendError{Stage: mail.StageMail, Text: "envelope sender " + err.Error()}, to)
	}
	if err := addr.Check(to); err != nil {
		return s.failed(&mail.SendError{Stage: mail.StageRcpt, Text: "recipient " + err.Error()}, to)
	}
	return s.deliver(ctx, envelopeFrom, to, msg, mail.Hold{})
}

// deliver is Send for the Provider, whose addresses Compose checked, and
// which passes the Gateway's Hold: a send
// that waited for a free connection while the Gateway paused for an outage
// fails fast with the Gateway's error instead of dialling.
func (s *Sender) deliver(ctx context.Context, envelopeFrom, to string, msg []byte, hold mail.Hold) error {
	if err := s.send(ctx, envelopeFrom, to, msg, hold); err != nil {
		return s.failed(err, to)
	}
	s.stats.sent.Add(1)
	return nil
}

// failed counts a failed send and completes its error.
func (s *Sender) failed(err *mail.SendError, to string) error {
	s.stats.failed.Add(1)
	err = classified(err)
	err.Recipient = redact.Email(to)
	if err.Server == "" {
		err.Server = s.t.addr
	}
	return err
}

// send does the work of Send; Send adds the recipient to the error.
func (s *Sender) send(ctx context.Context, from, to string, msg []byte, hold mail.Hold) *mail.SendError {
	if len(msg) == 0 {
		return &mail.SendError{Stage: mail.StageBody, Text: "message is empty"}
	}
	if s.limiter != nil {
		if err := s.limiter.Wait(ctx); err != nil {
			return &mail.SendError{Temporary: true, Stage: mail.StageWait, Text: "rate limit: " + mail.Describe(err), Err: err}
		}
	}
	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		return &mail.SendError{Temporary: true, Stage: mail.StageWait, Text: "no free connection: " + mail.Describe(ctx.Err()), Err: ctx.Err()}
	}
	defer func() { <-s.sem }()

	c, reused, err := s.get(ctx, hold)
	if err != nil {
		return err
	}
	res := s.transact(ctx, c, reused, from, to, msg)
	if res.stale && mail.ContextErr(ctx) == nil {
		s.stats.stale.Add(1)
		s.log.Debug("pooled smtp connection was closed by the server; redialling", slog.String("error", res.err.Error()))
		c.close()
		if c, err = s.dial(ctx, hold); err != nil {
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
func (s *Sender) get(ctx context.Context, hold mail.Hold) (c *conn, reused bool, err *mail.SendError) {
	now := time.Now()
	var expired []*conn
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, false, &mail.SendError{Temporary: true, Stage: mail.StageWait, Err: ErrSenderClosed}
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
	c, err = s.dial(ctx, hold)
	return c, false, err
}

// dial opens a new connection unless hold says the Gateway paused sends
// since this one was let through. It keeps no pause of its own: the
// Gateway in front of every provider owns the one backoff (a shared pause
// while the server is down, one probe at a time).
func (s *Sender) dial(ctx context.Context, hold mail.Hold) (*conn, *mail.SendError) {
	if se := hold.Err(); se != nil {
		return nil, se
	}
	s.stats.dials.Add(1)
	c, err := s.t.open(ctx, nil)
	if err == nil {
		return c, nil
	}
	var se *mail.SendError
	if !errors.As(err, &se) {
		se = netError(mail.StageDial, err)
	}
	if se.Temporary && mail.ContextErr(ctx) == nil {
		s.log.Debug("smtp connection failed", slog.String("error", se.Error()))
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
