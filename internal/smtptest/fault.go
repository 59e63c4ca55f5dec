package smtptest

import (
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Stages at which Options.Fault is consulted.
const (
	// StageHelo is EHLO or HELO, when the session starts. A Code here is the
	// reply to EHLO.
	StageHelo = "helo"
	// StageMail is MAIL FROM.
	StageMail = "mail"
	// StageRcpt is RCPT TO.
	StageRcpt = "rcpt"
	// StageData is the message body. go-smtp always answers the DATA command
	// itself with 354, so a Code here is the reply after the final "."
	// (a client reports it at its "body" stage), and Drop closes the
	// connection after reading part of the body, without any reply.
	StageData = "data"
)

// Attempt describes the command a fault hook is asked about.
type Attempt struct {
	// Stage is one of the Stage constants.
	Stage string
	// From is the envelope sender, once MAIL FROM was given.
	From string
	// To is the recipient at StageRcpt and the first recipient at StageData.
	To string
	// Seq is the 1-based number of this attempt among all attempts at the
	// same stage since Start.
	Seq int64
	// Conn is the 1-based number of the connection, in accept order.
	Conn int64
}

// Fault is what a fault hook asks the server to do instead of answering
// normally. The zero Fault means "answer normally".
type Fault struct {
	// Code is the SMTP reply code to answer with, such as 451 or 550.
	// Default 0 answers normally.
	Code int
	// EnhancedCode is the RFC 3463 code, such as "4.3.0". Default "" lets
	// go-smtp derive "X.0.0" from Code.
	EnhancedCode string
	// Text is the reply text. Default "" uses "injected fault".
	Text string
	// Drop closes the connection without a reply. Default false.
	Drop bool
	// Delay waits this long before answering (or dropping), up to Close or
	// Down. Default 0 answers at once; a long Delay makes a hung server.
	Delay time.Duration
}

// FaultFunc decides, per attempt, whether to inject a fault. It is called
// from connection goroutines concurrently and must be safe for that.
type FaultFunc func(Attempt) Fault

// TempFailFirst answers the first n RCPT attempts of each recipient with
// "451 4.3.0 <to>: try again later", the way greylisting does.
func TempFailFirst(n int) FaultFunc {
	var mu sync.Mutex
	seen := map[string]int{}
	return func(a Attempt) Fault {
		if a.Stage != StageRcpt {
			return Fault{}
		}
		mu.Lock()
		seen[a.To]++
		count := seen[a.To]
		mu.Unlock()
		if count <= n {
			return Fault{Code: 451, EnhancedCode: "4.3.0", Text: "<" + a.To + ">: try again later"}
		}
		return Fault{}
	}
}

// RejectRecipients answers RCPT with "550 5.1.1 <to>: user unknown" for
// every recipient that match reports. The reply echoes the address, as real
// providers do, so clients can be tested for masking it.
func RejectRecipients(match func(to string) bool) FaultFunc {
	return func(a Attempt) Fault {
		if a.Stage == StageRcpt && match(a.To) {
			return Fault{Code: 550, EnhancedCode: "5.1.1", Text: "<" + a.To + ">: user unknown"}
		}
		return Fault{}
	}
}

// RejectDomain is RejectRecipients for every address at domain.
func RejectDomain(domain string) FaultFunc {
	suffix := "@" + strings.ToLower(domain)
	return RejectRecipients(func(to string) bool { return strings.HasSuffix(strings.ToLower(to), suffix) })
}

// DropDataFirst drops the connection in the middle of the first n message
// bodies.
func DropDataFirst(n int) FaultFunc {
	var count atomic.Int64
	return func(a Attempt) Fault {
		if a.Stage == StageData && count.Add(1) <= int64(n) {
			return Fault{Drop: true}
		}
		return Fault{}
	}
}

// DropDataRate drops the connection in the middle of a message body with
// probability p (0 to 1).
func DropDataRate(p float64) FaultFunc {
	return func(a Attempt) Fault {
		if a.Stage == StageData && rand.Float64() < p {
			return Fault{Drop: true}
		}
		return Fault{}
	}
}

// At injects f at every attempt of one stage, for example
// At(StageMail, Fault{Code: 421, Text: "too busy"}).
func At(stage string, f Fault) FaultFunc {
	return func(a Attempt) Fault {
		if a.Stage == stage {
			return f
		}
		return Fault{}
	}
}

// Chain consults each hook in order and returns the first non-zero Fault.
func Chain(hooks ...FaultFunc) FaultFunc {
	return func(a Attempt) Fault {
		for _, h := range hooks {
			if h == nil {
				continue
			}
			if f := h(a); f != (Fault{}) {
				return f
			}
		}
		return Fault{}
	}
}
