package queue

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestRetryPolicyGrowsAndCaps(t *testing.T) {
	t.Parallel()
	p := RetryPolicy{Base: 2 * time.Second, Max: 5 * time.Minute}
	within := func(d, want time.Duration) {
		t.Helper()
		require.InDelta(t, float64(want), float64(d), float64(want)/10+1)
	}
	within(p.Delay(1), 2*time.Second)
	within(p.Delay(2), 4*time.Second)
	within(p.Delay(3), 8*time.Second)
	within(p.Delay(10), 5*time.Minute)
	within(p.Delay(60), 5*time.Minute)
}
