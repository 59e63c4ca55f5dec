package providertest

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// canned is one provider's documented wording of the failures a test
// injects: a 429, a 500, a 503 and its permanent refusal of a recipient.
type canned struct {
	throttle, internal, unavailable, reject Reply
}

// canned is the wording of the server's kind, one provider a row.
func (s *Server) canned() canned {
	return map[string]canned{
		Resend:   {Reply{429, "rate_limit_exceeded", "Too many requests. You can only make 2 requests per second.", nil}, Reply{500, "application_error", "An unexpected error occurred.", nil}, Reply{503, "service_unavailable", "Service unavailable.", nil}, Reply{422, "validation_error", "Invalid `to` field. The email address needs to follow the `email@example.com` or `Name <email@example.com>` format.", nil}},
		Postmark: {Reply{429, "429", "Rate limit exceeded.", nil}, Reply{500, "0", "Internal server error.", nil}, Reply{503, "0", "Service unavailable.", nil}, Reply{422, "406", "You tried to send to recipient(s) that have been marked as inactive. Found inactive addresses: bounced@example.com. Inactive recipients are ones that have generated a hard bounce, a spam complaint, or a manual suppression.", nil}},
		Graph:    {Reply{429, "ApplicationThrottled", "Application is over its MailboxConcurrency limit.", nil}, Reply{500, "InternalServerError", "An internal server error occurred.", nil}, Reply{503, "ServiceUnavailable", "Service Unavailable", nil}, Reply{400, "ErrorInvalidRecipients", "At least one recipient is not valid., Recipient 'bounced@example.com' is not resolved. All recipients must be resolved before a message can be submitted.", nil}},
		SES:      {Reply{429, "TooManyRequestsException", "Maximum sending rate exceeded.", nil}, Reply{500, "InternalFailure", "The request processing has failed because of an unknown error.", nil}, Reply{503, "ServiceUnavailable", "Service is unavailable.", nil}, Reply{400, "MessageRejected", "Email address is not verified. The following identities failed the check in region EU-WEST-1: bounced@example.com", nil}},
	}[s.opts.Kind]
}

// Throttle is the provider's documented 429, with Retry-After.
func (s *Server) Throttle(retryAfter time.Duration) Reply {
	h := http.Header{}
	h.Set("Retry-After", strconv.Itoa(max(1, int(retryAfter.Round(time.Second)/time.Second))))
	if s.opts.Kind == Resend {
		h.Set("Ratelimit-Limit", "2")
		h.Set("Ratelimit-Remaining", "0")
		h.Set("Ratelimit-Reset", h.Get("Retry-After"))
	}
	rep := s.canned().throttle
	rep.Header = h
	return rep
}

// InternalError is a 500.
func (s *Server) InternalError() Reply { return s.canned().internal }

// Unavailable is a 503, as during an outage.
func (s *Server) Unavailable() Reply { return s.canned().unavailable }

// RejectRecipient is the provider's permanent refusal of one message:
// Resend 422, Postmark 406 (inactive recipient), SES MessageRejected,
// Graph ErrorInvalidRecipients.
func (s *Server) RejectRecipient() Reply { return s.canned().reject }

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
