package mail

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/todoapp/resetmail/internal/redact"
)

// Defaults for GatewayConfig fields left at their zero value.
const (
	// DefaultOutagePauseMin is the first pause after the provider was found
	// down or refusing everything.
	DefaultOutagePauseMin = 250 * time.Millisecond
	// DefaultOutagePauseMax caps the pause between probes of a provider
	// that is down. It bounds how late mail resumes after recovery: one
	// probe at most this long after, plus the jobs' snooze.
	DefaultOutagePauseMax = 4 * time.Second
	// DefaultConfigPause is the pause between probes while the provider
	// refuses our configuration (a bad key, AUTH refused), so that a
	// rejected credential is not retried hundreds of times a second.
	DefaultConfigPause = 15 * time.Second
	// problemLogEvery is how often a standing configuration problem is
	// logged again.
	problemLogEvery = time.Minute
)

// Limiter is a send-rate cap shared with other workers. Wait blocks until a
// message may go out; Slow tells every worker the provider asked to wait d.
type Limiter interface {
	Wait(ctx context.Context) error
	Slow(ctx context.Context, d time.Duration)
}

// ProblemObserver hears about failures that are not one message's fault,
// for metrics; internal/metrics implements it.
type ProblemObserver interface {
	// ProviderProblem counts one failed call of class ClassConfig,
	// ClassOutage or ClassThrottled. A Gateway has one provider, so the
	// observer knows it already (metrics label it through the registry).
	ProviderProblem(class string)
}

// GatewayConfig configures NewGateway.
type GatewayConfig struct {
	// Provider delivers the mail. Required.
	Provider Provider
	// Limiter caps the send rate across workers. Default nil: no cap.
	Limiter Limiter
	// Observer counts provider problems. Default nil discards.
	Observer ProblemObserver
	// Logger receives problems, at most once a minute each. Default nil
	// discards.
	Logger *slog.Logger
	// OutagePauseMin and OutagePauseMax bound the shared pause while the
	// provider is down. Defaults 250ms and 4s.
	OutagePauseMin, OutagePauseMax time.Duration
	// ConfigPause is the pause between probes while the provider refuses
	// our configuration. Default 15s.
	ConfigPause time.Duration
}

// Gateway is what the job workers send through, whatever the provider. It
// adds what every provider needs: the shared send-rate cap, a shared pause
// while the provider is down, refusing everything or refusing our
// configuration (one probe at a time instead of every job hammering it),
// and the configuration problem /readyz reports. Safe for concurrent use.
type Gateway struct {
	p        Provider
	limiter  Limiter
	observer ProblemObserver
	log      *slog.Logger
	// gate is the shared pause after an outage or a configuration failure,
	// and the hold after a 429.
	gate *backoff
	// configPause is the pause after a configuration failure, which does
	// not double: fixing the configuration does not take longer each time.
	configPause time.Duration

	mu          sync.Mutex
	problem     *SendError
	problemLog  time.Time
	problemText string
}

