package providertest

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Throttle is the provider's documented 429, with Retry-After.
func (s *Server) Throttle(retryAfter time.Duration) Reply {
	h := http.Header{}
	h.Set("Retry-After", strconv.Itoa(max(1, int(retryAfter.Round(time.Second)/time.Second))))
	switch s.opts.Kind {
	case Resend:
		h.Set("Ratelimit-Limit", "2")
		h.Set("Ratelimit-Remaining", "0")
		h.Set("Ratelimit-Reset", h.Get("Retry-After"))
		return Reply{Status: 429, Code: "rate_limit_exceeded", Message: "Too many requests. You can only make 2 requests per second.", Header: h}
	case Postmark:
		return Reply{Status: 429, Code: "429", Message: "Rate limit exceeded.", Header: h}
	case Graph:
		return Reply{Status: 429, Code: "ApplicationThrottled", Message: "Application is over its MailboxConcurrency limit.", Header: h}
	}
	return Reply{Status: 429, Code: "TooManyRequestsException", Message: "Maximum sending rate exceeded.", Header: h}
}

// InternalError is a 500.
func (s *Server) InternalError() Reply {
	switch s.opts.Kind {
	case Resend:
		return Reply{Status: 500, Code: "application_error", Message: "An unexpected error occurred."}
	case Postmark:
		return Reply{Status: 500, Code: "0", Message: "Internal server error."}
	case Graph:
		return Reply{Status: 500, Code: "InternalServerError", Message: "An internal server error occurred."}
	}
	return Reply{Status: 500, Code: "InternalFailure", Message: "The request processing has failed because of an unknown error."}
}

// Unavailable is a 503, as during an outage.
func (s *Server) Unavailable() Reply {
	switch s.opts.Kind {
	case Resend:
		return Reply{Status: 503, Code: "service_unavailable", Message: "Service unavailable."}
	case Postmark:
		return Reply{Status: 503, Code: "0", Message: "Service unavailable."}
	case Graph:
		return Reply{Status: 503, Code: "ServiceUnavailable", Message: "Service Unavailable"}
	}
	return Reply{Status: 503, Code: "ServiceUnavailable", Message: "Service is unavailable."}
}

// RejectRecipient is the provider's permanent refusal of one message:
// Resend 422, Postmark 406 (inactive recipient), SES MessageRejected.
func (s *Server) RejectRecipient() Reply {
	switch s.opts.Kind {
	case Resend:
		return Reply{Status: 422, Code: "validation_error", Message: "Invalid `to` field. The email address needs to follow the `email@example.com` or `Name <email@example.com>` format."}
	case Graph:
		return Reply{Status: 400, Code: "ErrorInvalidRecipients", Message: "At least one recipient is not valid., Recipient 'bounced@example.com' is not resolved. All recipients must be resolved before a message can be submitted."}
	case Postmark:
		return Reply{Status: 422, Code: "406", Message: "You tried to send to recipient(s) that have been marked as inactive. Found inactive addresses: bounced@example.com. Inactive recipients are ones that have generated a hard bounce, a spam complaint, or a manual suppression."}
	}
	return Reply{Status: 400, Code: "MessageRejected", Message: "Email address is not verified. The following identities failed the check in region EU-WEST-1: bounced@example.com"}
}

// Forbidden is Graph's 403 when the app lacks Mail.Send or an
// application access policy excludes the mailbox.
func (s *Server) Forbidden() Reply {
	return Reply{Status: 403, Code: "ErrorAccessDenied", Message: "Access is denied. Check credentials and try again."}
}

// Always answers rep to every send.
func Always(rep Reply) Fault {
	return func(int64, *http.Request) *Reply { return &rep }
}

// Weighted answers each reply with its probability, else normally, from a
// seeded generator so that a run can be repeated.
func Weighted(seed uint64, choices ...Choice) Fault {
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	return func(int64, *http.Request) *Reply {
		mu.Lock()
		x := rng.Float64()
		mu.Unlock()
		for _, c := range choices {
			if x < c.P {
				rep := c.Reply
				return &rep
			}
			x -= c.P
		}
		return nil
	}
}

// Choice is one reply of Weighted and its probability.
type Choice struct {
	P     float64
	Reply Reply
}
