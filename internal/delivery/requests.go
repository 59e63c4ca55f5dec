package delivery

import (
	"fmt"
	"time"
)

// LinkRequests is the API side of one kind of mailed link (reset,
// sign-up), which that kind's service configuration embeds: the Outbox its
// requests go through and how long each request and its link live.
type LinkRequests struct {
	// Outbox records requests and enqueues their mail. Pool and Jobs are
	// required.
	Outbox
	// TTL is how long a request and its link live: the kind's env
	// (RESET_TOKEN_TTL, SIGNUP_TOKEN_TTL). Defaults to the kind's default.
	TTL time.Duration
}

// Valid checks what r requires and fills its defaults: ttl is the kind's
// default TTL, and kind prefixes the error.
func (r *LinkRequests) Valid(kind string, ttl time.Duration) error {
	if err := r.Outbox.Valid(); err != nil {
		return fmt.Errorf("%s: %w", kind, err)
	}
	if r.TTL <= 0 {
		r.TTL = ttl
	}
	return nil
}
