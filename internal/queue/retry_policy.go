package queue

import (
	"math/rand/v2"
	"time"

	"github.com/riverqueue/river/rivertype"
)

// RetryPolicy retries email jobs the way a person waiting at a screen needs:
// quickly at first, then exponentially, capped. With the defaults, attempts
// come about 1s, 2s, 4s, 8s … 5m apart. Jitter of ±10% keeps a burst that
// failed together from retrying in lock-step.
type RetryPolicy struct {
	// Base is the delay before the second attempt. Defaults to 1s.
	Base time.Duration
	// Max caps the delay. Defaults to 5m.
	Max time.Duration
}

// NextRetry implements river.ClientRetryPolicy.
func (p RetryPolicy) NextRetry(job *rivertype.JobRow) time.Time {
	return time.Now().Add(p.Delay(job.Attempt))
}

// Delay is the wait after attempt number attempt (1 for the first) failed.
func (p RetryPolicy) Delay(attempt int) time.Duration {
	base, maxDelay := p.Base, p.Max
	if base <= 0 {
		base = time.Second
	}
	if maxDelay <= 0 {
		maxDelay = 5 * time.Minute
	}
	d := base
	for i := 1; i < attempt && d < maxDelay; i++ {
		d *= 2
	}
	d = min(d, maxDelay)
	jitter := time.Duration(float64(d) * 0.1 * (2*rand.Float64() - 1))
	return d + jitter
}