// NewGateway validates cfg.
func NewGateway(cfg GatewayConfig) (*Gateway, error) {
	if cfg.Provider == nil {
		return nil, errors.New("mail: gateway needs a provider")
	}
	if cfg.OutagePauseMin <= 0 {
		cfg.OutagePauseMin = DefaultOutagePauseMin
	}
	if cfg.OutagePauseMax <= 0 {
		cfg.OutagePauseMax = DefaultOutagePauseMax
	}
	if cfg.OutagePauseMin > cfg.OutagePauseMax {
		return nil, errors.New("mail: gateway outage pause min is above max")
	}
	if cfg.ConfigPause <= 0 {
		cfg.ConfigPause = DefaultConfigPause
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Gateway{
		p: cfg.Provider, limiter: cfg.Limiter, observer: cfg.Observer,
		log:         cfg.Logger.With(slog.String("mail_provider", cfg.Provider.Name())),
		gate:        &backoff{min: cfg.OutagePauseMin, max: cfg.OutagePauseMax},
		configPause: cfg.ConfigPause,
	}, nil
}

// Provider returns the provider's name.
func (g *Gateway) Provider() string { return g.p.Name() }

// Send delivers m, or returns a *SendError that Classify understands. While
// the provider is paused it fails at once with the error that caused the
// pause, carrying its class, so the job is snoozed the same way.
func (g *Gateway) Send(ctx context.Context, m Outgoing) (Receipt, error) {
	ticket, wait, last, ok := g.gate.allow(time.Now())
	if !ok {
		held := heldError(last, wait)
		held.Recipient = redact.Email(m.To)
		return Receipt{}, held
	}
	m.Hold = Hold{b: g.gate, gen: ticket.gen}
	if g.limiter != nil {
		if err := g.limiter.Wait(ctx); err != nil {
			g.gate.released(ticket)
			var se *SendError
			if errors.As(err, &se) {
				held := *se
				held.Provider = g.p.Name()
				held.Recipient = redact.Email(m.To)
				return Receipt{}, &held
			}
			return Receipt{}, &SendError{Provider: g.p.Name(), Temporary: true, Class: ClassTransient, Stage: StageWait, Text: "send-rate cap: " + Describe(err), Err: err, Recipient: redact.Email(m.To)}
		}
	}
	receipt, err := g.p.Send(ctx, m)
	now := time.Now()
	if err == nil {
		g.gate.succeeded(ticket)
		g.clearProblem()
		if receipt.Provider == "" {
			receipt.Provider = g.p.Name()
		}
		return receipt, nil
	}
	var se *SendError
	if !errors.As(err, &se) {
		se = &SendError{Temporary: true, Stage: StageAPI, Err: err}
	}
	if se.Provider == "" {
		se.Provider = g.p.Name()
	}
	if se.held {
		// The provider stopped before the network because of a pause
		// that another attempt started: nothing new was learnt.
		g.gate.released(ticket)
		return Receipt{}, se
	}
	switch class := Classify(se); class {
	case ClassConfig:
		g.gate.failed(ticket, se, now, g.configPause)
		g.setProblem(se, now)
		g.countProblem(class)
	case ClassOutage:
		if ContextErr(ctx) != nil {
			g.gate.released(ticket)
			break
		}
		if pause := g.gate.failed(ticket, se, now, 0); pause > 0 {
			g.log.Warn("mail provider unavailable; pausing sends", slog.String("error", se.Error()), slog.Duration("pause", pause))
		}
		g.countProblem(class)
	case ClassThrottled:
		d := max(se.RetryAfter, time.Second)
		g.gate.hold(ticket, se, now.Add(d))
		if g.limiter != nil {
			g.limiter.Slow(context.WithoutCancel(ctx), d)
		}
		g.countProblem(class)
	default:
		// One message's problem says the provider works.
		g.gate.succeeded(ticket)
	}
	return Receipt{}, se
}

// Hold lets a provider that queues sends internally (the SMTP pool waits
// for a free connection) ask, just before it opens a connection, whether
// the Gateway paused sends since this attempt was let through. The Gateway
// owns the one backoff; this is how a send that queued before an outage
// began fails fast instead of dialling a server that is known to be down.
// The zero Hold never holds.
type Hold struct {
	b   *backoff
	gen uint64
}

// Err is the error a held send returns (the failure that started the
// pause, without a recipient), or nil when the attempt may go on.
func (h Hold) Err() *SendError {
	if h.b == nil {
		return nil
	}
	last, wait, ok := h.b.heldSince(h.gen, time.Now())
	if !ok {
		return nil
	}
	return heldError(last, wait)
}

// heldError is what a send held back by the pause that last started
// returns: last's class and code, and how long is left.
func heldError(last *SendError, wait time.Duration) *SendError {
	held := *last
	held.held = true
	held.RetryAfter = max(held.RetryAfter, wait)
	held.Text = "holding back after: " + shortText(last)
	if wait > 0 {
		held.Text = "holding back " + wait.Round(time.Millisecond).String() + " after: " + shortText(last)
	}
	return &held
}

// Problem is the configuration or account problem the provider last
// reported, or nil once a mail went through since. /readyz serves it.
func (g *Gateway) Problem() *SendError {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.problem
}

func (g *Gateway) setProblem(se *SendError, now time.Time) {
	text := se.Error()
	g.mu.Lock()
	g.problem = withoutRecipient(se)
	logIt := text != g.problemText || now.Sub(g.problemLog) >= problemLogEvery
	if logIt {
		g.problemLog, g.problemText = now, text
	}
	g.mu.Unlock()
	if logIt {
		g.log.Error("mail provider refuses our configuration; mail is held (no attempt used) until it is fixed",
			slog.String("error", text), slog.String("hint", "run `worker check-mail`"))
	}
}

func (g *Gateway) clearProblem() {
	g.mu.Lock()
	had := g.problem != nil
	g.problem, g.problemText = nil, ""
	g.mu.Unlock()
	if had {
		g.log.Info("mail provider accepts our configuration again")
	}
}

func (g *Gateway) countProblem(class string) {
	if g.observer != nil {
		g.observer.ProviderProblem(class)
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
		return Describe(se.Err)
	}
	return "an earlier failure"
}
